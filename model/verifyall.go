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

// verifyBatch is how many hazards one worker of VerifyAll checks at a time.
const verifyBatch = 256

// chainWork is one hazard's row and events, as VerifyAll reads them.
type chainWork struct {
	id      int64
	code    string
	lastSeq int64
	head    string
	events  []HazardEvent
}

// VerifyAll checks every hazard's chain (model.VerifyChain's rules) and that
// each hazard row's head and last_seq are its chain's, in one statement (one
// snapshot on both engines: an event appended meanwhile is not half seen) that
// streams hazards with their events in (hazard, seq) order, so that memory
// holds a few batches of hazards, never the log. Reading is one goroutine;
// hashing, which is most of the work, is spread over the cores.
func (s *Store) VerifyAll(ctx context.Context) (ChainsReport, error) {
	var rep ChainsReport
	rows, err := s.r(ctx).Raw(`SELECT h.id, h.code, h.last_seq, h.chain_head,
		COALESCE(e.seq, 0), COALESCE(e.event, ''), COALESCE(e.from_state, ''), COALESCE(e.to_state, ''),
		e.actor_id, COALESCE(e.actor_name, ''), COALESCE(e.role, ''), COALESCE(e.comment, ''),
		COALESCE(e.payload, ''), e.created_at, COALESCE(e.prev_hash, ''), COALESCE(e.hash, '')
		FROM hazards h LEFT JOIN hazard_events e ON e.hazard_id = h.id
		ORDER BY h.id, e.seq`).Rows()
	if err != nil {
		return rep, translate("model: verify all", err)
	}
	defer rows.Close()

	work := make(chan []chainWork, 4)
	var (
		mu     sync.Mutex
		breaks []ChainBreak
		wg     sync.WaitGroup
	)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range work {
				for i := range batch {
					w := &batch[i]
					r := VerifyChain(w.events, w.head)
					if r.OK && int64(r.Events) != w.lastSeq {
						r = r.broken(w.lastSeq, fmt.Sprintf("隐患记录的日志位置为%d，日志却有%d条记录", w.lastSeq, r.Events))
					}
					if !r.OK {
						mu.Lock()
						breaks = append(breaks, ChainBreak{HazardID: w.id, Code: w.code, ChainReport: r})
						mu.Unlock()
					}
				}
			}
		}()
	}

	var (
		batch   = make([]chainWork, 0, verifyBatch) // never grown: cur points into it
		cur     *chainWork
		actorID sql.NullInt64
		created sql.NullTime
	)
	flush := func() {
		if len(batch) > 0 {
			work <- batch
			batch = make([]chainWork, 0, verifyBatch)
		}
	}
	for rows.Next() {
		var (
			id, lastSeq int64
			code, head  string
			e           HazardEvent
		)
		if err = rows.Scan(&id, &code, &lastSeq, &head, &e.Seq, &e.Event, &e.FromState, &e.ToState,
			&actorID, &e.ActorName, &e.Role, &e.Comment, &e.Payload, &created, &e.PrevHash, &e.Hash); err != nil {
			break
		}
		if cur == nil || cur.id != id {
			if len(batch) >= verifyBatch {
				flush()
			}
			batch = append(batch, chainWork{id: id, code: code, lastSeq: lastSeq, head: head})
			cur = &batch[len(batch)-1]
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
		cur.events = append(cur.events, e)
		rep.Events++
	}
	if err == nil {
		err = rows.Err()
	}
	flush()
	close(work)
	wg.Wait()
	if err != nil {
		return rep, translate("model: verify all", err)
	}
	sort.Slice(breaks, func(i, j int) bool { return breaks[i].HazardID < breaks[j].HazardID })
	rep.BrokenCount = int64(len(breaks))
	if len(breaks) > MaxBreaks {
		breaks = breaks[:MaxBreaks]
	}
	rep.Broken = breaks
	return rep, nil
}
