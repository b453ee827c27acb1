#!/usr/bin/env bash
# The HiL rig asks the ECU what it runs, and believes only a signed,
# fresh answer:
#   1. the rig makes a nonce (`modelseal report request`);
#   2. the ECU (ecu-answer, through the C API) verifies its bundle and
#      answers with a version report signed by its device key;
#   3. the rig checks the report (`modelseal report verify`): the ECU's
#      registered key and serial, the nonce it sent, a sequence above the
#      last one it accepted, and the bundle it meant to install.
#
#   examples/hil-readback/ask.sh <root.msr> <bundle.msb> <ecu-state-dir> \
#       <device-key.pem> <device-key.pub> <serial>
#
# The rig keeps the last sequence it accepted in <ecu-state-dir>/rig-last-sequence.
# Exit status: `modelseal report verify`'s (0 verified; 10-17 the refusals
# of docs/CLI.md), or the ECU's status when it could not answer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
if [ $# -ne 6 ]; then
  echo "usage: examples/hil-readback/ask.sh <root.msr> <bundle.msb> <ecu-state-dir> <device-key.pem> <device-key.pub> <serial>" >&2
  exit 100
fi
root=$1 bundle=$2 state=$3 key=$4 pub=$5 serial=$6
mkdir -p "$state"
CARGO_TARGET_DIR=$target cargo build --quiet --manifest-path "$repo/Cargo.toml" \
  -p modelseal-ffi --profile ecu
CARGO_TARGET_DIR=$target cargo build --quiet --manifest-path "$repo/Cargo.toml" -p modelseal-cli
make --no-print-directory -s -C "$here" MODELSEAL_LIB_DIR="$target/ecu" OUT="$target/examples-c" \
  "$target/examples-c/ecu-answer"
ms=$target/debug/modelseal

nonce=$("$ms" report request)
echo "rig: asks with nonce $nonce"
# Kept for whoever checks the answer later (the registry's trace does).
echo "$nonce" >"$state/rig-nonce"
"$target/examples-c/ecu-answer" "$root" "$bundle" "$state" "$key" "$serial" "$nonce"
last=$(cat "$state/rig-last-sequence" 2>/dev/null || echo 0)
echo "rig: \$ modelseal report verify report.bin --ecu-key $(basename "$pub") --ecu-serial $serial --nonce <nonce> --last-sequence $last --bundle $(basename "$bundle")"
set +e
"$ms" report verify "$state/report.bin" --ecu-key "$pub" --ecu-serial "$serial" \
  --nonce "$nonce" --last-sequence "$last" --bundle "$bundle" | tee "$state/rig-verify.txt"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -eq 0 ]; then
  awk '$1 == "sequence" { print $2 }' "$state/rig-verify.txt" >"$state/rig-last-sequence"
fi
exit "$rc"
