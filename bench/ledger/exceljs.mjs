// The peer of the ledger benchmark: exceljs's streaming writer and reader.
//
//   node exceljs.mjs write SRC.xlsx OUT.xlsx
//     reads every row of our ledger SRC (untimed, held in memory), then times
//     exceljs.stream.xlsx.WorkbookWriter writing the same rows — same 31 columns,
//     same values, the same title row, bold header, frozen panes, autofilter,
//     column widths, date formats and hidden chain-head sheet — to OUT.
//   node exceljs.mjs read FILE.xlsx
//     times exceljs.stream.xlsx.WorkbookReader reading every cell of FILE.
//
// Each prints one JSON line like the Go side (bench/ledger/main.go).
import fs from 'node:fs';
import ExcelJS from 'exceljs';

const LEDGER = '隐患台账';
const CHAIN = '链头校验';

function line(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function rss() {
  return process.memoryUsage().rss / (1 << 20);
}

// readRows reads the ledger and chain sheets of a file written by our encoder.
async function readRows(file, keep) {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'emit',
  });
  const out = { title: null, header: null, rows: [], chain: [], cells: 0, count: 0 };
  for await (const ws of reader) {
    const name = ws.name;
    for await (const row of ws) {
      const v = row.values; // 1-based
      if (name === CHAIN) {
        if (row.number > 1 && keep) out.chain.push([v[1], v[2]]);
        continue;
      }
      if (row.number === 1) { if (keep) out.title = v[1]; continue; }
      if (row.number === 2) { if (keep) out.header = v.slice(1); continue; }
      out.count++;
      for (let i = 1; i < v.length; i++) if (v[i] !== undefined) out.cells++;
      if (keep) out.rows.push(v.slice(1));
    }
  }
  return out;
}

async function write(src, dst) {
  const t0 = process.hrtime.bigint();
  const data = await readRows(src, true);
  const loaded = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssLoaded = rss();
  const ncol = data.header.length;

  const start = process.hrtime.bigint();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: dst, useStyles: true, useSharedStrings: false });
  const border = { style: 'thin', color: { argb: 'FFBFBFBF' } };
  const borders = { left: border, right: border, top: border, bottom: border };
  const top = { vertical: 'top' };
  const ws = wb.addWorksheet(LEDGER, { views: [{ state: 'frozen', ySplit: 2, topLeftCell: 'A3', activeCell: 'A3' }] });
  const widths = [26, 30, 40, 12, 10, 36, 20, 14, 14, 10, 30, 22, 20, 18, 36, 24, 12, 16, 14, 14, 12, 30, 12, 18, 10, 10, 12, 12, 18, 18, 24];
  ws.columns = data.header.map((h, i) => ({ key: String(i), width: widths[i] ?? 14 }));
  // Which columns hold dates, and whether with a time: as our encoder formats them.
  const dateCols = new Map([[13, 'yyyy-mm-dd hh:mm'], [20, 'yyyy-mm-dd'], [28, 'yyyy-mm-dd hh:mm'], [29, 'yyyy-mm-dd hh:mm']]);
  const title = ws.addRow([data.title]);
  title.height = 28;
  title.getCell(1).font = { bold: true, size: 14 };
  title.getCell(1).alignment = { horizontal: 'center', vertical: 'middle' };
  ws.mergeCells(1, 1, 1, ncol);
  title.commit();
  const header = ws.addRow(data.header);
  header.height = 22;
  header.eachCell((c) => {
    c.font = { bold: true };
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
    c.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    c.border = borders;
  });
  header.commit();
  for (const values of data.rows) {
    const row = ws.addRow(values);
    for (let i = 0; i < ncol; i++) {
      if (values[i] === undefined || values[i] === null) continue;
      const c = row.getCell(i + 1);
      c.border = borders;
      c.alignment = top;
      const fmt = dateCols.get(i);
      if (fmt) c.numFmt = fmt;
    }
    row.commit();
  }
  ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: data.rows.length + 2, column: ncol } };
  ws.commit();
  const chain = wb.addWorksheet(CHAIN, { state: 'hidden' });
  chain.addRow(['隐患编号', '链头']).commit();
  for (const c of data.chain) chain.addRow(c).commit();
  chain.commit();
  await wb.commit();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  line({
    what: 'exceljs-write', rows: data.rows.length, seconds, rows_per_s: data.rows.length / seconds,
    load_seconds: loaded, rss_after_load_mib: rssLoaded, bytes: fs.statSync(dst).size,
  });
}

async function read(file) {
  const start = process.hrtime.bigint();
  const data = await readRows(file, false);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  line({ what: 'exceljs-read', rows: data.count, cells: data.cells, seconds, rows_per_s: data.count / seconds });
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'write') await write(a, b);
else if (mode === 'read') await read(a);
else {
  console.error('usage: node exceljs.mjs write SRC OUT | read FILE');
  process.exit(2);
}
