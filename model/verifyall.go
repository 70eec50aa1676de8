package model

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ChainBreak is a hazard whose chain VerifyAll found broken.
type ChainBreak struct {
	HazardID int64  `json:"hazard_id"`
	Code     string `json:"code"`
	ChainReport
}

// ChainsReport is VerifyAll's answer: how much it read and what is broken.
type ChainsReport struct {
	Hazards     int64        `json:"hazards"`
	Events      int64        `json:"events"`
	BrokenCount int64        `json:"broken_count"`
	Broken      []ChainBreak `json:"broken,omitempty"` // the first MaxBreaks, by hazard id
}

// MaxBreaks is how many broken chains VerifyAll names; it counts the rest.
const MaxBreaks = 100

// verifySpan is how many hazard ids one statement of VerifyAll reads.
const verifySpan = 2_000

// VerifyAll checks every hazard's chain (model.VerifyChain's rules) and that
// each hazard row's head and last_seq are its chain's. It streams hazards with
// their events in (hazard, seq) order, a span of hazard ids per statement, so
// that memory holds one hazard's log at a time per reader, never the log; a
// hazard's row and its events are read by one statement, one snapshot on both
// engines, so an event appended meanwhile is never half seen. Reading rows is
// most of the work (the pure-Go SQLite driver's cost per column): spans are
// read in parallel, one reader per core.
func (s *Store) VerifyAll(ctx context.Context) (ChainsReport, error) {
	var rep ChainsReport
	var bounds struct{ Lo, Hi int64 }
	if err := s.r(ctx).Raw("SELECT COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), -1) AS hi FROM hazards").Scan(&bounds).Error; err != nil {
		return rep, translate("model: verify all", err)
	}
	spans := make(chan int64)
	var (
		mu     sync.Mutex
		breaks []ChainBreak
		first  error
		wg     sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(1, min(runtime.GOMAXPROCS(0), sqliteReaders)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range spans {
				r, err := s.verifySpan(ctx, lo, lo+verifySpan-1)
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				rep.Hazards += r.Hazards
				rep.Events += r.Events
				breaks = append(breaks, r.Broken...)
				mu.Unlock()
			}
		}()
	}
send:
	for lo := bounds.Lo; lo <= bounds.Hi; lo += verifySpan {
		select {
		case spans <- lo:
		case <-ctx.Done():
			break send
		}
	}
	close(spans)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first != nil {
		return rep, first
	}
	sort.Slice(breaks, func(i, j int) bool { return breaks[i].HazardID < breaks[j].HazardID })
	rep.BrokenCount = int64(len(breaks))
	if len(breaks) > MaxBreaks {
		breaks = breaks[:MaxBreaks]
	}
	rep.Broken = breaks
	return rep, nil
}

// verifySpan checks the hazards with ids lo..hi; Broken holds every break.
// The span's hazard rows are read first and its events after, in one read
// transaction (one snapshot), so a hazard's head is read with its events and
// no event row repeats its hazard's columns. On SQLite the transaction is a
// plain BEGIN (deferred) on a reader connection: the driver's own BeginTx
// would be BEGIN IMMEDIATE (_txlock), taking the one writer's lock; a
// deferred one reads a WAL snapshot and blocks no writer. On PostgreSQL it is
// REPEATABLE READ, READ ONLY.
func (s *Store) verifySpan(ctx context.Context, lo, hi int64) (ChainsReport, error) {
	var rep ChainsReport
	conn, err := s.sqlDBs[len(s.sqlDBs)-1].Conn(ctx) // SQLite's readers; PostgreSQL's pool
	if err != nil {
		return rep, translate("model: verify all", err)
	}
	defer conn.Close()
	var q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}
	hazardsQ := "SELECT id, code, last_seq, chain_head FROM hazards WHERE id BETWEEN ? AND ? ORDER BY id"
	eventsQ := `SELECT hazard_id, seq, event, from_state, to_state, actor_id, actor_name, role,
		comment, payload, created_at, prev_hash, hash
		FROM hazard_events WHERE hazard_id BETWEEN ? AND ? ORDER BY hazard_id, seq`
	if s.dialect == DialectPostgres {
		hazardsQ = strings.Replace(strings.Replace(hazardsQ, "?", "$1", 1), "?", "$2", 1)
		eventsQ = strings.Replace(strings.Replace(eventsQ, "?", "$1", 1), "?", "$2", 1)
		tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return rep, translate("model: verify all", err)
		}
		defer func() { _ = tx.Rollback() }()
		q = tx
	} else {
		if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
			return rep, translate("model: verify all", err)
		}
		defer func() { _, _ = conn.ExecContext(context.Background(), "ROLLBACK") }()
		q = conn
	}
	err = s.verifyRows(ctx, q, hazardsQ, eventsQ, lo, hi, &rep)
	return rep, translate("model: verify all", err)
}

// verifyRows is verifySpan's reading, through q (the span's transaction).
func (s *Store) verifyRows(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, hazardsQ, eventsQ string, lo, hi int64, rep *ChainsReport) error {
	var hs []chainWork
	hrows, err := q.QueryContext(ctx, hazardsQ, lo, hi)
	if err != nil {
		return err
	}
	for hrows.Next() {
		var h chainWork
		if err := hrows.Scan(&h.ID, &h.Code, &h.LastSeq, &h.ChainHead); err != nil {
			hrows.Close()
			return err
		}
		hs = append(hs, h)
	}
	hrows.Close()
	if err := hrows.Err(); err != nil {
		return err
	}
	rep.Hazards = int64(len(hs))
	if len(hs) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, eventsQ, hs[0].ID, hs[len(hs)-1].ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		i       int // hs[i] is the hazard whose events are being read
		check   chainCheck
		actorID sql.NullInt64
	)
	end := func() {
		h := &hs[i]
		r := check.end(h.ChainHead, "日志末条与隐患记录的链头不符，可能有记录被删除")
		if r.OK && int64(r.Events) != h.LastSeq {
			r = r.broken(h.LastSeq, fmt.Sprintf("隐患记录的日志位置为%d，日志却有%d条记录", h.LastSeq, r.Events))
		}
		if !r.OK {
			rep.Broken = append(rep.Broken, ChainBreak{HazardID: h.ID, Code: h.Code, ChainReport: r})
		}
		check = chainCheck{}
	}
	for rows.Next() {
		var e HazardEvent
		if err := rows.Scan(&e.HazardID, &e.Seq, &e.Event, &e.FromState, &e.ToState, &actorID, &e.ActorName, &e.Role,
			&e.Comment, &e.Payload, &e.CreatedAt, &e.PrevHash, &e.Hash); err != nil {
			return err
		}
		for i < len(hs) && hs[i].ID < e.HazardID {
			end()
			i++
		}
		if i == len(hs) || hs[i].ID != e.HazardID {
			continue // no such hazard: the foreign key keeps this from happening
		}
		if actorID.Valid {
			a := actorID.Int64
			e.ActorID = &a
		}
		check.add(&e)
		rep.Events++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for ; i < len(hs); i++ {
		end()
	}
	return nil
}

// chainWork is a hazard row as verifySpan reads it.
type chainWork struct {
	ID        int64
	Code      string
	LastSeq   int64
	ChainHead string
}
