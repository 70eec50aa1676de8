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
	b, _ := json.Marshal(c) // plain strings and numbers: cannot fail
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
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
	return c.end(head)
}

// chainCheck is VerifyChain one event at a time, for a caller that streams a
// hazard's events (Store.VerifyAll) rather than holding them.
type chainCheck struct {
	r    ChainReport
	prev string
	done bool // a break was found: the rest is not looked at
}

// add checks the next event (after a break it only counts it); false once
// the chain is broken.
func (c *chainCheck) add(e *HazardEvent) bool {
	c.r.Events++
	if c.done {
		return false
	}
	i := c.r.Events
	switch {
	case e.Seq != int64(i):
		c.r = c.r.broken(e.Seq, fmt.Sprintf("第%d条记录的序号为%d，日志有缺失或重复", i, e.Seq))
	case e.PrevHash != c.prev:
		c.r = c.r.broken(e.Seq, fmt.Sprintf("第%d条记录未链接到上一条记录", e.Seq))
	case e.ComputeHash() != e.Hash:
		c.r = c.r.broken(e.Seq, fmt.Sprintf("第%d条记录的内容与其哈希不符，可能被篡改", e.Seq))
	default:
		c.prev = e.Hash
		return true
	}
	c.done = true
	return false
}

// end checks the chain's last hash against head and returns the report.
func (c *chainCheck) end(head string) ChainReport {
	if c.done {
		return c.r
	}
	c.r.OK = true
	c.r.Head = c.prev
	if c.prev != head {
		return c.r.broken(int64(c.r.Events), "日志末条与隐患记录的链头不符，可能有记录被删除")
	}
	return c.r
}

func (r ChainReport) broken(seq int64, problem string) ChainReport {
	r.OK, r.BrokenAt, r.Problem = false, seq, problem
	return r
}
