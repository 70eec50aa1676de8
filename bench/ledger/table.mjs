// Prints the table of bench/ledger/run.sh from its results (JSON lines) with the
// ratios against the targets in docs/performance.md.
import fs from 'node:fs';

const rs = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const by = Object.fromEntries(rs.map((r) => [r.label, r]));
const f = (x, d = 1) => (x === undefined || x === null ? '—' : x.toFixed(d));
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

console.log(`${pad('measurement', 20)}${lpad('rows', 9)}${lpad('seconds', 9)}${lpad('rows/s', 9)}${lpad('peak RSS MiB', 14)}${lpad('Go heap MiB', 13)}`);
for (const r of rs) {
  console.log(`${pad(r.label, 20)}${lpad(r.rows, 9)}${lpad(f(r.seconds, 2), 9)}${lpad(f(r.rows_per_s, 0), 9)}${lpad(f(r.rss_mib), 14)}${lpad(f(r.peak_heap_inuse_mib), 13)}`);
}
const w = by['exceljs write'];
if (w && by['exceljs write'].rss_after_load_mib) {
  console.log(`(exceljs write holds the rows it writes in memory: ${f(w.rss_after_load_mib)} MiB RSS before writing)`);
}
console.log('\ntarget                                         figure     met');
const check = (name, value, ok, unit) => console.log(`${pad(name, 47)}${lpad(f(value, 2) + unit, 10)}     ${ok ? 'yes' : 'NO'}`);
for (const d of ['sqlite', 'postgres']) {
  const e = by[`export ${d}`];
  if (e && w) check(`export ${d} vs exceljs write (≥ 2.5× faster)`, w.seconds / e.seconds, w.seconds / e.seconds >= 2.5, '×');
  if (e) check(`export ${d} peak RSS (< 100 MiB)`, e.rss_mib, e.rss_mib < 100, ' MiB');
}
const lim = by['export sqlite 64MiB'];
if (lim) check('export sqlite peak RSS, GOMEMLIMIT=64MiB (< 100 MiB)', lim.rss_mib, lim.rss_mib < 100, ' MiB');
const big = by['export sqlite big'];
if (big) {
  check(`export ${big.rows} rows peak RSS (< 150 MiB)`, big.rss_mib, big.rss_mib < 150, ' MiB');
  const small = by['export sqlite'];
  if (small) check(`export RSS growth, ${big.rows} vs ${small.rows} rows`, big.rss_mib / small.rss_mib, big.rss_mib / small.rss_mib < 1.5, '×');
}
const rd = by['exceljs read'];
for (const d of ['sqlite', 'postgres']) {
  const i = by[`import ${d}`];
  if (i && rd) check(`import ${d} vs exceljs read (within 2×)`, i.seconds / rd.seconds, i.seconds / rd.seconds <= 2, '×');
}
