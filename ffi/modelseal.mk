# Makefile fragment: compile and link a C program against modelseal.
#
#   include path/to/modelseal/ffi/modelseal.mk
#   CFLAGS += $(MODELSEAL_CFLAGS)
#   LDLIBS += $(MODELSEAL_LIBS)
#
# Build the library first:
#   cargo build -p modelseal-ffi --profile ecu      (no_std, what firmware links)
#   cargo build -p modelseal-ffi --release          (host build, links std)
# MODELSEAL_PROFILE selects which one (default: ecu); MODELSEAL_LIB_DIR
# overrides the directory (for a CARGO_TARGET_DIR elsewhere or a cross target).

MODELSEAL_ROOT ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
MODELSEAL_PROFILE ?= ecu
MODELSEAL_LIB_DIR ?= $(MODELSEAL_ROOT)/target/$(MODELSEAL_PROFILE)

MODELSEAL_CFLAGS = -I$(MODELSEAL_ROOT)/include
# The static library by path, so a libmodelseal.so beside it is never picked.
MODELSEAL_LIBS = $(MODELSEAL_LIB_DIR)/libmodelseal.a
ifneq ($(MODELSEAL_PROFILE),ecu)
# Host profiles link Rust's std, which needs these system libraries.
MODELSEAL_LIBS += -lpthread -ldl -lm -lrt -lutil
endif
