package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// canonicalEvent is the hashed form of an event: fixed field order, times in UTC
// with microseconds (what both databases keep), the payload as stored.
type canonicalEvent struct {
	HazardID  int64  `json:"hazard_id"`
	Seq       int64  `json:"seq"`
	Event     Event  `json:"event"`
	From      State  `json:"from"`
	To        State  `json:"to"`
	ActorID   int64  `json:"actor_id"`
	Actor     string `json:"actor"`
	Role      Role   `json:"role"`
	Comment   string `json:"comment"`
	Payload   string `json:"payload"`
	CreatedAt string `json:"created_at"`
}

// ComputeHash returns SHA-256 over the previous hash and the event's canonical form.
func (e *HazardEvent) ComputeHash() string {
	c := canonicalEvent{
		HazardID: e.HazardID, Seq: e.Seq, Event: e.Event, From: e.FromState, To: e.ToState,
		Actor: e.ActorName, Role: e.Role, Comment: e.Comment, Payload: string(e.Payload),
		CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
	if e.ActorID != nil {
		c.ActorID = *e.ActorID
	}
	return chainHash(e.PrevHash, c)
}

// chainHash is a chained record's hash: SHA-256 over the previous record's
// hash, a newline and the record's canonical JSON (c, a struct of plain
// strings and numbers). Hazard events and audit entries are hashed alike.
func chainHash(prev string, c any) string {
	b, _ := json.Marshal(c) // plain strings and numbers: cannot fail
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal links e after the event whose sequence number and hash are given (0 and ""
// for the first) and sets its hash. CreatedAt is truncated to microseconds first.
func (e *HazardEvent) Seal(prevSeq int64, prevHash string) {
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.CreatedAt = e.CreatedAt.UTC().Truncate(time.Microsecond)
	e.Hash = e.ComputeHash()
}

// ChainReport says whether a hazard's log is intact.
type ChainReport struct {
	OK       bool   `json:"ok"`
	Events   int    `json:"events"`
	Head     string `json:"head,omitempty"`
	BrokenAt int64  `json:"broken_at,omitempty"` // seq of the first bad event
	Problem  string `json:"problem,omitempty"`
}

// VerifyChain checks that events (in seq order) are numbered 1..n without gaps,
// that each links to its predecessor's hash, that each hash matches its content, and
// that the last one is head (the hazard's recorded chain head).
func VerifyChain(events []HazardEvent, head string) ChainReport {
	var c chainCheck
	for i := range events {
		c.add(&events[i])
	}
	return c.end(head, "日志末条与隐患记录的链头不符，可能有记录被删除")
}

// chainCheck walks a chain one record at a time in seq order (a hazard's
// events as Store.VerifyAll streams them, the audit log), so that a long
// chain is checked without holding it. Events counts the records seen, the
// ones after a break too (a hazard's report counts its whole log).
type chainCheck struct {
	r    ChainReport
	prev string
	done bool // a break was found: the rest is only counted
}

// add checks the next event of a hazard's chain.
func (c *chainCheck) add(e *HazardEvent) bool {
	return c.link(e.Seq, e.PrevHash, e.Hash, e.ComputeHash())
}

// link checks the next record: seq, the hash it links to, its hash and the
// hash its content computes to. false once the chain is broken (c.r says where).
func (c *chainCheck) link(seq int64, prevHash, hash, computed string) bool {
	c.r.Events++
	if c.done {
		return false
	}
	n := int64(c.r.Events)
	switch {
	case seq != n:
		c.r = c.r.broken(seq, fmt.Sprintf("第%d条记录的序号为%d，日志有缺失或重复", n, seq))
	case prevHash != c.prev:
		c.r = c.r.broken(seq, fmt.Sprintf("第%d条记录未链接到上一条记录", seq))
	case computed != hash:
		c.r = c.r.broken(seq, fmt.Sprintf("第%d条记录的内容与其哈希不符，可能被篡改", seq))
	default:
		c.prev = hash
		return true
	}
	c.done = true
	return false
}

// end checks that the last record seen is head (the recorded chain head), with
// problem as the break when it is not, and returns the report.
func (c *chainCheck) end(head, problem string) ChainReport {
	if c.done {
		return c.r
	}
	c.r.OK = true
	c.r.Head = c.prev
	if c.prev != head {
		return c.r.broken(int64(c.r.Events), problem)
	}
	return c.r
}

func (r ChainReport) broken(seq int64, problem string) ChainReport {
	r.OK, r.BrokenAt, r.Problem = false, seq, problem
	return r
}
