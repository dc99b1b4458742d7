# Replays the capability sections in an update script (see the Makefile).
# Objects that hold data or that other objects are built on are created once,
# by the install, and changed by the release's migration: CREATE TABLE, TYPE,
# OPERATOR, CAST, INDEX, POLICY and TRIGGER statements are left out here.
# Functions, aggregates and views are replaced in place (CREATE OR REPLACE),
# keeping their OIDs, so nothing built on them breaks.  Everything else (the
# report-view registry, shipped settings, grants, comments) is written so that
# running it again is harmless, or marked "-- kam:install-only" ... "-- kam:end"
# (the shipped policy rows, which the user may have edited since).
BEGIN { skipping = 0; install_only = 0 }
/^-- kam:install-only/ { install_only = 1; next }
install_only {
	if ($0 ~ /^-- kam:end/) install_only = 0
	next
}
skipping {
	if ($0 ~ /;[[:space:]]*(--.*)?$/) skipping = 0
	next
}
/^CREATE (TABLE|TYPE|OPERATOR|CAST|INDEX|POLICY|TRIGGER|UNIQUE INDEX) / {
	if ($0 !~ /;[[:space:]]*(--.*)?$/) skipping = 1
	next
}
/^SELECT pg_catalog\.pg_extension_config_dump\(/ { print; next }
{
	sub(/^CREATE FUNCTION /, "CREATE OR REPLACE FUNCTION ")
	sub(/^CREATE AGGREGATE /, "CREATE OR REPLACE AGGREGATE ")
	sub(/^CREATE VIEW /, "CREATE OR REPLACE VIEW ")
	print
}
