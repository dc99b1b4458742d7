#!/usr/bin/env bash
# The release files agree with each other and with the build: META.json is
# valid PGXN meta-spec 1.0.0 (required keys, semantic versions, license
# postgresql, PostgreSQL 15.0.0 at run time, kam provided by the built
# kam--VERSION.sql), its version is the newest in CHANGELOG.md, the released
# version in kam.control and the Makefile is one CHANGELOG.md lists, and
# LICENSE is the PostgreSQL License of "The kam developers".
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$KAM_ROOT"
py=$(command -v /usr/bin/python3 || command -v python3 || true)
if [ -z "$py" ]; then
	DEBIAN_FRONTEND=noninteractive kam_as_root apt-get install -y -qq --no-install-recommends python3-minimal >/dev/null
	py=/usr/bin/python3
fi
control=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" kam.control)
makefile=$(sed -n 's/^EXTVERSION *= *//p' Makefile)
"$py" - "$control" "$makefile" <<'PY'
import json, re, sys
control, makefile = sys.argv[1:3]
bad = []
def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    if not cond:
        bad.append(what)
semver = re.compile(r"^\d+\.\d+\.\d+$")
meta = json.load(open("META.json"))
for key in ("name", "abstract", "maintainer", "license", "provides", "meta-spec", "version"):
    check(key in meta, "META.json has %s" % key)
v = meta.get("version", "")
check(meta.get("name") == "kam", "META.json name is kam")
check(bool(semver.match(v)), "META.json version %s is a semantic version" % v)
check(meta.get("meta-spec", {}).get("version") == "1.0.0", "meta-spec 1.0.0")
check(meta.get("license") == "postgresql", "license postgresql")
check(meta.get("prereqs", {}).get("runtime", {}).get("requires", {}).get("PostgreSQL") == "15.0.0",
      "runtime requires PostgreSQL 15.0.0")
kam = meta.get("provides", {}).get("kam", {})
check(kam.get("file") == "kam--%s.sql" % v, "provides kam from kam--%s.sql (the Makefile's DATA_built)" % v)
check(kam.get("version") == v and bool(kam.get("abstract")), "provides kam at version %s, with an abstract" % v)
check(meta.get("release_status", "stable") in ("stable", "testing", "unstable"), "release_status is a PGXN one")
log = open("CHANGELOG.md").read()
versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", log, re.M)
check(bool(versions) and versions[0] == v, "CHANGELOG.md's newest version %s is META.json's" % (versions[:1],))
check(control == makefile, "kam.control default_version %s = Makefile EXTVERSION %s" % (control, makefile))
check(control in versions, "CHANGELOG.md has the built version %s" % control)
lic = open("LICENSE").read()
check("PostgreSQL License" in lic and "The kam developers" in lic and "AS IS" in lic,
      "LICENSE is the PostgreSQL License of The kam developers")
sys.exit(1 if bad else 0)
PY
