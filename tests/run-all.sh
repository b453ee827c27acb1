#!/usr/bin/env bash
# Runs every test of modelseal, from a clean clone:
#   Rust unit, integration, threat and CLI tests (cargo test),
#   C tests against the real header and staticlib under ASan/UBSan,
#   the freestanding link test and the panic-path audit, the FFI layer's
#   tests under Miri, and a short fuzz smoke run of every target.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/setup.sh
cargo test --workspace --all-targets --locked
ffi/tests/run.sh
tests/firmware-m.sh   # the boot check as Cortex-M4F and Cortex-M3 firmware, under QEMU
# The C API's own unsafe code under Miri (needs the nightly toolchain's
# miri and rust-src components; said plainly when they are missing).
# Installed here when the nightly toolchain is present but lacks them.
if ! cargo +nightly miri --version >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1 || true
fi
if cargo +nightly miri --version >/dev/null 2>&1; then
  MIRIFLAGS=-Zmiri-disable-isolation cargo +nightly miri test -q -p modelseal-ffi --lib
else
  echo "run-all: Miri is not installed (rustup component add --toolchain nightly miri rust-src): the FFI tests did not run under Miri" >&2
fi
fuzz/smoke.sh
echo "run-all: every test passed"
