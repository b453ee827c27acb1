#!/usr/bin/env bash
# Prints the flash the verifier adds to a freestanding firmware image: the
# .text and .rodata of the freestanding test program (ffi/tests/c/) built
# with the ECU profile and the small crypto backends, without the verifier,
# with a boot check only (init, verify_bundle, manifest digest), with the
# identity record encoded and decoded too, and with the boot check plus the
# version report (REPORT: what the report encoder adds to a boot check). The embedded test bundles are in
# every variant, so the differences are the library's. A measurement, not a
# test.
#
#   ffi/bench/size.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
target=${CARGO_TARGET_DIR:-$repo/target}
out=$target/ffi-bench
mkdir -p "$out"
small='--cfg curve25519_dalek_backend="serial" --cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"'

CARGO_TARGET_DIR=$target/firmware RUSTFLAGS="$small" cargo build --quiet -p modelseal-ffi --profile ecu
CARGO_TARGET_DIR=$target cargo build --quiet -p modelseal-ffi --profile ecu
# Flat digests only (the firmware does not accept fs-verity digests, so no
# tree hasher is linked).
section() { size -A "$1" | awk -v s="$2" '$1==s {print $2}'; }
for flavour in "small backends:$target/firmware/ecu" "default backends:$target/ecu"; do
  name=${flavour%%:*}
  lib=${flavour#*:}/libmodelseal.a
  echo "== ECU profile, $name ($(uname -m), gcc -Os --gc-sections)"
  for variant in NO_VERIFIER VERIFY_ONLY FULL REPORT; do
    exe=$out/fs-${name%% *}-$variant
    gcc -std=c99 -Os -ffreestanding -nostdlib -static -fno-stack-protector -fno-pie -no-pie \
      -ffunction-sections -fdata-sections -Wl,--gc-sections -Iinclude -D"$variant" \
      -DROOT_FILE='"tests/data/valid-flat-digests/root.msr"' \
      -DBUNDLE_FILE='"tests/data/valid-flat-digests/bundle.msb"' \
      -DBAD_BUNDLE_FILE='"tests/data/flat-weights-modified/bundle.msb"' \
      $([ "$variant" = REPORT ] && echo -DVERIFY_ONLY -DREPORT) \
      ffi/tests/c/start.S ffi/tests/c/freestanding.c "$lib" -o "$exe"
    "$exe" >/dev/null
    eval "text_$variant=$(section "$exe" .text) rodata_$variant=$(section "$exe" .rodata)"
  done
  for variant in VERIFY_ONLY FULL REPORT; do
    t=$((text_$variant - text_NO_VERIFIER))
    r=$((rodata_$variant - rodata_NO_VERIFIER))
    printf '   %-12s +%6d .text  +%5d .rodata  = %6d bytes\n' "$variant" "$t" "$r" $((t + r))
  done
  t=$((text_REPORT - text_VERIFY_ONLY))
  r=$((rodata_REPORT - rodata_VERIFY_ONLY))
  printf '   %-12s +%6d .text  +%5d .rodata  = %6d bytes (REPORT - VERIFY_ONLY)\n' "encoder" "$t" "$r" $((t + r))
done
