#!/usr/bin/env bash
# The boot check on Cortex-M cores, emulated: the bare-metal firmware of
# examples/firmware-m/, linked against the ECU build of the library (small
# crypto backends) for Cortex-M4F (thumbv7em-none-eabihf, QEMU mps2-an386)
# and Cortex-M3 (thumbv7m-none-eabi, QEMU mps2-an385), runs under QEMU on
# five bundles the modelseal command makes in the same run; each run must
# exit (semihosting) with its exact status:
#
#   good      2-of-3 signed release                  0  (and the manifest digest
#                                                        and counter floor the
#                                                        host verifier reports)
#   tampered  one artifact byte flipped             27  ARTIFACT_DIGEST_MISMATCH
#   rollback  security counter 4, device floor 5    20  ROLLBACK
#   wrong-hw  built for hardware HW-RC-0007         16  WRONG_HARDWARE
#   verity    weights under an fs-verity digest     43  VERITY_NOT_ACCEPTED
#             (the same, firmware built VERITY=1)    0
#
# and good, tampered and verity (VERITY=1) again through the per-chunk
# calls (PER_CHUNK=1), as a download would feed them.
#
# The host's `modelseal verify` with the same device policy must agree on
# the first four. Installs the cross compiler, QEMU and the Rust targets when
# missing (examples/firmware-m/setup.sh). Uses $CARGO_TARGET_DIR when set.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
target=${CARGO_TARGET_DIR:-$repo/target}
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
out=$target/firmware-m-tests
rm -rf "$out"
mkdir -p "$out"
SMALL_BACKENDS='--cfg curve25519_dalek_backend="serial" --cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"'
FLOOR=5
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "   ok    $*"; }
bad() { failed=$((failed + 1)); echo "   FAIL  $*"; }
finish() {
  echo "firmware-m: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

examples/firmware-m/setup.sh

echo "== firmware-m: trust root and bundles (modelseal command)"
CARGO_TARGET_DIR=$target cargo build --quiet --locked -p modelseal-cli
ms=$target/debug/modelseal
examples/firmware-m/make-bundles.sh "$out/bundles" "$ms"
b=$out/bundles
policy=(--root "$b/root.msr" --hardware-id HW-FC-0042 --platform PLAT-A --market EU
  --counter-floor "$FLOOR" --min-stage staging)

# What the host verifier says about each bundle, with the firmware's policy.
"$ms" verify --quiet --json "$b/good.msb" "${policy[@]}" >"$out/host-good.json"
digest=$(sed -n 's/^ *"manifest_digest": "\([0-9a-f]\{64\}\)",*$/\1/p' "$out/host-good.json")
host_floor=$(sed -n '/"persist"/,/}/s/^ *"counter_floor": \([0-9]*\),*$/\1/p' "$out/host-good.json")
if [ -z "$digest" ] || [ -z "$host_floor" ]; then
  echo "no manifest digest or counter floor in the host's report" >&2
  exit 1
fi
for case in tampered rollback wrong-hw; do
  set +e
  "$ms" verify --quiet "$b/$case.msb" "${policy[@]}" >/dev/null 2>"$out/host-$case.log"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || { cat "$out/host-$case.log"; echo "host verify of $case exited $rc, expected 1" >&2; exit 1; }
done
echo "   host verifier: good accepted (digest ${digest:0:16}..., floor $host_floor), the others rejected"

# case:expected-status:expected-line
# bundle:accept fs-verity (VERITY=):per-chunk calls (PER_CHUNK=):expected exit:expected line
cases=(
  "good:0:0:0:boot ok: bundle verified"
  "tampered:0:0:27:(status 27, at verify_bundle)"
  "rollback:0:0:20:(status 20, at verify_bundle)"
  "wrong-hw:0:0:16:(status 16, at verify_bundle)"
  "verity:0:0:43:(status 43, at verify_bundle)"
  "verity:1:0:0:boot ok: bundle verified"
  "good:0:1:0:boot ok: bundle verified"
  "tampered:0:1:27:(status 27, at verify_chunks)"
  "verity:1:1:0:boot ok: bundle verified"
)

for cpu in "cortex-m4:thumbv7em-none-eabihf:mps2-an386" "cortex-m3:thumbv7m-none-eabi:mps2-an385"; do
  IFS=: read -r name rust_target board <<<"$cpu"
  echo "== firmware-m: $name ($rust_target, QEMU $board)"
  CARGO_TARGET_DIR=$target RUSTFLAGS="$SMALL_BACKENDS" \
    cargo build --quiet --locked -p modelseal-ffi --profile ecu --target "$rust_target" 2>&1 |
    { grep -Ev "dropping unsupported crate type .cdylib.|generated 1 warning|^$" || true; }
  lib_dir=$target/$rust_target/ecu
  [ -f "$lib_dir/libmodelseal.a" ] || { echo "no $lib_dir/libmodelseal.a" >&2; exit 1; }
  for c in "${cases[@]}"; do
    IFS=: read -r bundle verity chunks want line <<<"$c"
    case=$bundle
    [ "$verity" = 1 ] && case="$case, fs-verity accepted"
    [ "$chunks" = 1 ] && case="$case, per chunk"
    elf=$out/$name/$bundle-v$verity-c$chunks.elf
    log=$out/$name/$bundle-v$verity-c$chunks.log
    if ! make --no-print-directory -s -C examples/firmware-m CPU="$name" VERITY="$verity" PER_CHUNK="$chunks" \
      MODELSEAL_LIB_DIR="$lib_dir" ROOT_FILE="$b/root.msr" BUNDLE_FILE="$b/$bundle.msb" \
      COUNTER_FLOOR="$FLOOR" OUT="$elf" >"$out/build.log" 2>&1; then
      cat "$out/build.log"
      bad "$name $case: firmware did not build"
      continue
    fi
    set +e
    timeout 120 qemu-system-arm -M "$board" -display none -monitor none -serial none \
      -semihosting-config enable=on,target=native -kernel "$elf" >"$log" 2>&1
    got=$?
    set -e
    if [ "$got" -ne "$want" ]; then
      sed 's/^/         /' "$log"
      if [ "$got" -eq 124 ]; then
        bad "$name $case: QEMU timed out"
      else
        bad "$name $case: exit $got, expected $want"
      fi
      continue
    fi
    if ! grep -qF -- "$line" "$log"; then
      sed 's/^/         /' "$log"
      bad "$name $case: exit $got but no \"$line\" in the output"
      continue
    fi
    if [ "$bundle" = good ]; then
      # The firmware reports what the host verifier reported.
      if ! grep -qx "  manifest digest  $digest" "$log" ||
        ! grep -qF "counter floor $host_floor, no new trust root" "$log"; then
        sed 's/^/         /' "$log"
        bad "$name $case: digest or floor differ from the host's ($digest, $host_floor)"
        continue
      fi
    fi
    ok "$name $case: exit $got ($(grep -E '^boot ' "$log" | head -1))"
  done
done
finish
