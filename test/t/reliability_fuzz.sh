#!/usr/bin/env bash
# The short fuzz run inside make check: 3,000 seeded calls of every kam
# function, aggregate, window function and view with random and extreme
# arguments (test/fuzz/run.sh; `make fuzz` runs 100,000).  Fails on a crashed
# backend, a statement timeout, class XX, P0001 or an undocumented SQLSTATE.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
bash "$KAM_ROOT/test/fuzz/run.sh" --short
