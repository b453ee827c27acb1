#!/usr/bin/env bash
# The fleet inventory benchmark, SQLite and PostgreSQL side by side: the
# same synthetic fleet (crates/modelseal-fleet/src/generate.rs) enrolled,
# reporting and queried on each engine, one table per engine (see
# benches/fleet/src/main.rs for what is measured). PostgreSQL is Debian's
# server, started here with initdb in a temporary directory (unix socket,
# default durability: fsync on, like SQLite's synchronous=FULL) and
# stopped at the end. A measurement, not a test.
#
#   benches/fleet.sh [--vehicles N] [--ecus N] [--dir DIR] [--engine sqlite|postgres|both] [--keep]
#   benches/fleet.sh --full        1,000,000 vehicles x 30 ECUs, on 2 cores:
#                                  SQLite 55 minutes and 25 GiB of disk,
#                                  PostgreSQL 70 to 101 minutes and 49-53 GiB (with
#                                  up to 8 GiB of WAL beside it while it
#                                  runs; README, fleet figures)
#
# Default: 20,000 vehicles x 30 ECUs (600,000 ECUs), a few minutes.
# --keep leaves the databases (and the PostgreSQL cluster, stopped) in
# the work directory and prints how to ask them again
# (fleet-bench --queries-only): the lookups once the machine is quiet,
# without writing the fleet again.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
vehicles=20000 ecus=30 dir="" engine=both keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --vehicles) vehicles="$2"; shift 2 ;;
    --ecus) ecus="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --engine) engine="$2"; shift 2 ;;
    --full) vehicles=1000000; shift ;;
    --keep) keep=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
./tests/setup.sh
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
cargo build --quiet --release --locked -p modelseal-fleet-bench
bench="$target/release/fleet-bench"
work="$(mktemp -d -p "${dir:-${TMPDIR:-/tmp}}" modelseal-fleet-bench.XXXXXX)"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
pgopts="-c listen_addresses= -k $work -c shared_buffers=1GB -c max_wal_size=8GB"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -f "$work/pg/postmaster.pid" ]; then as_pg "$pgbin/pg_ctl" stop -m fast -D "$work/pg" >/dev/null 2>&1 || true; fi
  if [ "$keep" = 1 ]; then
    echo "kept: $work"
    [ ! -f "$work/fleet.db" ] || echo "  $bench --db $work/fleet.db --vehicles $vehicles --ecus $ecus --queries-only"
    if [ -d "$work/pg" ]; then
      echo "  $pgbin/pg_ctl start -w -D $work/pg -l $work/pg.log -o \"$pgopts\"   (as the cluster's owner)"
      echo "  $bench --db postgresql://modelseal@$(printf '%s' "$work" | sed 's|/|%2F|g')/fleet --vehicles $vehicles --ecus $ecus --queries-only"
    fi
    return
  fi
  rm -rf "$work"
}
trap cleanup EXIT
if [ "$engine" = sqlite ] || [ "$engine" = both ]; then
  "$bench" --db "$work/fleet.db" --vehicles "$vehicles" --ecus "$ecus"
  [ "$keep" = 1 ] || rm -f "$work"/fleet.db*
  echo
fi
if [ "$engine" = postgres ] || [ "$engine" = both ]; then
  [ "$(id -u)" -ne 0 ] || chown postgres: "$work"
  as_pg "$pgbin/initdb" -A trust -U modelseal -E UTF8 -D "$work/pg" >/dev/null
  as_pg "$pgbin/pg_ctl" start -w -D "$work/pg" -l "$work/pg.log" -o "$pgopts" >/dev/null
  as_pg "$pgbin/createdb" -h "$work" -U modelseal fleet
  sock="$(printf '%s' "$work" | sed 's|/|%2F|g')"
  "$bench" --db "postgresql://modelseal@$sock/fleet" --vehicles "$vehicles" --ecus "$ecus"
fi
