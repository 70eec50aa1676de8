package ledger

// The write pipeline of an import: how the rows' new hazards reach the store in
// bulk, inside the import's one transaction, with goroutines of their own. What
// a row may change is not here but in rules.go; how a row is checked, in row.go.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/workflow"
)

// importChunk is how many rows an import reads ahead: their ledger keys are
// looked up in one query, and the hazards they create are written in bulk once
// the chunk is validated. Memory stays flat whatever the ledger's length.
const importChunk = 1000

// readChunks reads rd's rows in chunks of importChunk on a goroutine of its own,
// so that parsing the next chunk overlaps writing the last. stop ends the reader
// (and waits for it) before rd is closed; rd.Err is valid once chunks is closed.
func readChunks(rd *xlsx.Reader) (chunks <-chan []xlsx.Draft, stop func()) {
	out := make(chan []xlsx.Draft, 1)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for {
			c := make([]xlsx.Draft, 0, importChunk)
			for len(c) < importChunk && rd.Next() {
				c = append(c, *rd.Draft())
			}
			if len(c) > 0 {
				select {
				case out <- c:
				case <-quit:
					return
				}
			}
			if len(c) < importChunk {
				return
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// importer carries one import through its rows inside the transaction. Rows
// that update a hazard are written one by one, as events; the hazards rows create
// wait in pending and are written in bulk (flush) with their events, ledger keys
// and codes, their counts tallied for finish.
//
// A batch of new hazards goes through three steps: staged (codes and IDs
// reserved, records built on a goroutine), then in flight (written on a
// goroutine of its own through raw), then written. While one batch is in
// flight the next chunk's rows are validated: everything else reaches the
// store through tx, which waits for the flight before each statement, so the
// transaction's connection serves one at a time and every lookup sees the
// batches before it.
type importer struct {
	wtx     *workflow.Tx // the lifecycle over tx
	wraw    *workflow.Tx // the lifecycle over raw
	tx      *model.Store // gated: waits for the batch in flight
	raw     *model.Store // the transaction itself: the batch in flight's
	a       workflow.Actor
	rd      *xlsx.Reader
	now     time.Time
	file    string
	dir     *dirCache
	ents    map[string]*model.Enterprise  // by credit code
	named   map[string][]model.Enterprise // FindEnterprises by name
	regions map[string]regionHit          // by name

	known   map[string]int64 // the chunk's fingerprints that have a hazard
	checked map[string]bool  // the chunk's fingerprints that had none

	pending        []pendingHazard
	pendingFP      map[string]bool
	pendingPeriods map[string]bool // code periods of the pending hazards
	staged         *staged         // the batch before the pending hazards, not yet written
	flight         *flight         // the batch being written; only this goroutine sets it
	nextIDs        map[string]int64
	tally          *summaryTally

	catalogue *workflow.BasisIndex // the criteria a row's basis is linked to
	fileState model.State          // the state for every row of a file without 当前状态
	inferred  []InferredState      // the states rows were read as, in a file without 当前状态
}

// flight is a staged batch being written on a goroutine of its own.
type flight struct {
	b    *staged
	done chan struct{}
	err  error
}

// pendingHazard is a hazard a row creates, validated, not yet written.
type pendingHazard struct {
	line     int
	row      *xlsx.Row
	h        *model.Hazard // as registered: discovered, no code or ID yet
	state    model.State
	unit     string
	imported bool // the row moves it on by an imported event
	fp       string
}

func newImporter(tx *workflow.Tx, a workflow.Actor, rd *xlsx.Reader, now time.Time, file string, state model.State) *importer {
	im := &importer{wraw: tx, raw: tx.Store(), a: a, rd: rd, now: now, file: file, fileState: state,
		ents: map[string]*model.Enterprise{}, named: map[string][]model.Enterprise{}, regions: map[string]regionHit{},
		pendingFP: map[string]bool{}, pendingPeriods: map[string]bool{}, tally: newSummaryTally()}
	im.wtx = tx.Gated(im.settle)
	im.tx = im.wtx.Store()
	im.dir = &dirCache{store: im.tx, ents: map[int64]*model.Enterprise{}, regions: map[string]*model.Region{}}
	return im
}

// dirCache answers workflow.Tx.NewHazard's lookups of one import from memory after the
// first time (nothing else writes in the import's transaction).
type dirCache struct {
	store   *model.Store
	ents    map[int64]*model.Enterprise
	regions map[string]*model.Region // nil: not found
}

func (c *dirCache) GetEnterprise(ctx context.Context, id int64) (*model.Enterprise, error) {
	if e, ok := c.ents[id]; ok {
		return e, nil
	}
	if len(c.ents) > nameCacheMax {
		clear(c.ents)
	}
	e, err := c.store.GetEnterprise(ctx, id)
	if err == nil {
		c.ents[id] = e
	}
	return e, err
}

func (c *dirCache) GetRegion(ctx context.Context, code string) (*model.Region, error) {
	r, ok := c.regions[code]
	if !ok {
		var err error
		if r, err = c.store.GetRegion(ctx, code); err != nil && !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
		c.regions[code] = r
	}
	if r == nil {
		return nil, fmt.Errorf("ledger: region %s: %w", code, model.ErrNotFound)
	}
	return r, nil
}

// summaryTally adds up the changes of the dashboard's counts that the hazards
// written in bulk make, for one write at the end.
type summaryTally struct {
	counts map[model.CountKey]int64
	weeks  map[weekKey][2]int64
	days   map[model.DayKey]int64
	cells  map[model.CellKey]model.CellCount
}

type weekKey struct {
	region string
	dept   model.Department
	week   model.Date
}

func newSummaryTally() *summaryTally {
	return &summaryTally{counts: map[model.CountKey]int64{}, weeks: map[weekKey][2]int64{}, days: map[model.DayKey]int64{},
		cells: map[model.CellKey]model.CellCount{}}
}

func (t *summaryTally) AdjustCount(_ context.Context, k model.CountKey, delta int64) error {
	t.counts[k] += delta
	return nil
}

func (t *summaryTally) AdjustWeek(_ context.Context, region string, dept model.Department, week model.Date, found, writtenOff int64) error {
	k := weekKey{region, dept, week}
	w := t.weeks[k]
	t.weeks[k] = [2]int64{w[0] + found, w[1] + writtenOff}
	return nil
}

func (t *summaryTally) AdjustDay(_ context.Context, k model.DayKey, delta int64) error {
	t.days[k] += delta
	return nil
}

func (t *summaryTally) AdjustCells(_ context.Context, deltas map[model.CellKey]model.CellCount) error {
	t.addCells(deltas)
	return nil
}

func (t *summaryTally) addCells(deltas map[model.CellKey]model.CellCount) {
	for k, d := range deltas {
		c := t.cells[k]
		t.cells[k] = model.CellCount{N: c.N + d.N, Major: c.Major + d.Major}
	}
}

// add adds o's changes to t's.
func (t *summaryTally) add(o *summaryTally) {
	for k, n := range o.counts {
		t.counts[k] += n
	}
	for k, w := range o.weeks {
		v := t.weeks[k]
		t.weeks[k] = [2]int64{v[0] + w[0], v[1] + w[1]}
	}
	for k, n := range o.days {
		t.days[k] += n
	}
	t.addCells(o.cells)
}

// write applies the tally to the store, every cell touched (as the same events
// written one by one would leave them, a cell that went up and down included).
func (t *summaryTally) write(ctx context.Context, tx *model.Store) error {
	ks := make([]model.CountKey, 0, len(t.counts))
	for k := range t.counts {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b model.CountKey) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	for _, k := range ks {
		if err := tx.AdjustCount(ctx, k, t.counts[k]); err != nil {
			return err
		}
	}
	ws := make([]weekKey, 0, len(t.weeks))
	for k := range t.weeks {
		ws = append(ws, k)
	}
	slices.SortFunc(ws, func(a, b weekKey) int {
		if c := strings.Compare(a.region, b.region); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.dept), string(b.dept)); c != 0 {
			return c
		}
		return a.week.Compare(b.week.Time)
	})
	for _, k := range ws {
		if err := tx.AdjustWeek(ctx, k.region, k.dept, k.week, t.weeks[k][0], t.weeks[k][1]); err != nil {
			return err
		}
	}
	ds := make([]model.DayKey, 0, len(t.days))
	for k := range t.days {
		ds = append(ds, k)
	}
	slices.SortFunc(ds, func(a, b model.DayKey) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	for _, k := range ds {
		if err := tx.AdjustDay(ctx, k, t.days[k]); err != nil {
			return err
		}
	}
	if err := tx.AdjustCells(ctx, t.cells); err != nil {
		return err
	}
	clear(t.counts)
	clear(t.weeks)
	clear(t.days)
	clear(t.cells)
	return nil
}

// chunkKeys returns the fingerprints of the chunk's rows that may create a
// hazard, for prefetch. It needs the store only for a region or enterprise
// not met before.
func (im *importer) chunkKeys(ctx context.Context, chunk []xlsx.Draft) ([]string, error) {
	var fps []string
	for i := range chunk {
		d := &chunk[i]
		if len(d.Errors) > 0 || d.Row.Code != "" || d.Row.Title == "" {
			continue
		}
		re := &rowErrs{line: d.Line}
		region, ent, newEnt, err := im.place(ctx, re, &d.Row)
		if err != nil {
			return nil, err
		}
		if len(re.list) == 0 {
			fps = append(fps, fingerprint(region, ent, newEnt, &d.Row))
		}
	}
	return fps, nil
}

// prefetch looks up in one query the ledger keys of a chunk's rows (fps, from
// chunkKeys), before the chunk's rows are validated. The fingerprints of
// hazards pending, staged or in flight are not written yet; they are left to
// ledgerKey, which finds them once they are.
func (im *importer) prefetch(ctx context.Context, fps []string) error {
	im.known, im.checked = nil, map[string]bool{}
	ask := fps[:0]
	for _, fp := range fps {
		if im.checked[fp] || im.unwritten(fp) {
			continue
		}
		im.checked[fp] = true
		ask = append(ask, fp)
	}
	known, err := im.tx.LedgerKeyHazards(ctx, ask)
	if err != nil {
		return err
	}
	for fp := range known {
		delete(im.checked, fp)
	}
	im.known = known
	return nil
}

// unwritten tells whether fp is of a hazard pending, staged or in flight.
func (im *importer) unwritten(fp string) bool {
	return im.pendingFP[fp] || (im.staged != nil && im.staged.fps[fp]) || (im.flight != nil && im.flight.b.fps[fp])
}

// ledgerKey returns the hazard an earlier row with fingerprint fp created, if
// any: from the chunk's prefetch, else (a fingerprint the prefetch did not see,
// or one of a hazard still pending) from the store.
func (im *importer) ledgerKey(ctx context.Context, fp string) (int64, bool, error) {
	if id, ok := im.known[fp]; ok {
		return id, true, nil
	}
	if im.checked[fp] {
		return 0, false, nil
	}
	if im.pendingFP[fp] || (im.staged != nil && im.staged.fps[fp]) {
		if err := im.flush(ctx); err != nil {
			return 0, false, err
		}
	}
	id, err := im.tx.LedgerKeyHazard(ctx, fp)
	if errors.Is(err, model.ErrNotFound) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// flushFor writes the pending hazards before a row names a hazard by code, if
// one of them could be it (same code period).
func (im *importer) flushFor(ctx context.Context, code string) error {
	if !strings.HasPrefix(code, "YH-") || strings.LastIndexByte(code, '-') < 3 {
		return nil
	}
	period := code[3:strings.LastIndexByte(code, '-')]
	if im.pendingPeriods[period] || (im.staged != nil && im.staged.periods[period]) {
		return im.flush(ctx)
	}
	return nil
}

// staged is a batch of pending hazards on its way to the store: codes and IDs
// reserved, then, on a goroutine of its own, the records built, the create
// (and imported) events chained and the rows encoded; its flight waits for
// that and writes them. While the store writes one batch the next is sealed
// and encoded, and the chunk after it validated.
type staged struct {
	p       []pendingHazard
	fps     map[string]bool
	periods map[string]bool
	done    chan struct{}
	err     error
	evs     []model.HazardEvent
	creates []int // index in evs of each hazard's create event
	bulk    [3]*model.BulkRows
	feed    []model.FeedRow // the major hazards' events, for the register's feed
	tally   *summaryTally   // the batch's changes of the counts, added to the import's by write
}

// flush writes everything pending now: the staged batch, then the pending
// hazards.
func (im *importer) flush(ctx context.Context) error {
	if err := im.drain(ctx); err != nil {
		return err
	}
	if err := im.stage(ctx, nil); err != nil {
		return err
	}
	return im.drain(ctx)
}

// advance ends a chunk: it looks up the next chunk's ledger keys (next: nil
// at the end), stages the pending hazards and sets the batch staged before
// them in flight. The next chunk's fingerprints are worked out while the
// batch in flight is still being written; the store's work comes after it.
func (im *importer) advance(ctx context.Context, next []xlsx.Draft) error {
	// The pending hazards' IDs first: on PostgreSQL they come from the
	// sequences on a connection of their own, beside the batch in flight.
	var ids map[string][]int64
	if len(im.pending) > 0 {
		var err error
		if ids, err = im.reserveIDs(ctx, idsFor(im.pending)); err != nil {
			return err
		}
	}
	if next != nil {
		fps, err := im.chunkKeys(ctx, next)
		if err != nil {
			return err
		}
		if err := im.prefetch(ctx, fps); err != nil {
			return err
		}
	}
	prev := im.staged
	im.staged = nil
	if err := im.stage(ctx, ids); err != nil {
		im.staged = prev // for wait
		return err
	}
	return im.launch(ctx, prev)
}

// drain writes the staged batch, if any, and waits for it. Before anything
// else inserts into the tables whose IDs a batch reserves (an update's event),
// a staged batch must be written: IDs are reserved past the largest written.
func (im *importer) drain(ctx context.Context) error {
	prev := im.staged
	im.staged = nil
	im.nextIDs = nil
	if err := im.launch(ctx, prev); err != nil {
		return err
	}
	return im.settle()
}

// launch sets b (nil: nothing) in flight, once the batch in flight before it
// is written.
func (im *importer) launch(ctx context.Context, b *staged) error {
	if err := im.settle(); err != nil {
		if b != nil {
			<-b.done
		}
		return err
	}
	if b == nil {
		return nil
	}
	f := &flight{b: b, done: make(chan struct{})}
	im.flight = f
	go func() {
		defer close(f.done)
		f.err = im.write(ctx, b)
	}()
	// The new goroutine waits in this one's processor until this one blocks,
	// and the validation that follows does not: up to a time slice (10 ms) per
	// batch with the store idle. Let it send its first COPY now.
	runtime.Gosched()
	return nil
}

// settle waits for the batch in flight, if any, to be written: the gate of
// im.tx. A batch that failed fails every statement after it.
func (im *importer) settle() error {
	f := im.flight
	if f == nil {
		return nil
	}
	<-f.done
	if f.err != nil {
		return f.err
	}
	im.flight = nil
	return nil
}

// reserveIDs hands out IDs (table → how many): from the store, in one
// statement, and on SQLite, while batches follow one another with nothing else
// written between them, past the last batch's (the staged batch is not
// written yet; the transaction holds the write lock).
func (im *importer) reserveIDs(ctx context.Context, want map[string]int) (map[string][]int64, error) {
	out := map[string][]int64{}
	ask := map[string]int{}
	for table, n := range want {
		next, ok := im.nextIDs[table]
		if !ok {
			ask[table] = n
			continue
		}
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = next + int64(i)
		}
		im.nextIDs[table] = next + int64(n)
		out[table] = ids
	}
	got, err := im.tx.ReserveIDsOf(ctx, ask)
	if err != nil {
		return nil, err
	}
	for table, ids := range got {
		out[table] = ids
		if im.tx.Dialect() == model.DialectSQLite && len(ids) > 0 {
			if im.nextIDs == nil {
				im.nextIDs = map[string]int64{}
			}
			im.nextIDs[table] = ids[len(ids)-1] + 1
		}
	}
	return out, nil
}

// idsFor is the IDs pending hazards p take: one each, and one for each of
// their events.
func idsFor(p []pendingHazard) map[string]int {
	nev := 0
	for i := range p {
		nev++
		if p[i].imported {
			nev++
		}
	}
	return map[string]int{"hazards": len(p), "hazard_events": nev}
}

// stage reserves the pending hazards' codes (numbered in row order) and IDs
// (unless ids, from reserveIDs, holds them) and starts building their records.
func (im *importer) stage(ctx context.Context, ids map[string][]int64) error {
	p := im.pending
	if len(p) == 0 {
		return nil
	}
	im.pending = nil
	// The pending sets become the batch's.
	b := &staged{p: p, fps: im.pendingFP, periods: im.pendingPeriods, done: make(chan struct{}), tally: newSummaryTally()}
	im.pendingFP, im.pendingPeriods = map[string]bool{}, map[string]bool{}

	hs := make([]*model.Hazard, len(p))
	for i := range p {
		hs[i] = p[i].h
	}
	if err := im.wtx.Number(ctx, hs); err != nil {
		return err
	}
	if ids == nil {
		var err error
		if ids, err = im.reserveIDs(ctx, idsFor(p)); err != nil {
			return err
		}
	}
	hids, evids := ids["hazards"], ids["hazard_events"]
	for i := range p {
		p[i].h.ID = hids[i]
	}
	im.staged = b
	go func() {
		defer close(b.done)
		b.err = im.build(ctx, b, evids)
	}()
	return nil
}

// build makes a staged batch's records: each hazard's create (and imported)
// events sealed in Go (workflow.Tx.Seal), the dashboard's counts tallied in the
// batch's own tally, the rows encoded, the feed's rows of the major ones made. It touches no database and nothing of
// the importer but what does not change (two builds may run at once).
func (im *importer) build(ctx context.Context, b *staged, evids []int64) error {
	p := b.p
	hs := make([]model.Hazard, 0, len(p))
	b.evs = make([]model.HazardEvent, 0, len(evids))
	keys := make([]model.LedgerKey, 0, len(p))
	b.creates = make([]int, 0, len(p))
	for i := range p {
		h := p[i].h
		var imp *workflow.Imported
		if p[i].imported {
			imp = im.importedNext(p[i].line, p[i].row, h, p[i].state, p[i].unit)
		}
		create, imported, err := im.wtx.Seal(ctx, im.a, h, imp, im.now, b.tally)
		if err != nil {
			return err
		}
		create.ID, evids = evids[0], evids[1:]
		b.creates = append(b.creates, len(b.evs))
		b.evs = append(b.evs, *create)
		b.feed = append(b.feed, workflow.FeedRows(nil, h, create)...)
		final := *h
		if imported != nil {
			imported.ID, evids = evids[0], evids[1:]
			b.evs = append(b.evs, *imported)
			b.feed = append(b.feed, workflow.FeedRows(h, imp.Next, imported)...)
			final = *imp.Next
		}
		hs = append(hs, final)
		keys = append(keys, model.LedgerKey{Fingerprint: p[i].fp, HazardID: h.ID})
	}
	var err error
	if b.bulk[0], err = im.raw.EncodeBulk(ctx, &hs); err != nil {
		return err
	}
	if b.bulk[1], err = im.raw.EncodeBulk(ctx, &b.evs); err != nil {
		return err
	}
	b.bulk[2], err = im.raw.EncodeBulk(ctx, &keys)
	return err
}

// wait waits for the goroutines of the batches staged and in flight, if any
// (an import that stops on an error leaves them unwritten): none outlives
// the transaction.
func (im *importer) wait() {
	if im.flight != nil {
		<-im.flight.done
	}
	if im.staged != nil {
		<-im.staged.done
	}
}

// write, on the flight's goroutine, waits for a staged batch to be built and
// writes its hazards, events and ledger keys through raw, and queues its
// notifications and its rows of the major-hazard feed.
func (im *importer) write(ctx context.Context, b *staged) error {
	<-b.done
	if b.err != nil {
		return b.err
	}
	if err := im.raw.InsertBulk(ctx, b.bulk[:]...); err != nil {
		return err
	}
	// Queued in the transaction, numbered and written at its end.
	if err := im.raw.AppendFeed(ctx, b.feed...); err != nil {
		return err
	}
	for i := range b.p {
		if err := im.wraw.Notify(ctx, im.a, b.p[i].h, &b.evs[b.creates[i]]); err != nil {
			return err
		}
	}
	im.tally.add(b.tally) // read by finish, after settle
	return nil
}

// finish writes what the bulk writes left to the end: the last batches and
// the dashboard's counts.
func (im *importer) finish(ctx context.Context) error {
	if err := im.flush(ctx); err != nil {
		return err
	}
	return im.tally.write(ctx, im.tx)
}
