#!/usr/bin/env bash
# Runs every test of modelseal, from a clean clone:
#   Rust unit, integration, threat and CLI tests (cargo test),
#   C tests against the real header and staticlib under ASan/UBSan,
#   the freestanding link test, and a short fuzz smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/setup.sh
cargo test --workspace --all-targets --locked
if [ -x ffi/tests/run.sh ]; then ffi/tests/run.sh; fi
if [ -x fuzz/smoke.sh ]; then fuzz/smoke.sh; fi
echo "run-all: every test passed"
