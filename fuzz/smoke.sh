#!/usr/bin/env bash
# Builds every fuzz target and runs each for a few seconds over the
# committed corpus (new inputs go to a temporary directory, so the checkout
# stays clean). Keeps the targets building; the long campaign is
# fuzz/campaign.sh.
#
# Needs the nightly toolchain (cargo-fuzz uses sanitizer flags); installs
# cargo-fuzz when missing.
set -euo pipefail
cd "$(dirname "$0")"
secs="${FUZZ_SMOKE_SECONDS:-10}"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz/smoke.sh: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 1
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo +nightly fuzz build -O
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for t in $(cargo +nightly fuzz list); do
  mkdir -p "$tmp/$t"
  out="$(cargo +nightly fuzz run -O "$t" "$tmp/$t" "corpus/$t" -- -max_total_time="$secs" 2>&1)" || {
    echo "$out" | tail -40
    echo "fuzz/smoke.sh: $t failed" >&2
    exit 1
  }
  echo "$t: $(echo "$out" | grep -E '^#[0-9]+.*DONE' | tail -1)"
done
