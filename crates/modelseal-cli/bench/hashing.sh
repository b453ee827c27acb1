#!/usr/bin/env bash
# Hashing throughput of `modelseal build` against `openssl dgst -sha256`
# over the same files in one process, with peak memory (RSS).
#
# Usage: crates/modelseal-cli/bench/hashing.sh [WORK_DIR]
#   Makes a ~2 GiB model directory in WORK_DIR (default: a temporary
#   directory): 1 x 1 GiB, 4 x 200 MiB, 100 x 1 MiB, 1000 x 4 KiB of
#   pseudo-random bytes; builds modelseal in release mode; then runs, each
#   after one warm-up so the page cache is warm for all:
#     openssl dgst -sha256 <every file>
#     modelseal build --detached   (hash every file, write and check the head)
#     modelseal build              (hash + copy into one bundle, fsync, read
#                                   back and check every payload with the core)
#     modelseal verify             (the device path: one core session)
#   and prints wall time, throughput and peak RSS of each. Deletes the data
#   at the end. Needs openssl and GNU time (/usr/bin/time).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
work="${1:-$(mktemp -d -t modelseal-bench.XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
trap 'rm -rf "$work/data" "$work/out"' EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

gen() { openssl enc -aes-128-ctr -pass "pass:$2" -nosalt -pbkdf2 </dev/zero 2>/dev/null | head -c "$1"; }
d="$work/data/model"
if [ ! -f "$d/big.bin" ]; then
  echo "making the test directory in $d ..."
  mkdir -p "$d/mid" "$d/small"
  gen 1073741824 big >"$d/big.bin"
  for i in 1 2 3 4; do gen 209715200 "m$i" >"$d/m$i.bin"; done
  for i in $(seq 1 100); do gen 1048576 "mid$i" >"$d/mid/f$i.bin"; done
  for i in $(seq 1 1000); do gen 4096 "s$i" >"$d/small/f$i.bin"; done
fi
bytes=$(find "$d" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$d" -type f | wc -l)

(cd "$repo" && cargo build --quiet --release -p modelseal-cli)
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
ms="$target/release/modelseal"

out="$work/out"
rm -rf "$out"; mkdir -p "$out"
"$ms" key generate -q -o "$out/k.pem" --public-out "$out/k.pub" >/dev/null
"$ms" root init -q -o "$out/root.msr" --root-key "$out/k.pub" --root-threshold 1 \
  --component-key "$out/k.pub" --component-threshold 1 --system-key "$out/k.pub" \
  --system-threshold 1 --key "$out/k.pem" >/dev/null
cat >"$out/spec.toml" <<SPEC
kind = "component"
version = "bench-1"
security_counter = 1
created_at = 1767225600
artifact_root = "$work/data"
[target]
hardware_ids = ["HW-BENCH"]
[[component]]
family = "bench_model"
version = "v1"
stage = "development"
[component.lineage]
training_dataset_id = ""
validation_dataset_id = ""
test_dataset_id = ""
experiment_id = ""
code_commit_id = ""
simulation_suite_id = ""
hil_suite_id = ""
release_gate_result_id = ""
[[artifact_tree]]
path = "model"
kind = "weights"
licence = "Apache-2.0"
SPEC

measure() { # label, command...
  local label="$1"; shift
  "$@" >/dev/null 2>&1 || true # warm-up
  /usr/bin/time -v "$@" >/dev/null 2>"$out/time.txt"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/time.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
  printf '%-28s %7.2f s  %7.0f MB/s  peak RSS %6.1f MiB\n' "$label" "$wall" \
    "$(echo "$bytes / $wall / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  echo "$wall" >"$out/wall.$label"
}

echo "data: $files files, $bytes bytes; $(nproc) cores"
measure openssl-dgst sh -c "find '$d' -type f -print0 | xargs -0 openssl dgst -sha256"
measure build-detached "$ms" build -q "$out/spec.toml" -o "$out/b.msh" --detached --root "$out/root.msr" --key "$out/k.pem" --force
measure build-bundle "$ms" build -q "$out/spec.toml" -o "$out/b.msb" --root "$out/root.msr" --key "$out/k.pem" --force
measure verify-bundle "$ms" verify -q "$out/b.msb" --root "$out/root.msr" --hardware-id HW-BENCH --counter-floor 0 --min-stage development
measure verify-detached "$ms" verify -q "$out/b.msh" --artifacts "$work/data" --root "$out/root.msr" --hardware-id HW-BENCH --counter-floor 0 --min-stage development
o=$(cat "$out/wall.openssl-dgst")
for l in build-detached build-bundle verify-bundle verify-detached; do
  printf 'openssl time / %-16s = %.2f\n' "$l" "$(echo "$o / $(cat "$out/wall.$l")" | bc -l)"
done
"$ms" build "$out/spec.toml" -o "$out/b.msh" --detached --root "$out/root.msr" --key "$out/k.pem" --force --json \
  | grep -A6 '"timings"'
