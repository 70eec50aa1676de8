package workflow

import (
	"encoding/json"

	"hazardloop/model"
)

// What an enterprise user sees of a hazard's log (举报人保护). The entries about
// a public reporter — the contact viewed (view_contact), the answer given
// (answer_reporter), the reward (reward) — are the authority's: that a named
// reporter exists at all is not the enterprise's to know. This file is the one
// rule, and every view an enterprise gets goes through it:
//
//   - the log (the API's events, the hazard page's timeline): those entries are
//     left out and the others numbered 1..n as shown, without prev_hash and hash,
//     since a gap in either would betray them (Actor.Log);
//   - the hazard (every HazardView, hence the API's hazard, the page, the answer
//     to an event): last_seq and chain_head are withheld (Actor.Redact). Its
//     version and updated_at need no redaction: a reporter-trail entry is
//     appended to the chain without moving either (core.commit), so the version
//     an enterprise fires its events against says nothing about them;
//   - verify: the server checks the whole chain and tells an enterprise only
//     whether it is intact, with the number of entries it sees; never the head
//     nor the position of a break (Actor.Verdict);
//   - the place of a hazard reported by the public (its latitude and
//     longitude, on the hazard and in its create entry): where the reporter's
//     phone stood may be where they live or work (Actor.Redact, Actor.Log);
//   - the ledger export: no chain heads in its hidden sheet (ledger.ledgerRow);
//     an enterprise does not import, and a head moving without a visible entry
//     would betray one.
//
// Lists, the dashboard and the supervision documents carry no log entries, no
// versions moved by them and no chain positions.

// reporterTrail are the log entries about public reporters.
var reporterTrail = map[model.Event]bool{
	model.EventViewContact: true, model.EventAnswerReporter: true, model.EventReward: true,
	// Not about reporters, but as private: the rewards of named staff for a
	// successful avoidance, which move no version either.
	model.EventAvoidanceReward: true,
}

// SeesWholeLog reports whether a sees the whole log of the hazards it sees, with
// the chain's hashes and positions: everyone but enterprise users.
func (a Actor) SeesWholeLog() bool { return a.Role != model.RoleEnterprise }

// Log returns evs (a hazard's log in order, as stored) as a sees it: evs itself,
// or for an enterprise a new slice without the reporter trail, numbered as shown
// and without hashes. evs is not changed.
func (a Actor) Log(evs []model.HazardEvent) []model.HazardEvent {
	if a.SeesWholeLog() {
		return evs
	}
	out := make([]model.HazardEvent, 0, len(evs))
	for _, ev := range evs {
		if reporterTrail[ev.Event] {
			continue
		}
		ev.Seq, ev.PrevHash, ev.Hash = int64(len(out)+1), "", ""
		if ev.Event == model.EventCreate {
			ev.Payload = model.JSONText(withoutReporterPlace(string(ev.Payload)))
		}
		out = append(out, ev)
	}
	return out
}

// Redact returns h as a sees it: h itself, or for an enterprise a copy without
// its chain position (last_seq 0, chain_head "": absent from JSON).
func (a Actor) Redact(h *model.Hazard) *model.Hazard {
	if a.SeesWholeLog() || h == nil {
		return h
	}
	c := *h
	c.LastSeq, c.ChainHead = 0, ""
	if c.Source == model.SourcePublicReport {
		c.Latitude, c.Longitude = nil, nil
	}
	return &c
}

// withoutReporterPlace is a create entry's payload without the coordinates
// when the hazard came from a public report.
func withoutReporterPlace(payload string) string {
	var p map[string]any
	if json.Unmarshal([]byte(payload), &p) != nil || p["source"] != string(model.SourcePublicReport) {
		return payload
	}
	if _, ok := p["latitude"]; !ok {
		return payload
	}
	delete(p, "latitude")
	delete(p, "longitude")
	b, _ := json.Marshal(p)
	return string(b)
}

// Verdict returns r, the check of a hazard's whole chain, as a may read it; shown
// is how many entries a sees (len(a.Log(...))). An enterprise learns whether the
// chain is intact and how many entries it sees, nothing that counts or places the
// entries it does not.
func (a Actor) Verdict(r model.ChainReport, shown int) model.ChainReport {
	if a.SeesWholeLog() {
		return r
	}
	out := model.ChainReport{OK: r.OK, Events: shown}
	if !r.OK {
		out.Problem = "办理记录校验未通过，记录可能被篡改，请联系主管部门"
	}
	return out
}
