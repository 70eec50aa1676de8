package workflow

import (
	"context"
	"time"

	"hazardloop/model"
)

// The in-transaction API is what a use case built over the workflow (package
// ledger: the Excel import) reaches the lifecycle through. The use case owns its
// transaction, its batching and its own rules (which ledger fields a row may
// change); the workflow keeps the lifecycle's: who may register what and where,
// how a hazard is numbered, the hash chain of its log, the ladder's dates, the
// dashboard's counts and the notifications. Everything else a use case needs
// (lookups, the bulk writes of model.Store) it asks of Tx.Store directly.

// Tx is one transaction of the store, seen through the lifecycle. It is valid
// only inside the InTx call that made it, and, like the transaction, serves one
// goroutine at a time; Seal, which reads nothing, is the exception.
type Tx struct {
	c     *core
	store *model.Store
}

// InTx runs fn in one transaction of the store: committed when fn returns nil,
// rolled back otherwise, fn's error returned as it is.
func (e *Hazards) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return e.store.Tx(ctx, func(s *model.Store) error { return fn(&Tx{c: e.core, store: s}) })
}

// Store is the transaction itself, for what the lifecycle has no rule about:
// lookups, new enterprises, the bulk writes (ReserveIDsOf, EncodeBulk,
// InsertBulk) and the dashboard's counts a Seal tallied.
func (t *Tx) Store() *model.Store { return t.store }

// Gated returns the same transaction with wait run before each of its
// statements (model.Store.Gated): while a goroutine of the caller's writes
// through t, the rest of its work goes through the gated Tx, which waits for
// that write, so that the transaction's connection serves one at a time. An
// error of wait is the statement's.
func (t *Tx) Gated(wait func() error) *Tx { return &Tx{c: t.c, store: t.store.Gated(wait)} }

// NewHazard validates in as CreateHazard does and returns the hazard CreateHazard
// would register for a: in state discovered at the clock's now (CreatedAt),
// without ID or code. It writes nothing; places answers its lookups of the
// region and the enterprise (t.Store(), or a cache over it).
//
// Refusals as CreateHazard's: KindForbidden (a's role registers no hazards, or the
// region or enterprise lies outside a's territory), KindInvalid (fields missing or
// malformed, each named in Fields), KindNotFound (an enterprise user's own
// enterprise is gone); any other error is the store's.
func (t *Tx) NewHazard(ctx context.Context, places PlaceLookup, a Actor, in HazardInput) (*model.Hazard, error) {
	return t.c.newHazard(ctx, places, a, in)
}

// CodePeriod is the period a hazard's code is numbered in: its region and the day
// (Asia/Shanghai) it was registered on. The code is YH-<period>-<n>.
func CodePeriod(h *model.Hazard) string {
	return model.HazardCodePeriod(h.RegionCode, h.CreatedAt.In(model.Shanghai))
}

// Number gives each of hs (from NewHazard, not yet written) its code: numbered in
// the order of hs after the codes already given in its period, the numbers of
// every period reserved in one statement. Numbers reserved by a transaction that
// rolls back are not used.
func (t *Tx) Number(ctx context.Context, hs []*model.Hazard) error {
	periods := map[string]int64{} // period → how many, then the next number
	for _, h := range hs {
		periods[CodePeriod(h)]++
	}
	last, err := t.store.ReserveNumbersIn(ctx, "hazard", periods)
	if err != nil {
		return err
	}
	for period, k := range periods {
		periods[period] = last[period] - k + 1
	}
	for _, h := range hs {
		period := CodePeriod(h)
		h.Code = hazardCode(h.RegionCode, h.CreatedAt, periods[period])
		periods[period]++
	}
	return nil
}

// Imported is what an imported event (model.EventImported) does to a hazard: Next
// is the hazard as a ledger row leaves it, and Comment and Payload go into the
// event. It is the one event whose changes are decided outside the workflow, by
// the ledger's import rules; the workflow chains it, counts it and settles the
// ladder's dates of Next.
type Imported struct {
	Next    *model.Hazard
	Comment string
	Payload map[string]any
}

// Seal builds the log of a new hazard for a bulk write. h comes from NewHazard,
// with its code (Number) and its ID (reserved by the caller). Seal returns h's
// create event, sealed as the first of its chain, and sets h's chain head to it;
// when imp is not nil, it also returns the imported event at now that moves h to
// imp.Next, chained after the first, and sets imp.Next at h's next version, with
// its ladder dates settled and the chain head of that event. The changes of the
// dashboard's counts go to counts (an error is counts').
//
// Nothing is written and the events have no IDs: the caller gives them theirs,
// writes h, or imp.Next, and the events, then calls Notify with the create event
// (the one of the two someone may be notified of) and appends the events' rows
// of the major-hazard feed (FeedRows(nil, h, create), FeedRows(h, imp.Next,
// imported); model.Store.AppendFeed). Seal reads no database and
// may run on several goroutines at once, with a counts each.
func (t *Tx) Seal(ctx context.Context, a Actor, h *model.Hazard, imp *Imported, now time.Time, counts Counts) (create, imported *model.HazardEvent, err error) {
	create = t.c.createEvent(a, h)
	if err := summarise(ctx, counts, nil, h); err != nil {
		return nil, nil, err
	}
	h.LastSeq, h.ChainHead = create.Seq, create.Hash
	if imp == nil {
		return create, nil, nil
	}
	imported = t.c.chain(a, h, imp.Next, model.EventImported, imp.Comment, imp.Payload, now)
	imp.Next.Version = h.Version + 1
	if err := summarise(ctx, counts, h, imp.Next); err != nil {
		return nil, nil, err
	}
	t.c.opts.Metrics.Event(string(model.EventImported))
	return create, imported, nil
}

// Import writes imp.Next over h (as read in this transaction) by an imported event
// at now, appended to h's chain: the hazard's next version, with its ladder dates
// settled, the dashboard's counts and the notifications of any event. What
// imp.Next changes is not checked here: that is the ledger's import rules.
//
// KindConflict (code stale_version) when h is no longer at its version; any other
// error is the store's, and the transaction must then end.
func (t *Tx) Import(ctx context.Context, a Actor, h *model.Hazard, imp Imported, now time.Time) error {
	return t.c.commit(ctx, t.store, a, h, imp.Next, model.EventImported, imp.Comment, imp.Payload, now)
}

// Notify queues in this transaction the notifications of ev, an event of h from
// Seal that the caller has written: one outbox row per configured webhook, for
// the events someone must act on (none for others, or without webhooks). A
// bulk import's hazards are not put in anyone's notices inbox: a ledger of
// 100,000 rows would bury every officer's inbox (and cost the import a
// fan-out a row); the lists and queues show them.
func (t *Tx) Notify(ctx context.Context, a Actor, h *model.Hazard, ev *model.HazardEvent) error {
	return t.c.queueNotifications(ctx, t.store.WithoutInbox(), a, h, ev)
}

// Filter is the store's filter of the hazards a sees that match q, as List reads
// them (q.Limit rows, 50 unless given, after q.Cursor). KindInvalid names each bad
// filter.
func (e *Hazards) Filter(a Actor, q ListQuery) (model.HazardFilter, error) { return e.filter(a, q) }

// OverdueDays is how many days h is overdue on today: 0 unless h.Overdue(today),
// else the days since its due day, working days when the ladder counts those.
func (e *Hazards) OverdueDays(h *model.Hazard, today model.Date) int {
	if !h.Overdue(today) {
		return 0
	}
	return e.ladder().overdueDays(h.DueOn, today)
}
