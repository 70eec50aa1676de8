package model

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sort"
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
func (s *Store) verifySpan(ctx context.Context, lo, hi int64) (ChainsReport, error) {
	var rep ChainsReport
	rows, err := s.r(ctx).Raw(`SELECT h.id, h.code, h.last_seq, h.chain_head,
		COALESCE(e.seq, 0), COALESCE(e.event, ''), COALESCE(e.from_state, ''), COALESCE(e.to_state, ''),
		e.actor_id, COALESCE(e.actor_name, ''), COALESCE(e.role, ''), COALESCE(e.comment, ''),
		COALESCE(e.payload, ''), e.created_at, COALESCE(e.prev_hash, ''), COALESCE(e.hash, '')
		FROM hazards h LEFT JOIN hazard_events e ON e.hazard_id = h.id
		WHERE h.id BETWEEN ? AND ?
		ORDER BY h.id, e.seq`, lo, hi).Rows()
	if err != nil {
		return rep, translate("model: verify all", err)
	}
	defer rows.Close()
	var (
		cur     = chainWork{id: -1}
		check   chainCheck
		actorID sql.NullInt64
		created sql.NullTime
	)
	end := func() {
		if cur.id < 0 {
			return
		}
		r := check.end(cur.head)
		if r.OK && int64(r.Events) != cur.lastSeq {
			r = r.broken(cur.lastSeq, fmt.Sprintf("隐患记录的日志位置为%d，日志却有%d条记录", cur.lastSeq, r.Events))
		}
		if !r.OK {
			rep.Broken = append(rep.Broken, ChainBreak{HazardID: cur.id, Code: cur.code, ChainReport: r})
		}
	}
	for rows.Next() {
		var (
			id, lastSeq int64
			code, head  string
			e           HazardEvent
		)
		if err := rows.Scan(&id, &code, &lastSeq, &head, &e.Seq, &e.Event, &e.FromState, &e.ToState,
			&actorID, &e.ActorName, &e.Role, &e.Comment, &e.Payload, &created, &e.PrevHash, &e.Hash); err != nil {
			return rep, translate("model: verify all", err)
		}
		if id != cur.id {
			end()
			cur, check = chainWork{id: id, code: code, lastSeq: lastSeq, head: head}, chainCheck{}
			rep.Hazards++
		}
		if e.Seq == 0 { // a hazard without events (the LEFT JOIN's NULLs)
			continue
		}
		e.HazardID = id
		if actorID.Valid {
			a := actorID.Int64
			e.ActorID = &a
		}
		e.CreatedAt = created.Time
		check.add(&e)
		rep.Events++
	}
	if err := rows.Err(); err != nil {
		return rep, translate("model: verify all", err)
	}
	end()
	return rep, nil
}

// chainWork is the hazard row verifySpan is reading the events of.
type chainWork struct {
	id      int64
	code    string
	lastSeq int64
	head    string
}
