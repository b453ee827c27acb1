# Makefile fragment: compile and link a C program against modelseal.
#
#   include path/to/modelseal/ffi/modelseal.mk
#   CFLAGS += $(MODELSEAL_CFLAGS)
#   LDLIBS += $(MODELSEAL_LIBS)
#
# Build the library first:
#   cargo build -p modelseal-ffi --profile ecu      (no_std, what firmware links)
#   cargo build -p modelseal-ffi --release          (host build, links std)
# MODELSEAL_PROFILE selects which one (default: ecu; release, or debug for
# the plain `cargo build`); the library is looked for under
# $(CARGO_TARGET_DIR) when set, else the repository's target/.
# MODELSEAL_LIB_DIR overrides the directory (a cross target, say).
#
# Including this file fails at once, with what to build, when the library
# is not there (instead of a linker error later). `make clean` and other
# goals listed in MODELSEAL_NO_LIB_GOALS do not need it.

MODELSEAL_ROOT ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
MODELSEAL_PROFILE ?= ecu
MODELSEAL_TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(MODELSEAL_ROOT)/target)
MODELSEAL_LIB_DIR ?= $(MODELSEAL_TARGET_DIR)/$(MODELSEAL_PROFILE)
MODELSEAL_NO_LIB_GOALS ?= clean distclean

MODELSEAL_CFLAGS = -I$(MODELSEAL_ROOT)/include
# The static library by path, so a libmodelseal.so beside it is never picked.
MODELSEAL_LIBS = $(MODELSEAL_LIB_DIR)/libmodelseal.a
ifneq ($(MODELSEAL_PROFILE),ecu)
# Host profiles link Rust's std, which needs these system libraries.
MODELSEAL_LIBS += -lpthread -ldl -lm -lrt -lutil
endif

# The cargo command that builds the selected profile, for the message.
MODELSEAL_BUILD_CMD = cargo build -p modelseal-ffi $(if $(filter debug,$(MODELSEAL_PROFILE)),,$(if $(filter release,$(MODELSEAL_PROFILE)),--release,--profile $(MODELSEAL_PROFILE)))
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(MODELSEAL_NO_LIB_GOALS),$(MAKECMDGOALS)),all),)
ifeq ($(wildcard $(MODELSEAL_ROOT)/include/modelseal.h),)
$(error modelseal: no header at $(MODELSEAL_ROOT)/include/modelseal.h; set MODELSEAL_ROOT to the modelseal repository)
endif
ifeq ($(wildcard $(MODELSEAL_LIB_DIR)/libmodelseal.a),)
$(error modelseal: $(MODELSEAL_LIB_DIR)/libmodelseal.a not found (profile $(MODELSEAL_PROFILE)). Build it first, in $(MODELSEAL_ROOT): $(MODELSEAL_BUILD_CMD) -- or set MODELSEAL_LIB_DIR to the directory that holds libmodelseal.a)
endif
endif
