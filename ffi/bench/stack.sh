#!/usr/bin/env bash
# Prints the verifier's RAM figures: the context size and alignment, and the
# peak stack of a full verification, measured by painting a private stack
# (ffi/bench/stack.c), for the ECU build with the small crypto backends (what
# firmware ships) and with the default backends. A measurement, not a test.
#
#   ffi/bench/stack.sh [<root.msr> <bundle.msb>]   (default: tests/data/valid-component)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
target=${CARGO_TARGET_DIR:-$repo/target}
root=${1:-tests/data/valid-component/root.msr}
bundle=${2:-tests/data/valid-component/bundle.msb}
out=$target/ffi-bench
mkdir -p "$out"
small='--cfg curve25519_dalek_backend="serial" --cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"'

CARGO_TARGET_DIR=$target/firmware RUSTFLAGS="$small" cargo build --quiet -p modelseal-ffi --profile ecu
CARGO_TARGET_DIR=$target cargo build --quiet -p modelseal-ffi --profile ecu
for flavour in "small backends:$target/firmware/ecu" "default backends:$target/ecu"; do
  name=${flavour%%:*}
  lib=${flavour#*:}/libmodelseal.a
  exe=$out/stack-${name%% *}
  cc -std=c99 -O2 -Wall -Wextra -Werror -Iinclude ffi/bench/stack.c "$lib" -o "$exe"
  echo "== ECU profile, $name ($(uname -m))"
  "$exe" "$root" "$bundle"
done
