#!/usr/bin/env bash
# modelseal end to end, on a fresh machine with only the Rust toolchain:
#   1. the build host: keys and a trust root, a bundle built and signed
#      2-of-3 from the example spec (one signature made offline), verified
#      as the ECU would, the identity record read back, a tampered copy
#      rejected (examples/quickstart-cli.sh);
#   2. the ECU: the C boot example, linked against the static library,
#      verifies that same bundle through its flash read callback, then
#      refuses the tampered copy (examples/c-boot/run.sh);
#   3. the HiL read-back: the rig sends a nonce, the ECU answers with a
#      version report signed by its own device key, the host verifies it
#      (examples/hil-readback/ask.sh); a replayed answer is refused;
#   4. the loop closes: the bundle is registered in the model registry
#      (verified against the trust root), and the ECU's signed report is
#      traced back to the model's training dataset, evaluations and signers;
#   5. the car is enrolled in the fleet inventory, its signed report
#      ingested: which cars run the model, and an incident on that car
#      walked back to the training data.
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

printf '\n== The ECU device key (development: a software key; production: a secure element)\n'
ms="${CARGO_TARGET_DIR:-$repo/target}/debug/modelseal"
case "$ms" in /*) ;; *) ms="$repo/$ms" ;; esac
"$ms" report keygen "$out/work/ecu-device.key" --public "$out/work/ecu-device.pub" --force

printf '\n== HiL read-back: the rig asks with a nonce, the ECU answers with a signed report\n'
"$repo/examples/hil-readback/ask.sh" "$out/root.msr" "$out/bundle.msb" "$out/ecu-state" \
  "$out/work/ecu-device.key" "$out/work/ecu-device.pub" SN-000123

printf '\n== The same answer replayed to a new question is refused\n'
set +e
"$ms" report verify "$out/ecu-state/report.bin" --ecu-key "$out/work/ecu-device.pub" \
  --nonce "$("$ms" report request)" --bundle "$out/bundle.msb"
rc=$?
set -e
if [ "$rc" -ne 12 ]; then
  echo "quickstart: a replayed report was not refused as a replay (exit $rc)" >&2
  exit 1
fi
echo "refused as expected (exit code 12: the report answers another nonce)"

printf '\n== The registry: the bundle verified against the trust root and recorded\n'
reg="$out/registry.db"
"$ms" registry --db "$reg" init --root "$out/root.msr"
"$ms" registry --db "$reg" resolver set dataset 'https://datasets.example.com/{id}'
"$ms" registry --db "$reg" add "$out/bundle.msb"

printf '\n== From the car back to its data: the ECU'"'"'s signed report, traced\n'
echo "\$ modelseal trace --report report.bin --ecu-key ecu-device.pub --ecu-serial SN-000123 --nonce <nonce>"
"$ms" trace --db "$reg" --report "$out/ecu-state/report.bin" --ecu-key "$out/work/ecu-device.pub" \
  --ecu-serial SN-000123 --nonce "$(cat "$out/ecu-state/rig-nonce")" | tee "$out/work/trace.txt"
if ! grep -Eq '^  training_dataset_id +ds-train-2025-11-03' "$out/work/trace.txt"; then
  echo "quickstart: the trace did not lead back to the training dataset" >&2
  exit 1
fi
echo "traced: the ECU's signed report leads to training dataset ds-train-2025-11-03"

printf '\n== The fleet: the car enrolled, its report ingested; which cars run the model?\n'
"$ms" fleet --db "$reg" enroll WVW00000000000001 --ecu front_camera --hardware-id HW-FC-0042 \
  --serial SN-000123 --key "$out/work/ecu-device.pub"
"$ms" fleet --db "$reg" ingest "$out/ecu-state/report.bin" --vin WVW00000000000001
"$ms" fleet --db "$reg" which perception_front_camera@v1.3.5 | tee "$out/work/which.txt"
if ! grep -q '^1 vehicle runs perception_front_camera@v1.3.5' "$out/work/which.txt"; then
  echo "quickstart: the fleet does not show the car running the model" >&2
  exit 1
fi
"$ms" incident --db "$reg" add --vin WVW00000000000001 --at "$(date +%s)" --kind performance \
  --external-id INC-0001 --odd rain --summary "late braking in rain" | tee "$out/work/incident.txt"
if ! grep -Eq 'training data +ds-train-2025-11-03' "$out/work/incident.txt"; then
  echo "quickstart: the incident did not lead back to the training dataset" >&2
  exit 1
fi
printf '\nquickstart: done; files in %s\n' "$out"
