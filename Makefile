# kam -- key account management analytics for PostgreSQL (PGXS build)
#
# `make demo`, `make check` and `make bench` are self-sufficient: they install
# what is missing, build, run a throwaway cluster and stop it (see test/lib.sh).
# Every other target is the ordinary PGXS build.

EXTENSION  = kam
EXTVERSION = 0.1.0

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
# The install script is the capability sections of sql/kam/ in order.
SECTIONS   = $(sort $(wildcard sql/kam/*.sql))
DATA_built = kam--$(EXTVERSION).sql
DATA       = $(wildcard sql/upgrade/kam--*--*.sql)
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

$(DATA_built): $(SECTIONS)
	cat $(SECTIONS) > $@

endif
