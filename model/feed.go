package model

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// FeedRow is a row of the shared major-hazard register's feed (major_feed): one
// event of a hazard that was major before or after it. Seq is the feed's order,
// handed out at commit (see AppendFeed); RegionCode is the hazard's region after
// the event, PrevRegionCode the one before when the event moved it ("" when it
// did not), Department the hazard's department after the event ("" while the
// hazard is not yet listed).
type FeedRow struct {
	Seq            int64 `gorm:"primaryKey;autoIncrement:false"`
	EventID        int64
	HazardID       int64
	RegionCode     string
	PrevRegionCode string
	Department     Department
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
}

// TableName is major_feed.
func (FeedRow) TableName() string { return "major_feed" }

// feedCounter names the counters row that numbers the feed (period "").
const feedCounter = "major_feed"

// feedQueue holds the feed rows of one transaction until its end (flushFeed).
// The ledger's import appends from the goroutine writing a batch while another
// goroutine works: appends are locked.
type feedQueue struct {
	mu   sync.Mutex
	rows []FeedRow
}

// AppendFeed adds rows (Seq unset; EventID, HazardID, the regions, department
// and time set) to the major-hazard feed in the caller's transaction; outside a
// transaction, in one of its own.
//
// The rows are written, and numbered, as the transaction's last statements,
// after everything else it does: their seqs come from the counters row
// "major_feed", period "", raised by the number of rows in one upsert, in the order
// AppendFeed was called. On PostgreSQL that upsert locks the counter row until
// the transaction commits (or rolls back, and its seqs with it), so seqs are
// handed out in commit order: a transaction that takes seqs after another
// waits for that one's commit, which PostgreSQL makes visible before it
// releases the lock. Hence a reader who has seen seq N has seen every committed
// seq below N, and seqs have no gaps: a follower that reads after its last seq
// misses nothing and reads nothing twice, whichever replica answers. Taking the
// lock last keeps it short (the commit's flush, not the transaction) and means
// the holder waits for no other lock: two transactions that each change
// several hazards cannot deadlock over it. SQLite has one writer at a time.
func (s *Store) AppendFeed(ctx context.Context, rows ...FeedRow) error {
	if len(rows) == 0 {
		return nil
	}
	if !s.inTx || s.feed == nil {
		return s.Tx(ctx, func(tx *Store) error { return tx.AppendFeed(ctx, rows...) })
	}
	s.feed.mu.Lock()
	s.feed.rows = append(s.feed.rows, rows...)
	s.feed.mu.Unlock()
	return nil
}

// flushFeed numbers and writes the feed rows the transaction queued: its last
// statements (see AppendFeed).
func (s *Store) flushFeed(ctx context.Context) error {
	q := s.feed
	q.mu.Lock()
	rows := q.rows
	q.rows = nil
	q.mu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	last, err := s.ReserveNumbersIn(ctx, feedCounter, map[string]int64{"": int64(len(rows))})
	if err != nil {
		return fmt.Errorf("model: append feed: %w", err)
	}
	first := last[""] - int64(len(rows)) + 1
	for i := range rows {
		rows[i].Seq = first + int64(i)
	}
	if err := s.w(ctx).CreateInBatches(rows, 500).Error; err != nil {
		return translate("model: append feed", err)
	}
	return nil
}

// FeedItem is a row of the feed with its event and its hazard as it is now.
type FeedItem struct {
	Seq    int64
	Event  HazardEvent
	Hazard Hazard
}

// MajorFeed returns at most limit rows of the feed with seq above after, in seq
// order, each with its event and its hazard as it is now. sc limits the rows to
// a territory (sc.Region: the row's region or, for a hazard that moved away,
// its region before, in that territory); with sc.Department set (another
// department than the emergency bureau, the shared register), also to rows of
// a listed hazard (department not ""), as the register shows them. Only the
// row decides, never what its hazard became, so a row's visibility never
// changes behind a follower's cursor. AllScope sees every row; any other scope
// none.
func (s *Store) MajorFeed(ctx context.Context, sc Scope, after int64, limit int) ([]FeedItem, error) {
	q := s.r(ctx).Where("seq > ?", after)
	switch {
	case sc.All:
	case sc.Region != "" && sc.EnterpriseID == 0:
		lo, hi := RegionRange(sc.Region)
		q = q.Where("(region_code BETWEEN ? AND ? OR prev_region_code BETWEEN ? AND ?)", lo, hi, lo, hi)
		if sc.Department != "" {
			q = q.Where("department <> ''")
		}
	default:
		return nil, nil
	}
	var rows []FeedRow
	if err := q.Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("model: major feed", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	// The events and hazards of the rows, by id. Read after the rows, they are
	// at least as new: an event is committed with its row and never changes.
	evIDs, hIDs := make([]int64, 0, len(rows)), make([]int64, 0, len(rows))
	for _, r := range rows {
		evIDs = append(evIDs, r.EventID)
		hIDs = append(hIDs, r.HazardID)
	}
	var evs []HazardEvent
	if err := s.r(ctx).Where("id IN ?", evIDs).Find(&evs).Error; err != nil {
		return nil, translate("model: major feed events", err)
	}
	var hs []Hazard
	if err := s.r(ctx).Where("id IN ?", hIDs).Find(&hs).Error; err != nil {
		return nil, translate("model: major feed hazards", err)
	}
	evByID := make(map[int64]*HazardEvent, len(evs))
	for i := range evs {
		evByID[evs[i].ID] = &evs[i]
	}
	hByID := make(map[int64]*Hazard, len(hs))
	for i := range hs {
		hByID[hs[i].ID] = &hs[i]
	}
	out := make([]FeedItem, 0, len(rows))
	for _, r := range rows {
		ev, h := evByID[r.EventID], hByID[r.HazardID]
		if ev == nil || h == nil { // the foreign keys make this impossible
			return nil, fmt.Errorf("model: major feed seq %d: event %d or hazard %d: %w", r.Seq, r.EventID, r.HazardID, ErrNotFound)
		}
		out = append(out, FeedItem{Seq: r.Seq, Event: *ev, Hazard: *h})
	}
	return out, nil
}
