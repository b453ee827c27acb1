#!/usr/bin/env bash
# The long fuzzing campaign: each target for FUZZ_SECONDS (default 600)
# or 10 million executions, whichever comes first, growing the committed
# corpus. Prints executions, coverage and findings per target; the figures
# go to docs/SECURITY.md. Minimise afterwards with `cargo fuzz cmin`.
#
#   fuzz/campaign.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs="${FUZZ_SECONDS:-600}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
cargo +nightly fuzz build -O
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  set +e
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -runs=10000000 -print_final_stats=1 >"logs/$t.log" 2>&1
  rc=$?
  set -e
  line=$(grep -E '^#[0-9]+.*(DONE|pulse)' "logs/$t.log" | tail -1)
  execs=$(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}')
  echo "$t: exit $rc; executions ${execs:-?}; last: $line"
  ls artifacts/"$t" 2>/dev/null | sed "s/^/  finding: /" || true
done
