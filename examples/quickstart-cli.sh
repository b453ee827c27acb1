#!/usr/bin/env bash
# The modelseal host flow, end to end, on a fresh machine:
#   keys and a trust root (2-of-3 root and component roles), build a bundle
#   from the example spec signed by one key, add a second signature made
#   offline, verify it as the ECU would, show and check the identity, then
#   show a tampered copy rejected.
#
# Usage: examples/quickstart-cli.sh [OUT_DIR]
#   OUT_DIR (default: a new temporary directory) receives root.msr (the
#   device trust root), bundle.msb (the signed bundle) and identity.bin;
#   keys and scratch files go to OUT_DIR/work/.
# Needs only the Rust toolchain (it runs `cargo build`).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$(mktemp -d -t modelseal-quickstart.XXXXXX)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$out/work"
rm -rf "$work"
mkdir -p "$work/keys"

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s#$out/##g"; "$@"; }

step "Build the modelseal command"
(cd "$repo" && cargo build --quiet -p modelseal-cli)
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
ms="$target/debug/modelseal"
"$ms" --version

step "Keys: root role r1 r2 r3, component role c1 c2 c3, system-config role s1"
for k in r1 r2 r3 c1 c2 c3 s1; do
  "$ms" key generate --quiet -o "$work/keys/$k.pem" --public-out "$work/keys/$k.pub" >/dev/null
done
run "$ms" key show "$work/keys/c1.pem"

step "Trust root v1: 2 of 3 root keys, 2 of 3 component keys, 1 system-config key"
k="$work/keys"
run "$ms" root init -o "$out/root.msr" --force \
  --root-key "$k/r1.pub" --root-key "$k/r2.pub" --root-key "$k/r3.pub" --root-threshold 2 \
  --component-key "$k/c1.pub" --component-key "$k/c2.pub" --component-key "$k/c3.pub" --component-threshold 2 \
  --system-key "$k/s1.pub" --system-threshold 1 \
  --key "$k/r1.pem" --key "$k/r2.pem"

step "Build the example bundle (perception_front_camera v1.3.5), signed by c1 only"
cp -r "$repo/examples/spec" "$work/spec"
run "$ms" build "$work/spec/perception_front_camera.toml" -o "$out/bundle.msb" --force \
  --root "$out/root.msr" --key "$k/c1.pem"

step "Second signature, made offline: export the 64 bytes, sign them elsewhere, attach"
run "$ms" message "$out/bundle.msb" --root "$out/root.msr" -o "$work/msg.bin"
run "$ms" sign-message "$work/msg.bin" --key "$k/c2.pem" -o "$work/c2.sig"
run "$ms" attach "$out/bundle.msb" --root "$out/root.msr" --signature "$work/c2.sig"

step "Verify as the ECU would (hardware HW-FC-0042, platform PLAT-A, market EU, floor 0, Staging or better)"
run "$ms" verify "$out/bundle.msb" --root "$out/root.msr" \
  --hardware-id HW-FC-0042 --platform PLAT-A --market EU \
  --counter-floor 0 --min-stage staging --identity-out "$out/identity.bin"

step "The identity record, as a HiL rig reads it back, checked against the bundle"
run "$ms" identity check "$out/identity.bin" --bundle "$out/bundle.msb"

step "A tampered copy (one byte of the last artifact flipped) is rejected"
cp "$out/bundle.msb" "$work/tampered.msb"
size=$(wc -c < "$work/tampered.msb")
printf '\x5a' | dd of="$work/tampered.msb" bs=1 seek=$((size - 1)) conv=notrunc status=none
set +e
"$ms" verify "$work/tampered.msb" --root "$out/root.msr" \
  --hardware-id HW-FC-0042 --platform PLAT-A --market EU --counter-floor 0 --min-stage staging
rc=$?
set -e
if [ "$rc" -ne 1 ]; then
  echo "quickstart: the tampered bundle was not rejected (exit $rc)" >&2
  exit 1
fi
echo "rejected as expected (exit code $rc)"

step "Done"
echo "trust root:      $out/root.msr"
echo "bundle:          $out/bundle.msb"
echo "identity record: $out/identity.bin"
echo "keys and scratch files: $work"
