#!/usr/bin/env bash
# Builds the C boot example (the ECU build of the library with cargo, then
# the C program with cc) and runs it on a bundle.
#
#   examples/c-boot/run.sh <root.msr> <bundle.msb> [<state-dir>]
#
# The exit status is the boot example's: 0 verified, otherwise the modelseal
# status number of the refusal (see examples/c-boot/boot.c).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: examples/c-boot/run.sh <root.msr> <bundle.msb> [<state-dir>]" >&2
  exit 100
fi
CARGO_TARGET_DIR=$target cargo build --quiet --manifest-path "$repo/Cargo.toml" \
  -p modelseal-ffi --profile ecu
make --no-print-directory -s -C "$here" MODELSEAL_LIB_DIR="$target/ecu" OUT="$target/examples-c" \
  "$target/examples-c/c-boot"
exec "$target/examples-c/c-boot" "$@"
