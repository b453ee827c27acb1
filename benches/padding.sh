#!/usr/bin/env bash
# What the 4 KiB payload alignment costs a directory of small files: for
# each directory, a whole bundle and a detached head are built with the
# release CLI, and the sizes are printed beside the files' own, raw and
# gzip-compressed (as an OTA transfer would carry them), with what 512-byte
# and 64-byte alignments would have cost the same files (computed from the
# sizes). docs/FORMAT.md ("Payload alignment") quotes its output.
#
#   benches/padding.sh [DIR ...]    (default: three Python standard-library
#                                    packages: email, json, asyncio)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
command -v python3 >/dev/null && command -v gzip >/dev/null ||
  { echo "benches/padding.sh: needs python3 and gzip" >&2; exit 2; }
(cd "$repo" && cargo build --quiet --release --locked -p modelseal-cli)
ms="$target/release/modelseal"
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  lib=$(python3 -c 'import os, json; print(os.path.dirname(os.path.dirname(json.__file__)))')
  dirs=("$lib/email" "$lib/json" "$lib/asyncio")
fi
work=$(mktemp -d -t modelseal-padding.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$ms" key generate -q -o "$work/k.pem" --public-out "$work/k.pub" >/dev/null
"$ms" root init -q -o "$work/root.msr" --root-key "$work/k.pub" --component-key "$work/k.pub" \
  --system-key "$work/k.pub" --root-threshold 1 --component-threshold 1 --system-threshold 1 \
  --key "$work/k.pem" >/dev/null
printf '| directory | files | bytes | whole bundle | padding | padding, gzip | detached head (no padding) | 512 B align | 64 B align |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for d in "${dirs[@]}"; do
  name=$(basename "$d")
  root="$work/$name"
  mkdir -p "$root/d"
  # The files as they ship: no byte-code caches.
  cp -R "$d/." "$root/d"
  find "$root/d" -name __pycache__ -prune -exec rm -rf {} +
  echo '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}' >"$root/sbom.cdx.json"
  cat >"$root/spec.toml" <<SPEC
kind = "component"
version = "padding-1"
security_counter = 1
created_at = 1767225600
artifact_root = "$root"
[target]
hardware_ids = ["HW-PAD"]
[[component]]
family = "padding"
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
path = "d"
kind = "processing-code"
licence = "PSF-2.0"
[sbom]
path = "sbom.cdx.json"
format = "cyclonedx"
licence = "CC0-1.0"
SPEC
  "$ms" build -q "$root/spec.toml" -o "$root/b.msb" --root "$work/root.msr" --key "$work/k.pem" >/dev/null
  "$ms" build -q "$root/spec.toml" -o "$root/b.msh" --detached --root "$work/root.msr" \
    --key "$work/k.pem" >/dev/null
  python3 - "$root" "$name" <<'PY'
import gzip, os, sys
root, name = sys.argv[1], sys.argv[2]
files = []
for d, _, fs in os.walk(root + "/d"):
    for f in fs:
        files.append(os.path.join(d, f))
files.append(root + "/sbom.cdx.json")
sizes = [os.path.getsize(p) for p in files]
data = sum(sizes)
whole = os.path.getsize(root + "/b.msb")
head = os.path.getsize(root + "/b.msh")
pad = whole - head - data
gz = lambda b: len(gzip.compress(b, 6))
with open(root + "/b.msb", "rb") as f:
    gz_whole = gz(f.read())
# The same head and files back to back, no padding: what the padding adds
# once compressed.
with open(root + "/b.msh", "rb") as f:
    packed = f.read() + b"".join(open(p, "rb").read() for p in sorted(files))
gz_packed = gz(packed)
def at(a):
    return sum((-s) % a for s in sizes) + (-head) % a
print(f"| {name} | {len(sizes)} | {data:,} | {whole:,} | {pad:,} (+{100 * pad / data:.1f}%) "
      f"| +{100 * (gz_whole / gz_packed - 1):.1f}% | {head:,} B "
      f"| +{100 * at(512) / data:.1f}% | +{100 * at(64) / data:.2f}% |")
PY
done
