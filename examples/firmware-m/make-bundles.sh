#!/usr/bin/env bash
# Makes the inputs of the firmware-m example with the modelseal command:
# keys, a trust root (2 of 3 root keys, 2 of 3 component keys, 1
# system-config key) and five bundles of the example spec, each signed by
# two of the three component keys:
#
#   good.msb      the example release (security counter 7, hardware
#                 HW-FC-0042 and HW-FC-0043, platform PLAT-A, market EU)
#   tampered.msb  good.msb with one byte of its last artifact flipped
#   rollback.msb  the same release with security counter 4 (below the
#                 floor 5 the firmware has stored)
#   wrong-hw.msb  the same release for hardware HW-RC-0007 only
#   verity.msb    the same release with an fs-verity digest for its weights
#
#   examples/firmware-m/make-bundles.sh <out-dir> [<modelseal command>]
#
# Writes root.msr and the bundles to <out-dir>, keys and specs to
# <out-dir>/work/. Builds the command (cargo build -p modelseal-cli) unless
# one is given.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: examples/firmware-m/make-bundles.sh <out-dir> [<modelseal command>]" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ $# -eq 2 ]; then
  ms=$2
else
  target=${CARGO_TARGET_DIR:-$repo/target}
  case "$target" in /*) ;; *) target="$repo/$target" ;; esac
  (cd "$repo" && CARGO_TARGET_DIR=$target cargo build --quiet --locked -p modelseal-cli)
  ms=$target/debug/modelseal
fi
work=$out/work
rm -rf "$work"
mkdir -p "$work/keys"
k=$work/keys

for key in r1 r2 r3 c1 c2 c3 s1; do
  "$ms" key generate --quiet -o "$k/$key.pem" --public-out "$k/$key.pub" >/dev/null
done
"$ms" root init --quiet -o "$out/root.msr" --force \
  --root-key "$k/r1.pub" --root-key "$k/r2.pub" --root-key "$k/r3.pub" --root-threshold 2 \
  --component-key "$k/c1.pub" --component-key "$k/c2.pub" --component-key "$k/c3.pub" \
  --component-threshold 2 --system-key "$k/s1.pub" --system-threshold 1 \
  --key "$k/r1.pem" --key "$k/r2.pem" >/dev/null

# One copy of the example spec per bundle; each edit must change the line.
spec() { # name sed-expression check-regex
  rm -rf "$work/spec-$1"
  cp -r "$repo/examples/spec" "$work/spec-$1"
  local toml=$work/spec-$1/perception_front_camera.toml
  if [ -n "$2" ]; then
    sed -i -e "$2" "$toml"
    grep -qE "$3" "$toml" || { echo "make-bundles: the spec edit for $1 did not apply" >&2; exit 1; }
  fi
  echo "$toml"
}
build() { # name spec key1 key2
  "$ms" build --quiet "$2" -o "$out/$1.msb" --force --root "$out/root.msr" \
    --key "$k/$3.pem" --key "$k/$4.pem" >/dev/null
}

toml=$(spec good '' '')
build good "$toml" c1 c2
toml=$(spec rollback 's/^security_counter = 7$/security_counter = 4/' '^security_counter = 4$')
build rollback "$toml" c1 c3
toml=$(spec wrong-hw 's/^hardware_ids = .*/hardware_ids = ["HW-RC-0007"]/' '^hardware_ids = \["HW-RC-0007"\]$')
build wrong-hw "$toml" c2 c3
toml=$(spec verity '/^path = "weights.safetensors"$/a verity = true' '^verity = true$')
build verity "$toml" c1 c2

cp "$out/good.msb" "$out/tampered.msb"
size=$(wc -c <"$out/tampered.msb")
last=$(od -An -tu1 -j $((size - 1)) -N1 "$out/tampered.msb" | tr -d ' ')
printf '%b' "\\0$(printf '%03o' $((last ^ 0x5a)))" |
  dd of="$out/tampered.msb" bs=1 seek=$((size - 1)) conv=notrunc status=none
cmp -s "$out/good.msb" "$out/tampered.msb" && { echo "make-bundles: tampering failed" >&2; exit 1; }
ls "$out"/*.msb "$out/root.msr" >/dev/null
