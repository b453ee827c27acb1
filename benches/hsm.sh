#!/usr/bin/env bash
# Signatures per second with a release key in a PKCS#11 token: a SoftHSM2
# token set up in a temporary directory, a key generated in it by
# `modelseal key generate`, then signing through the token and in memory,
# side by side. Prints figures; part of no test.
#
#   benches/hsm.sh [N]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
tests/setup.sh
cargo build --quiet --release --locked -p modelseal-cli -p modelseal-bench
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
module=/usr/lib/softhsm/libsofthsm2.so
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$dir" >"$dir/softhsm2.conf"
export SOFTHSM2_CONF="$dir/softhsm2.conf" BENCH_PIN=1234 MODELSEAL_AUDIT_LOG="$dir/audit.jsonl"
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
uri='pkcs11:token=bench;object=release'
"$target/release/modelseal" key generate -q -o "$uri" --pkcs11-module "$module" --pin-env BENCH_PIN >/dev/null
"$target/release/modelseal-bench-hsm" "$module" "$uri" BENCH_PIN "${1:-2000}"
