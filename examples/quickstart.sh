#!/usr/bin/env bash
# modelseal end to end, on a fresh machine with only the Rust toolchain:
#   1. the build host: keys and a trust root, a bundle built and signed
#      2-of-3 from the example spec (one signature made offline), verified
#      as the ECU would, the identity record read back, a tampered copy
#      rejected (examples/quickstart-cli.sh);
#   2. the ECU: the C boot example, linked against the static library,
#      verifies that same bundle through its flash read callback, then
#      refuses the tampered copy (examples/c-boot/run.sh).
#
#   examples/quickstart.sh [OUT_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$(mktemp -d -t modelseal-quickstart.XXXXXX)}"
"$repo/tests/setup.sh"

"$repo/examples/quickstart-cli.sh" "$out"
mkdir -p "$out/ecu-state"

printf '\n== The ECU: the C boot example verifies the bundle at boot\n'
"$repo/examples/c-boot/run.sh" "$out/root.msr" "$out/bundle.msb" "$out/ecu-state"

printf '\n== The ECU refuses the tampered copy\n'
set +e
"$repo/examples/c-boot/run.sh" "$out/root.msr" "$out/work/tampered.msb" "$out/ecu-state"
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
  echo "quickstart: the C boot example accepted a tampered bundle" >&2
  exit 1
fi
echo "refused as expected (exit code $rc: the modelseal status number)"
printf '\nquickstart: done; files in %s\n' "$out"
