package xlsx

import (
	"archive/zip"
	"bytes"
	"os"
	"testing"
	"time"
)

// The chain sheet is written past its in-memory buffer (so through its
// temporary file) and read back, every head in place; the archive holds each
// part once, and Close leaves no temporary file behind.
func TestChainSheetSpoolsAndRoundTrips(t *testing.T) {
	dir := t.TempDir()
	e, err := NewEncoder(Meta{Title: "江西省隐患台账", ExportedAt: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)}, dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000 // about 380 KB of chain-sheet XML, over spoolBuffer
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = fullRow(i + 1)
	}
	rows[7].Code = "YH-A&B<1>" // escaped in the sheet's XML
	rows[8].ChainHead = ""     // no head: no row in the chain sheet
	for i := range rows {
		if err := e.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if e.chain.s.f == nil {
		t.Fatal("chain sheet did not spill to its temporary file")
	}
	var buf bytes.Buffer
	if err := e.Close(&buf); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range zr.File {
		if seen[f.Name] {
			t.Errorf("part %s twice", f.Name)
		}
		seen[f.Name] = true
	}
	if !seen["xl/worksheets/sheet2.xml"] {
		t.Errorf("no chain sheet part in %v", seen)
	}

	r, got := decodeAll(t, buf.Bytes())
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	for i := range rows {
		head, ok := r.ChainHead(rows[i].Code)
		switch {
		case i == 8 && ok:
			t.Errorf("row %d: head %q for a row without one", i, head)
		case i != 8 && head != rows[i].ChainHead:
			t.Errorf("row %d (%s): head %q, want %q", i, rows[i].Code, head, rows[i].ChainHead)
		}
	}
}

func TestChainSheetAbortRemovesItsFile(t *testing.T) {
	dir := t.TempDir()
	e, err := NewEncoder(Meta{Title: "台账"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		r := fullRow(i)
		if err := e.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	e.Abort()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
