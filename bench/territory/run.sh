#!/usr/bin/env bash
# The hazard list down to the village (docs/performance.md, "Territory down to
# the village: 1,000,000 hazards"), on SQLite and PostgreSQL:
#
#   bench/territory/run.sh [HAZARDS]        # HAZARDS defaults to 1000000
#
# For each engine: a fresh database gets the shipped table of 江西省 (the first
# start prints how long that took) and the demo with HAZARDS hazards over its
# villages and townships (`hazardloop demo --hazards`, timed); then the service
# runs on 127.0.0.1 only, and `hazardloop load` drives its hazard list as four
# accounts in turn — the province (sheng), a county's housing bureau (zhujian),
# a township (tengwangge) and a village's information officer (minxiang) —
# each with CLIENTS clients for DURATION, the load average printed beside.
# Every process it starts is stopped at the end; the PostgreSQL database it
# creates (loadbench_PID) is dropped unless KEEP=1.
#
# Env: PG (a postgres:// URL of the server's maintenance database, default the
# local test server; "none" skips PostgreSQL), CLIENTS (32), DURATION (15s),
# USERS ("sheng zhujian tengwangge minxiang"), ENGINES ("sqlite postgres"),
# WORK (a directory holding the databases: an existing SQLite file there is
# used again without seeding), PGDB (an existing PostgreSQL database on that
# server, seeded before: used again without seeding, never dropped), KEEP=1,
# SQLITE_QUERY (appended to the SQLite file's URL, e.g.
# "_pragma=cache_size(-65536)" for larger reader caches).
#
# Each account's load follows a warm-up load of WARMUP (3s; "0" for none),
# not counted.
#
# After each load it prints the CPU the service and the load command spent per
# page (from /proc and the load's own rusage): with the service, the database
# and the load on the same cores, their sum bounds the pages a second.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
hazards="${1:-1000000}"
clients="${CLIENTS:-32}"
duration="${DURATION:-15s}"
warmup="${WARMUP:-3s}"
users="${USERS:-sheng zhujian tengwangge minxiang}"
engines="${ENGINES:-sqlite postgres}"
pg="${PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
work="${WORK:-$(mktemp -d /tmp/territory-bench.XXXXXX)}"
mkdir -p "$work"
db="${PGDB:-loadbench_$$}"
port=18931
server=""

cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ "$pg" != none ] && [ "${KEEP:-}" != 1 ] && [ -z "${PGDB:-}" ]; then
    psql -q "$pg" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  fi
  if [ "${KEEP:-}" = 1 ] || [ -n "${WORK:-}" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/hazardloop" ./cmd/hazardloop)
echo "hazards: $hazards   clients: $clients   duration: $duration   warm-up: $warmup   machine: $(nproc) cores, $(go version | cut -d' ' -f3)"

for engine in $engines; do
  case "$engine" in
  sqlite) url="$work/territory.db${SQLITE_QUERY:+?$SQLITE_QUERY}" ;;
  postgres)
    [ "$pg" = none ] && continue
    if [ -z "${PGDB:-}" ]; then
      PGOPTIONS="-c client_min_messages=warning" psql -q "$pg" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    fi
    url="${pg%%/test\?*}/$db?sslmode=disable"
    case "$pg" in */test\?*) ;; *) echo "PG must name the database test (…/test?sslmode=disable)"; exit 1 ;; esac
    ;;
  *) echo "unknown engine $engine"; exit 1 ;;
  esac
  echo "== $engine"
  if { [ "$engine" = postgres ] && [ -z "${PGDB:-}" ]; } || { [ "$engine" = sqlite ] && [ ! -f "$work/territory.db" ]; }; then
    echo "seed: $(uptime | sed 's/.*load average/load average/')"
    start=$(date +%s)
    timeout 60m "$work/hazardloop" demo --hazards "$hazards" --database-url "$url" --data-dir "$work/data-$engine" \
      --admin-password "bench-$$-admin" | grep -E '首次启动|已生成 [0-9]+ / [0-9]+ 条隐患' | sed -n '1p;$p'
    echo "seed took $(( $(date +%s) - start )) s; $(uptime | sed 's/.*load average/load average/')"
  fi
  timeout 30m "$work/hazardloop" --addr "127.0.0.1:$port" --database-url "$url" --data-dir "$work/data-$engine" \
    --sweep-interval 0 --remind-days 0 >"$work/server-$engine.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  svc=$(pgrep -P "$server" | head -1) # the service, under timeout
  for u in $users; do
    echo "-- $engine as $u; before: $(uptime | sed 's/.*load average/load average/')"
    if [ "$warmup" != 0 ]; then
      timeout 5m "$work/hazardloop" load --url "http://127.0.0.1:$port" --username "$u" --clients "$clients" \
        --duration "$warmup" >/dev/null 2>&1 || true
    fi
    s0=$(awk '{print $14+$15}' "/proc/$svc/stat")
    TIMEFORMAT="%U %S"
    if ! lt=$( { time timeout 5m "$work/hazardloop" load --url "http://127.0.0.1:$port" --username "$u" --clients "$clients" \
      --duration "$duration" >"$work/load.out" 2>"$work/load.err"; } 2>&1 ); then
      cat "$work/load.out" "$work/load.err"; exit 1
    fi
    s1=$(awk '{print $14+$15}' "/proc/$svc/stat")
    cat "$work/load.out"
    n=$(grep -o 'requests=[0-9]*' "$work/load.out" | cut -d= -f2)
    awk -v s="$((s1 - s0))" -v hz="$(getconf CLK_TCK)" -v lt="$lt" -v n="$n" 'BEGIN {
      split(lt, t, " "); printf "CPU per page: service %.2f ms, load command %.2f ms\n", s / hz * 1000 / n, (t[1] + t[2]) * 1000 / n }'
    echo "after: $(uptime | sed 's/.*load average/load average/')"
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
