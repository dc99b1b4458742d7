# kam -- key account management analytics for PostgreSQL (PGXS build)
#
# `make demo`, `make check` and `make bench` are self-sufficient: they install
# what is missing, build, run a throwaway cluster and stop it (see test/lib.sh).
# Every other target is the ordinary PGXS build.

EXTENSION  = kam
EXTVERSION = 0.2.0
# The releases this one updates from (each has sql/upgrade/FROM--$(EXTVERSION).sql).
UPDATES_FROM = 0.1.0

SCRIPT_GOALS = demo check bench valgrind fuzz

ifneq ($(filter $(SCRIPT_GOALS),$(MAKECMDGOALS)),)

demo:
	bash test/demo.sh
check:
	bash test/check.sh
bench:
	bash test/bench/run.sh
valgrind:
	bash test/valgrind.sh
fuzz:
	bash test/fuzz/run.sh --long
.PHONY: $(SCRIPT_GOALS)

else

MODULE_big = kam
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
# The install script is the fresh-install guard, the schema take-over and the
# capability sections of sql/kam/ in order.  An update script is that
# release's migration (sql/upgrade/FROM--TO.sql), the same take-over and the
# same sections replayed (sql/script/replay.awk: objects created once, such as
# tables and types, are left to the migration; functions, aggregates and views
# are replaced), so the code an update installs is the code a fresh install has.
SECTIONS   = $(sort $(wildcard sql/kam/*.sql))
UPDATES    = $(foreach v,$(UPDATES_FROM),kam--$(v)--$(EXTVERSION).sql)
DATA_built = kam--$(EXTVERSION).sql $(UPDATES)
REGRESS    = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=kam
EXTRA_CLEAN = results regression.diffs regression.out
PG_CPPFLAGS = -I$(srcdir)/src

# No LLVM bitcode: clang is not needed to build kam, and JIT inlining of
# kam's functions gains nothing.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Debian's PGXS does not track header dependencies: rebuild on any header change.
$(OBJS): $(wildcard src/*.h)

# SCHEMA_OBJECTS: the line "-- kam:schema-objects" replaced by the query of
# every object in schema kam (sql/script/schema_objects.sql).
SCHEMA_OBJECTS = sed -e '/^-- kam:schema-objects$$/{r sql/script/schema_objects.sql' -e 'd;}'

kam--$(EXTVERSION).sql: sql/script/header.sql sql/script/install.sql sql/script/schema_objects.sql sql/script/schema.sql $(SECTIONS)
	{ cat sql/script/header.sql; $(SCHEMA_OBJECTS) sql/script/install.sql; \
	  cat sql/script/schema.sql $(SECTIONS); } > $@

kam--%--$(EXTVERSION).sql: sql/script/header.sql sql/upgrade/%--$(EXTVERSION).sql sql/script/schema_objects.sql sql/script/schema.sql sql/script/replay.awk $(SECTIONS)
	{ cat sql/script/header.sql; $(SCHEMA_OBJECTS) sql/upgrade/$*--$(EXTVERSION).sql; cat sql/script/schema.sql; \
	  awk -f sql/script/replay.awk $(SECTIONS); } > $@

endif
