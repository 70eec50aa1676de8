package workflow

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hazardloop/blob"
	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// fixedNow is the tests' clock: 2026-11-28 10:00 in Asia/Shanghai.
var fixedNow = time.Date(2026, 11, 28, 10, 0, 0, 0, model.Shanghai)

// fixture is a small province on a real database: 江西省 > 南昌市 > 东湖区/西湖区,
// one enterprise in each county, and an actor of each kind.
type fixture struct {
	ctx    context.Context
	now    time.Time // the engine's clock; tests move it
	url    string
	store  *model.Store
	engine *Services
	ents   map[string]int64 // "donghu", "xihu"
	actors map[string]Actor // "admin", "province", "city", "donghu", "donghu2", "xihu", "officer", "ent", "ent2"
}

func newFixture(tb testing.TB, dialect string) *fixture {
	tb.Helper()
	url := modeltest.URL(tb, dialect)
	store := modeltest.OpenAt(tb, url)
	f := &fixture{ctx: context.Background(), now: fixedNow, url: url, store: store, ents: map[string]int64{}, actors: map[string]Actor{}}
	blobs, err := blob.NewDir(tb.TempDir())
	noErr(tb, err)
	f.engine = New(store, Options{Now: func() time.Time { return f.now }, Blobs: blobs, ReportKey: testKey})
	admin := Actor{Name: "admin", Role: model.RoleAdmin}
	f.actors["admin"] = admin
	for _, r := range []RegionInput{
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
		ent, err := f.engine.Directory.CreateEnterprise(f.ctx, admin, EnterpriseInput{
			Name: e.key + "公司", CreditCode: first + string(CreditCheckChar(first)), RegionCode: e.region, Industry: "工贸",
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
		in := UserInput{Username: u.key, Password: "password-" + u.key, Role: u.role, RegionCode: u.region}
		if u.ent != "" {
			id := f.ents[u.ent]
			in.EnterpriseID = &id
		}
		user, err := f.engine.Directory.CreateUser(f.ctx, admin, in)
		noErr(tb, err)
		f.actors[u.key] = ActorOf(user)
	}
	return f
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// pdf is the smallest file the evidence check takes for a document.
var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// proof uploads a document as proof of rectification by who, and returns the
// hazard at its new version.
func (f *fixture) proof(tb testing.TB, who string, h HazardView) HazardView {
	tb.Helper()
	_, err := f.engine.Evidence.Add(f.ctx, f.actors[who], h.ID, EvidenceInput{Kind: "document", Filename: "整改报告.pdf", Data: pdf})
	noErr(tb, err)
	h, err = f.engine.Hazards.Hazard(f.ctx, f.actors[who], h.ID)
	noErr(tb, err)
	return h
}

func noErr(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// hazard registers a general self-inspection hazard of the 东湖 enterprise.
func (f *fixture) hazard(tb testing.TB) HazardView {
	tb.Helper()
	h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["ent"], HazardInput{Title: "消防通道堆放杂物"})
	noErr(tb, err)
	return h
}

// major registers a major hazard of the 东湖 enterprise, found by a supervisor.
func (f *fixture) major(tb testing.TB) HazardView {
	tb.Helper()
	id := f.ents["donghu"]
	h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], HazardInput{
		Title: "反应釜紧急切断装置未投用", Level: "major", Source: "supervisory_check", EnterpriseID: &id})
	noErr(tb, err)
	return h
}

// fire applies ev with fields at the hazard's current version.
func (f *fixture) fire(tb testing.TB, who string, h HazardView, ev model.Event, fl Fields, comment string) HazardView {
	tb.Helper()
	out, err := f.engine.Hazards.Apply(f.ctx, f.actors[who], h.ID, EventInput{Event: ev, Version: h.Version, Comment: comment, Fields: fl})
	if err != nil {
		tb.Fatalf("%s by %s: %v", ev, who, err)
	}
	return out
}

func sp(s string) *string { return &s }

// planFields is a complete general plan.
func planFields() Fields {
	return Fields{Measures: sp("清理杂物，划线警示"), ResponsiblePerson: sp("李建国"), ResponsiblePhone: sp("13800000000"), Deadline: sp("2026-12-31")}
}

// toState drives a fresh general hazard to state.
func (f *fixture) toState(tb testing.TB, s model.State) HazardView {
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
			h = f.fire(tb, "donghu", h, ev, Fields{}, "")
		case model.EventPlan:
			h = f.fire(tb, "ent", h, ev, planFields(), "")
		case model.EventSubmit:
			h = f.proof(tb, "ent", h)
			h = f.fire(tb, "ent", h, ev, Fields{}, "已整改")
		case model.EventApprove:
			h = f.fire(tb, "donghu", h, ev, Fields{}, "整改到位")
		case model.EventDismiss:
			h = f.fire(tb, "donghu", h, ev, Fields{Reason: sp("不构成隐患")}, "")
		}
	}
	if h.State != s {
		tb.Fatalf("drove hazard to %s, want %s", h.State, s)
	}
	return h
}
