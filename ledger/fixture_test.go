package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hazardloop/blob"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// fixedNow is the tests' clock: 2026-11-28 10:00 in Asia/Shanghai.
var fixedNow = time.Date(2026, 11, 28, 10, 0, 0, 0, model.Shanghai)

// fixture is a small province on a real database, as workflow's tests have it:
// 江西省 > 南昌市 > 东湖区/西湖区, one enterprise in each county, an actor of each
// kind, the workflow's services and the ledger over them.
type fixture struct {
	ctx    context.Context
	now    time.Time // the services' clock; tests move it
	store  *model.Store
	engine *workflow.Services
	ledger *Service
	ents   map[string]int64          // "donghu", "xihu"
	actors map[string]workflow.Actor // "admin", "province", "city", "donghu", "donghu2", "xihu", "officer", "ent", "ent2"
}

func newFixture(tb testing.TB, dialect string) *fixture {
	tb.Helper()
	store := modeltest.Open(tb, dialect)
	f := &fixture{ctx: context.Background(), now: fixedNow, store: store, ents: map[string]int64{}, actors: map[string]workflow.Actor{}}
	blobs, err := blob.NewDir(tb.TempDir())
	noErr(tb, err)
	f.engine = workflow.New(store, workflow.Options{Now: func() time.Time { return f.now }, Blobs: blobs,
		ReportKey: []byte("0123456789abcdef0123456789abcdef")})
	f.ledger = New(store, f.engine.Hazards, nil)
	admin := workflow.Actor{Name: "admin", Role: model.RoleAdmin}
	f.actors["admin"] = admin
	for _, r := range []workflow.RegionInput{
		{Code: "360000", Name: "江西省"},
		{Code: "360100", Name: "南昌市", ParentCode: "360000"},
		{Code: "360102", Name: "东湖区", ParentCode: "360100"},
		{Code: "360103", Name: "西湖区", ParentCode: "360100"},
	} {
		_, err := f.engine.Directory.CreateRegion(f.ctx, admin, r)
		noErr(tb, err)
	}
	for i, e := range []struct{ key, region string }{{"donghu", "360102"}, {"xihu", "360103"}} {
		first := fmt.Sprintf("91%sMA3%05d0", e.region, i)[:17]
		ent, err := f.engine.Directory.CreateEnterprise(f.ctx, admin, workflow.EnterpriseInput{
			Name: e.key + "公司", CreditCode: first + string(workflow.CreditCheckChar(first)), RegionCode: e.region, Industry: "工贸",
		})
		noErr(tb, err)
		f.ents[e.key] = ent.ID
	}
	for _, u := range []struct {
		key, role, region, ent string
	}{
		{"province", "supervisor", "360000", ""},
		{"city", "supervisor", "360100", ""},
		{"donghu", "supervisor", "360102", ""},
		{"donghu2", "supervisor", "360102", ""},
		{"xihu", "supervisor", "360103", ""},
		{"officer", "officer", "360102", ""},
		{"ent", "enterprise", "", "donghu"},
		{"ent2", "enterprise", "", "xihu"},
	} {
		in := workflow.UserInput{Username: u.key, Password: "password-" + u.key, Role: u.role, RegionCode: u.region}
		if u.ent != "" {
			id := f.ents[u.ent]
			in.EnterpriseID = &id
		}
		user, err := f.engine.Directory.CreateUser(f.ctx, admin, in)
		noErr(tb, err)
		f.actors[u.key] = workflow.ActorOf(user)
	}
	return f
}

func noErr(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func sp(s string) *string { return &s }

// hazard registers a general self-inspection hazard of the 东湖 enterprise.
func (f *fixture) hazard(tb testing.TB) workflow.HazardView {
	tb.Helper()
	h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["ent"], workflow.HazardInput{Title: "消防通道堆放杂物"})
	noErr(tb, err)
	return h
}

// major registers a major hazard of the 东湖 enterprise, found by a supervisor.
func (f *fixture) major(tb testing.TB) workflow.HazardView {
	tb.Helper()
	id := f.ents["donghu"]
	h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], workflow.HazardInput{
		Title: "反应釜紧急切断装置未投用", Level: "major", Source: "supervisory_check", EnterpriseID: &id})
	noErr(tb, err)
	return h
}

// fire applies ev with fields at the hazard's current version.
func (f *fixture) fire(tb testing.TB, who string, h workflow.HazardView, ev model.Event, fl workflow.Fields, comment string) workflow.HazardView {
	tb.Helper()
	out, err := f.engine.Hazards.Apply(f.ctx, f.actors[who], h.ID, workflow.EventInput{Event: ev, Version: h.Version, Comment: comment, Fields: fl})
	if err != nil {
		tb.Fatalf("%s by %s: %v", ev, who, err)
	}
	return out
}

// pdf is the smallest file the evidence check takes for a document.
var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// toState drives a fresh general hazard to state: confirmed by the 东湖
// supervisor, planned, proven and submitted by the enterprise, approved.
func (f *fixture) toState(tb testing.TB, s model.State) workflow.HazardView {
	tb.Helper()
	h := f.hazard(tb)
	path := map[model.State][]model.Event{
		model.StateDiscovered: {},
		model.StateListed:     {model.EventConfirm},
		model.StateRectifying: {model.EventConfirm, model.EventPlan},
		model.StateVerifying:  {model.EventConfirm, model.EventPlan, model.EventSubmit},
		model.StateWrittenOff: {model.EventConfirm, model.EventPlan, model.EventSubmit, model.EventApprove},
	}[s]
	for _, ev := range path {
		switch ev {
		case model.EventConfirm:
			h = f.fire(tb, "donghu", h, ev, workflow.Fields{}, "")
		case model.EventPlan:
			h = f.fire(tb, "ent", h, ev, workflow.Fields{Measures: sp("清理杂物，划线警示"), ResponsiblePerson: sp("李建国"),
				ResponsiblePhone: sp("13800000000"), Deadline: sp("2026-12-31")}, "")
		case model.EventSubmit:
			_, err := f.engine.Evidence.Add(f.ctx, f.actors["ent"], h.ID, workflow.EvidenceInput{Kind: "document", Filename: "整改报告.pdf", Data: pdf})
			noErr(tb, err)
			h, err = f.engine.Hazards.Hazard(f.ctx, f.actors["ent"], h.ID)
			noErr(tb, err)
			h = f.fire(tb, "ent", h, ev, workflow.Fields{}, "已整改")
		case model.EventApprove:
			h = f.fire(tb, "donghu", h, ev, workflow.Fields{}, "整改到位")
		}
	}
	if h.State != s {
		tb.Fatalf("drove hazard to %s, want %s", h.State, s)
	}
	return h
}
