#!/usr/bin/env bash
# Prints the flash of the boot check on a Cortex-R5 in Thumb-2, measured as
# ffi/bench/m4.sh measures it on Cortex-M: the firmware of
# examples/firmware-m/boot.c (the boot check: init, verify_bundle with the
# read callback, floors, new root, manifest digest) linked against the ECU
# build of the library (small crypto backends, --gc-sections, no C
# library), minus the same firmware without the check (VARIANT baseline);
# and the same with every exported function linked. The images are linked
# for their size only (Cortex-R5F, hard float; the M-profile start-up code
# and the board are not part of them) and never run.
#
# No prebuilt core library exists for the R-profile targets on stable Rust:
# the library is built with nightly and -Z build-std=core, for
# thumbv7r-none-eabihf (Thumb-2) when nightly knows that target, otherwise
# for armv7r-none-eabihf with -C target-feature=+thumb-mode. Without a
# nightly toolchain with rust-src this prints why and exits 0:
#
#   rustup toolchain install nightly
#   rustup component add rust-src --toolchain nightly
#
#   ffi/bench/r5.sh           (ffi/bench/m4.sh runs it last)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
target=${CARGO_TARGET_DIR:-$repo/target}
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
out=$target/ffi-bench/r5
small='--cfg curve25519_dalek_backend="serial" --cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"'

skip() {
  echo "== cortex-r5: skipped ($*)"
  echo "   needs: rustup toolchain install nightly && rustup component add rust-src --toolchain nightly"
  exit 0
}
rustup run nightly rustc --version >/dev/null 2>&1 || skip "no nightly toolchain"
rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' ||
  skip "nightly has no rust-src component"
command -v arm-none-eabi-gcc >/dev/null || skip "no arm-none-eabi-gcc (examples/firmware-m/setup.sh installs it)"

if rustup run nightly rustc --print target-list | grep -qx thumbv7r-none-eabihf; then
  rust_target=thumbv7r-none-eabihf flags=$small
else
  rust_target=armv7r-none-eabihf flags="$small -C target-feature=+thumb-mode"
fi
mkdir -p "$out"
# compiler-builtins-mem: the archive brings memcpy and friends, as the
# prebuilt core of the Cortex-M targets does (the firmware has no C library).
CARGO_TARGET_DIR=$target RUSTFLAGS="$flags" \
  cargo +nightly build --quiet --locked -p modelseal-ffi --profile ecu --target "$rust_target" \
  -Z build-std=core -Z build-std-features=compiler-builtins-mem 2>&1 |
  { grep -Ev "dropping unsupported crate type .cdylib.|generated 1 warning|^$" || true; }
lib=$target/$rust_target/ecu/libmodelseal.a

# What examples/firmware-m/startup.S gives boot.c: an output routine (a stub
# here, in every variant) and the addresses of the root and the bundle
# partition (symbols only: no bytes in either image).
cat >"$out/stub.c" <<'EOF'
void fw_puts(const char *s);
void fw_puts(const char *s) { (void)s; }
EOF
arch=(-mcpu=cortex-r5 -mthumb -mfloat-abi=hard -mfpu=vfpv3-d16)
cflags=(-std=c99 -Wall -Wextra -Wpedantic -Werror -Os -ffreestanding -fno-common
  -ffunction-sections -fdata-sections -Iinclude)
# shellcheck disable=SC2054 # -Wl, options are meant to hold commas
ldflags=(-nostdlib -nostartfiles -static -Wl,--gc-sections -Wl,-e,main -Wl,-z,noexecstack
  -Wl,--defsym,fw_root=0x100000 -Wl,--defsym,fw_root_end=0x100200
  -Wl,--defsym,fw_bundle=0x200000 -Wl,--defsym,fw_bundle_end=0x210000)
arm-none-eabi-nm -g --defined-only "$lib" 2>/dev/null |
  awk '$2=="T" && $3 ~ /^modelseal_/ {print "KEEP(" $3 ")"}' | sort -u >"$out/keep.inc"
link() { # variant, defines...
  local v=$1
  shift
  arm-none-eabi-gcc "${arch[@]}" "${cflags[@]}" "$@" -DCOUNTER_FLOOR=5u \
    examples/firmware-m/boot.c "$out/stub.c" "$lib" "${ldflags[@]}" -o "$out/cortex-r5-$v.elf"
}
link baseline -DFW_BASELINE
link boot -DFW_STATUS_NUMBERS   # only the boot check linked (no status messages)
link boot-text
link every -DFW_EVERY_FUNCTION -DKEEP_FILE="\"$out/keep.inc\""

sum() { arm-none-eabi-size -A "$1" | awk -v s="$2" '$1==s {n=$2} END {print n+0}'; }
base=$out/cortex-r5-baseline.elf
echo "== cortex-r5 ($rust_target, Thumb-2; $(rustup run nightly rustc --version | cut -d" " -f2-))"
for variant in boot boot-text every; do
  elf=$out/cortex-r5-$variant.elf
  t=$(($(sum "$elf" .text) - $(sum "$base" .text)))
  r=$(($(sum "$elf" .rodata) - $(sum "$base" .rodata)))
  label="boot check"
  [ "$variant" = boot-text ] && label="+ status strings"
  [ "$variant" = every ] && label="every function"
  printf '   %-24s %7d bytes (.text %+d, .rodata %+d)\n' "flash, $label" $((t + r)) "$t" "$r"
done
