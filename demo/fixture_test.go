package demo

import (
	"context"
	"testing"
	"time"

	"hazardloop/blob"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// fixedNow is the tests' clock: 2026-11-28 10:00 in Asia/Shanghai.
var fixedNow = time.Date(2026, 11, 28, 10, 0, 0, 0, model.Shanghai)

// fixture is a small province in use on a real database, as workflow's tests
// have it: 江西省 > 南昌市 > 东湖区/西湖区, an enterprise in 东湖区, and the
// accounts the tests act as.
type fixture struct {
	ctx    context.Context
	store  *model.Store
	svc    *workflow.Services
	actors map[string]workflow.Actor // "admin", "province", "city", "donghu", "ent"
}

func forEachDialect(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newFixture(t, d)) })
	}
}

// newServices returns an empty, migrated database of dialect and the services
// over it, at fixedNow.
func newServices(tb testing.TB, dialect string) (*model.Store, *workflow.Services) {
	tb.Helper()
	store := modeltest.Open(tb, dialect)
	blobs, err := blob.NewDir(tb.TempDir())
	noErr(tb, err)
	return store, workflow.New(store, workflow.Options{Now: func() time.Time { return fixedNow }, Blobs: blobs})
}

func newFixture(tb testing.TB, dialect string) *fixture {
	tb.Helper()
	store, svc := newServices(tb, dialect)
	f := &fixture{ctx: context.Background(), store: store, svc: svc, actors: map[string]workflow.Actor{}}
	admin := workflow.Actor{Name: "admin", Role: model.RoleAdmin}
	f.actors["admin"] = admin
	for _, r := range []workflow.RegionInput{
		{Code: "360000", Name: "江西省"},
		{Code: "360100", Name: "南昌市", ParentCode: "360000"},
		{Code: "360102", Name: "东湖区", ParentCode: "360100"},
		{Code: "360103", Name: "西湖区", ParentCode: "360100"},
	} {
		_, err := svc.Directory.CreateRegion(f.ctx, admin, r)
		noErr(tb, err)
	}
	first := "91360102MA3000000"
	ent, err := svc.Directory.CreateEnterprise(f.ctx, admin, workflow.EnterpriseInput{
		Name: "donghu公司", CreditCode: first + string(workflow.CreditCheckChar(first)), RegionCode: "360102", Industry: "工贸"})
	noErr(tb, err)
	for _, u := range []struct{ key, role, region string }{
		{"province", "supervisor", "360000"},
		{"city", "supervisor", "360100"},
		{"donghu", "supervisor", "360102"},
		{"ent", "enterprise", ""},
	} {
		in := workflow.UserInput{Username: u.key, Password: "password-" + u.key, Role: u.role, RegionCode: u.region}
		if u.role == "enterprise" {
			in.EnterpriseID = &ent.ID
		}
		user, err := svc.Directory.CreateUser(f.ctx, admin, in)
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

func verifyOK(t *testing.T, f *fixture, id int64) {
	t.Helper()
	r, err := f.svc.Hazards.Verify(f.ctx, f.actors["admin"], id)
	noErr(t, err)
	if !r.OK {
		t.Fatalf("chain of hazard %d broken: %+v", id, r)
	}
}

// hazard registers a general self-inspection hazard of the 东湖 enterprise.
func (f *fixture) hazard(tb testing.TB) workflow.HazardView {
	tb.Helper()
	h, err := f.svc.Hazards.CreateHazard(f.ctx, f.actors["ent"], workflow.HazardInput{Title: "消防通道堆放杂物"})
	noErr(tb, err)
	return h
}

// major registers a major hazard of the 东湖 enterprise, found by a supervisor.
func (f *fixture) major(tb testing.TB) workflow.HazardView {
	tb.Helper()
	id := f.actors["ent"].EnterpriseID
	h, err := f.svc.Hazards.CreateHazard(f.ctx, f.actors["donghu"], workflow.HazardInput{
		Title: "反应釜紧急切断装置未投用", Level: "major", Source: "supervisory_check", EnterpriseID: &id})
	noErr(tb, err)
	return h
}

// fire applies ev with fields at the hazard's current version.
func (f *fixture) fire(tb testing.TB, who string, h workflow.HazardView, ev model.Event, fl workflow.Fields, comment string) workflow.HazardView {
	tb.Helper()
	out, err := f.svc.Hazards.Apply(f.ctx, f.actors[who], h.ID, workflow.EventInput{Event: ev, Version: h.Version, Comment: comment, Fields: fl})
	if err != nil {
		tb.Fatalf("%s by %s: %v", ev, who, err)
	}
	return out
}

// toState drives a fresh general hazard to state.
func (f *fixture) toState(tb testing.TB, s model.State) workflow.HazardView {
	tb.Helper()
	h := f.hazard(tb)
	path := map[model.State][]model.Event{
		model.StateDiscovered: {},
		model.StateListed:     {model.EventConfirm},
		model.StateRectifying: {model.EventConfirm, model.EventPlan},
		model.StateVerifying:  {model.EventConfirm, model.EventPlan, model.EventSubmit},
		model.StateWrittenOff: {model.EventConfirm, model.EventPlan, model.EventSubmit, model.EventApprove},
		model.StateDismissed:  {model.EventDismiss},
	}[s]
	for _, ev := range path {
		switch ev {
		case model.EventConfirm:
			h = f.fire(tb, "donghu", h, ev, workflow.Fields{}, "")
		case model.EventPlan:
			h = f.fire(tb, "ent", h, ev, workflow.Fields{Measures: sp("清理杂物，划线警示"), ResponsiblePerson: sp("李建国"),
				ResponsiblePhone: sp("13800000000"), Deadline: sp("2026-12-31")}, "")
		case model.EventSubmit:
			_, err := f.svc.Evidence.Add(f.ctx, f.actors["ent"], h.ID, workflow.EvidenceInput{Kind: "document", Filename: "整改报告.pdf", Data: demoPDF})
			noErr(tb, err)
			h, err = f.svc.Hazards.Hazard(f.ctx, f.actors["ent"], h.ID)
			noErr(tb, err)
			h = f.fire(tb, "ent", h, ev, workflow.Fields{}, "已整改")
		case model.EventApprove:
			h = f.fire(tb, "donghu", h, ev, workflow.Fields{}, "整改到位")
		case model.EventDismiss:
			h = f.fire(tb, "donghu", h, ev, workflow.Fields{Reason: sp("不构成隐患")}, "")
		}
	}
	if h.State != s {
		tb.Fatalf("drove hazard to %s, want %s", h.State, s)
	}
	return h
}
