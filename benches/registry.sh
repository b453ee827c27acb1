#!/usr/bin/env bash
# The registry benchmark command: `registry add` of a 2,048-artifact bundle
# (time and peak RSS, release CLI), then every registry query and `trace` on
# a registry of 10,000 model versions and 1,000 system configurations, all
# added through the verifying add. Makes its data in a temporary directory
# (about 200 MB) and deletes it. A measurement, not a test.
#
#   benches/registry.sh [--runs N] [--dir DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
cargo build --quiet --release --locked -p modelseal-cli -p modelseal-registry-bench
"$target/release/registry-bench" --modelseal "$target/release/modelseal" "$@"
