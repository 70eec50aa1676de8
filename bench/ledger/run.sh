#!/usr/bin/env bash
# The ledger benchmark, side by side with exceljs, in one run:
#
#   bench/ledger/run.sh [ROWS]          # ROWS defaults to 100000
#
# 1. seeds ROWS hazards on SQLite and on PostgreSQL and exports them through the
#    real handler (GET /api/v1/ledger.xlsx over HTTP, body read to a file);
# 2. times exceljs's streaming WorkbookWriter writing the same rows (read from our
#    SQLite export beforehand, untimed) with the same layout and styles;
# 3. writes a ledger of ROWS new rows with our encoder, times exceljs's streaming
#    WorkbookReader reading it, and imports it through the real handler (POST
#    /api/v1/ledger/import into a fresh database: parse, validate, write hazards,
#    events and ledger keys);
# 4. exports BIG_ROWS (default 1000000; 0 skips) hazards on SQLite for the memory
#    check;
# and prints a table with the ratios against the targets in docs/performance.md. Every
# measurement is a process of its own under /usr/bin/time -v (peak RSS); times
# are taken inside the process around the request (Go) or the write/read (node).
#
# Env: HAZARDLOOP_TEST_DATABASE_URL (PostgreSQL; default the local test server,
# "none" skips PostgreSQL), BIG_ROWS, KEEP=1 keeps the work directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rows="${1:-${HAZARDLOOP_BENCH_LEDGER_ROWS:-100000}}"
big="${BIG_ROWS:-1000000}"
pg="${HAZARDLOOP_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time for peak RSS"
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
if [ ! -d "$here/node_modules/exceljs" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
if [ "$pg" != none ] && ! pg_isready -q -d "$pg" 2>/dev/null; then
  echo "PostgreSQL at $pg is not reachable: skipping it"
  pg=none
fi

work="$(mktemp -d /tmp/ledger-bench.XXXXXX)"
schema="ledger_bench_$$"
results="$work/results.jsonl"
cleanup() {
  if [ "$pg" != none ]; then
    "$work/ledger" clean -db "$pg" -schema "$schema" 2>/dev/null || true
    "$work/ledger" clean -db "$pg" -schema "${schema}_imp" 2>/dev/null || true
  fi
  if [ "${KEEP:-}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/ledger" ./bench/ledger)
echo "rows: $rows   machine: $(nproc) cores, $(go version | cut -d' ' -f3), node $(node --version), exceljs $(node -p "require('$here/node_modules/exceljs/package.json').version")"

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; appends its JSON line,
# with label and peak RSS, to the results.
measure() {
  local label="$1"; shift
  local out
  out="$(/usr/bin/time -v -o "$work/time.txt" "$@")"
  local rss
  rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
  node -e 'const r = JSON.parse(process.argv[1]); r.label = process.argv[2]; r.rss_mib = Number(process.argv[3]) / 1024; console.log(JSON.stringify(r))' \
    "$out" "$label" "$rss" | tee -a "$results"
}

echo "== seed and export ($rows hazards)"
"$work/ledger" seed -db "$work/export.db" -rows "$rows"
measure "export sqlite" "$work/ledger" export -db "$work/export.db" -out "$work/export-sqlite.xlsx" -label sqlite
# The same with the Go runtime told to keep its heap near 64 MiB (a deployment
# setting): what the export holds live, rather than the garbage GOGC=100 allows.
GOMEMLIMIT=64MiB measure "export sqlite 64MiB" "$work/ledger" export -db "$work/export.db" -out "$work/export-sqlite.xlsx" -label sqlite
if [ "$pg" != none ]; then
  "$work/ledger" seed -db "$pg" -schema "$schema" -rows "$rows"
  measure "export postgres" "$work/ledger" export -db "$pg" -schema "$schema" -out "$work/export-pg.xlsx" -label postgres
  "$work/ledger" clean -db "$pg" -schema "$schema"
fi
measure "exceljs write" node "$here/exceljs.mjs" write "$work/export-sqlite.xlsx" "$work/exceljs.xlsx"

echo "== import ($rows new rows)"
"$work/ledger" genimport -rows "$rows" -out "$work/import.xlsx"
measure "exceljs read" node "$here/exceljs.mjs" read "$work/import.xlsx"
measure "import sqlite" "$work/ledger" import -db "$work/import.db" -file "$work/import.xlsx" -label sqlite
rm -f "$work/import.db"*
if [ "$pg" != none ]; then
  measure "import postgres" "$work/ledger" import -db "$pg" -schema "${schema}_imp" -file "$work/import.xlsx" -label postgres
  "$work/ledger" clean -db "$pg" -schema "${schema}_imp"
fi

if [ "$big" -gt 0 ]; then
  echo "== export memory at $big hazards (SQLite)"
  rm -f "$work/export.db"*
  "$work/ledger" seed -db "$work/big.db" -rows "$big"
  measure "export sqlite big" "$work/ledger" export -db "$work/big.db" -out "$work/export-big.xlsx" -label sqlite
  rm -f "$work/big.db"* "$work/export-big.xlsx"
fi

echo
node "$here/table.mjs" "$results"
