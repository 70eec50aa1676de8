package workflow

import (
	"context"
	"strings"

	"hazardloop/model"
)

// QueueSection is one kind of work waiting on a user: the hazards in one state
// that the user's role acts on next, the longest-waiting first.
type QueueSection struct {
	Key    string // the section's anchor on the page: the state, and the party for a party's work
	State  model.State
	Action string // what the user does next, in Chinese
	Count  int64
	Items  []HazardView
}

// WorkQueue is a user's to-do list (我的待办).
type WorkQueue struct {
	Sections    []QueueSection
	Letters     []model.Escalation // supervision documents not yet signed for
	LetterCount int64
	// Reported are an officer's own findings (我上报的隐患), newest first,
	// whatever their state: where each stands. Nothing in it waits on them.
	Reported      []HazardView
	ReportedCount int64
	// Transfers are a supervisor's transfers (移交): to accept or decline, sent
	// and waiting, sent back.
	Transfers Transfers
	// Resumptions are a supervisor's requests to resume production waiting
	// for their on-site review (复产申请待审查), the earliest due first.
	Resumptions []HazardView
	// Dangers are the hazards in the territory where a danger sign stands
	// unanswered (险情叫应, until a supervisor's respond), the earliest
	// first: the top of a supervisor's and an officer's queue. Patrols are
	// the disaster hazards whose last cycle's patrol was missed (巡查逾期).
	Dangers     []HazardView
	DangerCount int64
	Patrols     []HazardView
	PatrolCount int64
}

// Total is the number of things waiting (the reported findings and the
// transfers waiting on the other side are not).
func (q WorkQueue) Total() int64 {
	n := q.LetterCount + int64(len(q.Transfers.Incoming)+len(q.Transfers.Declined)+len(q.Resumptions))
	n += q.DangerCount + q.PatrolCount
	for _, s := range q.Sections {
		n += s.Count
	}
	return n
}

// queueWork says which states wait on which role, in the order of the loop.
var queueWork = map[model.Role][]struct {
	state  model.State
	action string
}{
	model.RoleSupervisor: {{model.StateDiscovered, "核查登记"}, {model.StateVerifying, "核实销号"}},
	model.RoleOfficer:    {{model.StateDiscovered, "核查登记"}, {model.StateVerifying, "核实销号"}},
}

// partyWork is the rectification that waits on a party (PartiesOf): to plan
// and to submit, named for whom it is done.
var partyWork = []struct {
	state  model.State
	action string
}{{model.StateListed, "制定整改方案"}, {model.StateRectifying, "整改并提交"}}

// partyActions names a party's work in its queue: {} is the action.
var partyActions = map[model.PartyType]string{
	model.PartyEnterprise: "{}", model.PartyTownship: "{}（本乡镇负责整改）", model.PartyVillage: "{}（本村负责整改）",
	model.PartyDepartment: "{}（本部门负责整改）", model.PartyOwner: "{}（代产权人办理）",
}

// QueueLimit bounds the hazards shown per section of a work queue.
const QueueLimit = 50

// Queue returns what waits on a: for supervisors and officers the hazards to check
// and to verify, for enterprises those to plan and to submit and the supervision
// letters to sign for; for officers also what they reported and where it
// stands. Admins have no queue (an empty one).
func (e *Hazards) Queue(ctx context.Context, a Actor) (WorkQueue, error) {
	var q WorkQueue
	section := func(state model.State, action, key string, party model.Party) error {
		hs, n, err := e.store.QueueHazards(ctx, a.Scope(), state, party, QueueLimit)
		if err != nil {
			return err
		}
		sec := QueueSection{Key: key, State: state, Action: action, Count: n}
		for i := range hs {
			sec.Items = append(sec.Items, e.view(a, &hs[i]))
		}
		q.Sections = append(q.Sections, sec)
		return nil
	}
	for _, w := range queueWork[a.Role] {
		if err := section(w.state, w.action, string(w.state), model.Party{}); err != nil {
			return WorkQueue{}, err
		}
	}
	// Each party a is (an enterprise, a township's or village's staff, a
	// county's department) plans and submits its own hazards; a local body's
	// staff those of the owners of their territory too.
	for _, p := range PartiesOf(a) {
		for _, w := range partyWork {
			key := string(w.state)
			if p.Type != model.PartyEnterprise {
				key += "-" + string(p.Type)
			}
			action := strings.ReplaceAll(partyActions[p.Type], "{}", w.action)
			if err := section(w.state, action, key, p); err != nil {
				return WorkQueue{}, err
			}
		}
	}
	if a.Role == model.RoleSupervisor || a.Role == model.RoleOfficer {
		if err := e.patrolQueue(ctx, a, &q); err != nil {
			return WorkQueue{}, err
		}
	}
	if a.Role == model.RoleEnterprise {
		es, n, err := e.store.ListUnacknowledged(ctx, a.Scope(), QueueLimit)
		if err != nil {
			return WorkQueue{}, err
		}
		q.Letters, q.LetterCount = es, n
	}
	if a.Role == model.RoleSupervisor {
		t, err := e.Transfers(ctx, a)
		if err != nil {
			return WorkQueue{}, err
		}
		q.Transfers = t
		hs, err := e.store.ResumeRequests(ctx, a.Scope(), QueueLimit)
		if err != nil {
			return WorkQueue{}, err
		}
		for i := range hs {
			if !a.ReadOnly(&hs[i]) {
				q.Resumptions = append(q.Resumptions, e.view(a, &hs[i]))
			}
		}
	}
	if a.Role == model.RoleOfficer {
		hs, n, err := e.store.ReportedBy(ctx, a.Scope(), a.ID, QueueLimit)
		if err != nil {
			return WorkQueue{}, err
		}
		for i := range hs {
			q.Reported = append(q.Reported, e.view(a, &hs[i]))
		}
		q.ReportedCount = n
	}
	return q, nil
}
