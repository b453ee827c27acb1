#!/usr/bin/env bash
# Prints what the boot check costs on Cortex-M cores, measured with the
# bare-metal firmware of examples/firmware-m (ECU profile, small crypto
# backends, arm-none-eabi-gcc -Os --gc-sections, no C library):
#
#   flash    .text + .rodata of the boot-check image minus the same firmware
#            without the check (arm-none-eabi-size); the same for an image
#            that links every exported function;
#   RAM      the static memory the check adds (.data + .bss: context, work
#            buffer, new-root buffer) and its peak stack, measured by
#            painting the stack before the call and scanning it after;
#   time     instructions of the boot check (init, verify_bundle, counter
#            floor, new root, manifest digest), and of its head alone (init,
#            verify_head: no artifact bytes), under
#            `qemu-system-arm -icount shift=0`, where one guest instruction
#            is one nanosecond of virtual time: the board's 25 MHz timer is
#            read before and after, and a loop of known length calibrates
#            instructions per tick. Instructions, not cycles.
#
# A measurement, not a test. Deterministic for given inputs (the Ed25519
# checks take time that depends on keys and signatures: bundles signed with
# other keys differ by about 1%).
#
#   ffi/bench/m4.sh [<root.msr> <bundle.msb>]   (default: tests/data/valid-flat-digests)
#
# The boot check refuses fs-verity digests (it does not call
# modelseal_verifier_accept_verity, so no tree hasher is linked); the rows
# marked fs-verity are the same firmware accepting them, measured on
# VERITY_ROOT / VERITY_BUNDLE (default: tests/data/valid-component, whose
# weights carry an fs-verity digest).
#
# CPUS="cortex-m4" limits it to one core (default: cortex-m4 cortex-m3).
# Installs the cross compiler, QEMU and the Rust targets when missing.
#
# Last, ffi/bench/r5.sh prints the flash of the same boot check on a
# Cortex-R5 in Thumb-2 (built with nightly and -Z build-std=core; skipped,
# with a message, when nightly or its rust-src component is missing).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
target=${CARGO_TARGET_DIR:-$repo/target}
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
root=$(realpath "${1:-tests/data/valid-flat-digests/root.msr}")
bundle=$(realpath "${2:-tests/data/valid-flat-digests/bundle.msb}")
# The fs-verity rows: the standard component, whose weights carry an
# fs-verity digest.
vroot=$(realpath "${VERITY_ROOT:-tests/data/valid-component/root.msr}")
vbundle=$(realpath "${VERITY_BUNDLE:-tests/data/valid-component/bundle.msb}")
out=$target/ffi-bench/m4
mkdir -p "$out"
small='--cfg curve25519_dalek_backend="serial" --cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"'

examples/firmware-m/setup.sh

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit + uncommitted changes"
echo "== modelseal boot check on Cortex-M (commit $commit)"
echo "   ECU profile, small backends; $(arm-none-eabi-gcc --version | head -1); $(qemu-system-arm --version | head -1)"
echo "   inputs: ${root#"$repo"/}, ${bundle#"$repo"/} ($(wc -c <"$bundle") bytes); fs-verity rows: ${vbundle#"$repo"/}"

sum() { arm-none-eabi-size -A "$1" | awk -v s="$2" '$1==s {n=$2} END {print n+0}'; }

# Runs measuring firmware $1.elf under QEMU and prints its figures; $2
# labels the rows.
measure() {
  local rc line stack ticks spin_ticks spin_insns hz insns per_tick head_ticks head_insns
  set +e
  timeout 300 qemu-system-arm -M "$board" -display none -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel "$1.elf" >"$1.log" 2>&1
  rc=$?
  set -e
  line=$(grep '^measure:' "$1.log" || true)
  if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
    cat "$1.log"
    echo "m4.sh: the measuring firmware $1.elf exited $rc (not a verifying bundle for its policy?)" >&2
    exit 1
  fi
  field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
  stack=$(field stack_peak_bytes)
  ticks=$(field boot_ticks)
  spin_ticks=$(field spin_ticks)
  spin_insns=$(field spin_instructions)
  hz=$(field timer_hz)
  insns=$(awk -v t="$ticks" -v st="$spin_ticks" -v si="$spin_insns" 'BEGIN {printf "%.0f", t * si / st}')
  per_tick=$(awk -v st="$spin_ticks" -v si="$spin_insns" 'BEGIN {printf "%.2f", si / st}')
  head_ticks=$(field head_ticks)
  head_insns=$(awk -v t="$head_ticks" -v st="$spin_ticks" -v si="$spin_insns" 'BEGIN {printf "%.0f", t * si / st}')
  [ "$(field head_status)" = 0 ] || { echo "m4.sh: the head alone (or the hashing after it) did not verify: $line" >&2; exit 1; }
  per_byte=$(awk -v t="$(field hash_ticks)" -v b="$(field hash_bytes)" -v st="$spin_ticks" -v si="$spin_insns" 'BEGIN {printf "%.1f", t * si / st / b}')
  printf '   %-24s %7d bytes\n' "stack, peak$2" "$stack"
  printf '   %-24s %7d (%d ticks of the %d Hz timer x %s; calibration: %d instructions = %d ticks)\n' \
    "instructions$2" "$insns" "$ticks" "$hz" "$per_tick" "$spin_insns" "$spin_ticks"
  printf '   %-24s %7d (init + verify_head from the mapped partition: rotation chain, signatures, manifest, policy; no artifact bytes)\n' \
    "instructions, head only$2" "$head_insns"
  printf '   %-24s %7s (the largest artifact, %d bytes, in one update_artifact call)\n' \
    "instructions/byte$2" "$per_byte" "$(field hash_bytes)"
}

for cpu in ${CPUS:-cortex-m4 cortex-m3}; do
  case $cpu in
  cortex-m4) rust_target=thumbv7em-none-eabihf board=mps2-an386 ;;
  cortex-m3) rust_target=thumbv7m-none-eabi board=mps2-an385 ;;
  *) echo "unknown CPU $cpu (cortex-m4 or cortex-m3)" >&2; exit 2 ;;
  esac
  CARGO_TARGET_DIR=$target RUSTFLAGS="$small" \
    cargo build --quiet --locked -p modelseal-ffi --profile ecu --target "$rust_target" 2>&1 |
    { grep -Ev "dropping unsupported crate type .cdylib.|generated 1 warning|^$" || true; }
  # boot-text: the boot firmware that also prints the version and status
  # messages (modelseal_version, modelseal_status_str); the others print
  # numbers, so only the boot check is linked. *-verity: the same firmware
  # accepting fs-verity digests (VERITY=1), given a bundle whose weights
  # carry one.
  # *-chunks: the per-chunk calls instead of verify_bundle (PER_CHUNK=1).
  for variant in baseline boot every measure boot-text boot-verity measure-verity boot-chunks measure-chunks; do
    text=0 verity=0 chunks=0 r=$root b=$bundle v=${variant%-text}
    [ "$variant" = boot-text ] && text=1
    case $variant in *-verity) verity=1 r=$vroot b=$vbundle v=${variant%-verity} ;; esac
    case $variant in *-chunks) chunks=1 v=${variant%-chunks} ;; esac
    make --no-print-directory -s -C examples/firmware-m CPU="$cpu" VARIANT="$v" PER_CHUNK=$chunks \
      STATUS_TEXT=$text VERITY=$verity MODELSEAL_LIB_DIR="$target/$rust_target/ecu" \
      ROOT_FILE="$r" BUNDLE_FILE="$b" OUT="$out/$cpu-$variant.elf"
  done
  base=$out/$cpu-baseline.elf
  echo "== $cpu ($rust_target, QEMU $board)"
  for variant in boot boot-text boot-verity boot-chunks every; do
    elf=$out/$cpu-$variant.elf
    t=$(($(sum "$elf" .text) - $(sum "$base" .text)))
    r=$(($(sum "$elf" .rodata) - $(sum "$base" .rodata)))
    label="boot check"
    [ "$variant" = boot-text ] && label="+ status strings"
    [ "$variant" = boot-verity ] && label="+ fs-verity accepted"
    [ "$variant" = boot-chunks ] && label="per-chunk path"
    [ "$variant" = every ] && label="every function"
    printf '   %-24s %7d bytes (.text %+d, .rodata %+d)\n' "flash, $label" $((t + r)) "$t" "$r"
  done
  elf=$out/$cpu-boot.elf
  ram=$(($(sum "$elf" .data) + $(sum "$elf" .bss) - $(sum "$base" .data) - $(sum "$base" .bss)))
  printf '   %-24s %7d bytes (.data + .bss: context, work buffer, new-root buffer)\n' "RAM, static" "$ram"
  measure "$out/$cpu-measure" ""
  measure "$out/$cpu-measure-verity" ", fs-verity"
  measure "$out/$cpu-measure-chunks" ", per chunk"
done

"$repo/ffi/bench/r5.sh"
