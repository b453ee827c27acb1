#!/usr/bin/env bash
# The benchmark command: builds what is measured and runs every figure of
# the README's performance table side by side with its reference, in one
# run, printing medians and ratios. Makes its data in a temporary
# directory (about 3.2 GB) and deletes it.
#
#   benches/run.sh [--runs N] [--dir DIR] [--only verity|verify-on-read]
#
# Never part of the tests: these machines are shared and noisy, so the
# figures are ratios measured in alternation, not assertions.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
tests/setup.sh
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
small='--cfg curve25519_dalek_backend="serial" --cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"'

echo "== building (release CLI and bench, C API library, ECU-profile twin)" >&2
cargo build --quiet --release --locked -p modelseal-cli -p modelseal-bench
cargo build --quiet --release --locked -p modelseal-ffi
CARGO_TARGET_DIR="$target/bench-ecu" RUSTFLAGS="$small" \
  cargo build --quiet --profile ecu --locked -p modelseal-bench
out="$target/bench"
mkdir -p "$out"
cc -std=c99 -O2 -Wall -Wextra -Werror -Iinclude ffi/bench/throughput.c \
  "$target/release/libmodelseal.a" -o "$out/throughput"

echo "== footprint: context, stack (painted), flash (freestanding ECU image)" >&2
stack=$(ffi/bench/stack.sh)
size=$(ffi/bench/size.sh)
echo "$stack" >&2
echo "$size" >&2
fp="$out/footprint.txt"
{
  echo "context_bytes=$(echo "$stack" | awk '/^context:/ {print $2; exit}')"
  echo "peak_stack_bytes=$(echo "$stack" | awk '/peak stack:/ && /verify_bundle/ {print $3; exit}')"
  # No allocator is linked at all: the freestanding image links with no
  # malloc (ffi/tests/run.sh checks `nm -u` is empty).
  echo "heap_bytes=0"
  # First rows: the small backends; fields "+ T .text + R .rodata = N bytes".
  echo "flash_bytes=$(echo "$size" | awk '/VERIFY_ONLY/ {print $9; exit}')"
  echo "flash_detail=$(echo "$size" | awk '/VERIFY_ONLY/ && !v {v = $3 " .text + " $6 " .rodata"} /FULL/ && !f {f = $9} END {print v "; with identity encode and decode " f " B"}')"
} >"$fp"

echo "== measuring" >&2
"$target/release/modelseal-bench" --modelseal "$target/release/modelseal" \
  --capi "$out/throughput" --ecu-twin "$target/bench-ecu/ecu/modelseal-bench" \
  --footprint "$fp" "$@"
echo
echo "machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
