package handler_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/workflow"
)

// transferHazard is what these tests read of a hazard's transfer.
type transferHazard struct {
	ID              int64    `json:"id"`
	Version         int      `json:"version"`
	State           string   `json:"state"`
	Department      string   `json:"department"`
	RegionCode      string   `json:"region_code"`
	ReadOnly        bool     `json:"read_only"`
	Receiving       bool     `json:"receiving_transfer"`
	AllowedEvents   []string `json:"allowed_events"`
	TransferDecline string   `json:"transfer_declined"`
	Pending         *struct {
		ToDepartment string `json:"to_department"`
		ToRegionCode string `json:"to_region_code"`
		Reason       string `json:"reason"`
		DueOn        string `json:"due_on"`
		Overdue      bool   `json:"overdue"`
	} `json:"pending_transfer"`
}

func transferRead(c *client, id int64) transferHazard {
	c.t.Helper()
	var h transferHazard
	c.get(hazardPath(id)).want(http.StatusOK).decode(&h)
	return h
}

// transferLists is GET /transfers, by hazard id.
func transferLists(c *client) (incoming, outgoing, declined []int64) {
	c.t.Helper()
	var t struct {
		Incoming, Outgoing, Declined []struct {
			ID int64 `json:"id"`
		}
	}
	c.get("/api/v1/transfers").want(http.StatusOK).decode(&t)
	idsOf := func(xs []struct {
		ID int64 `json:"id"`
	}) []int64 {
		out := []int64{}
		for _, x := range xs {
			out = append(out, x.ID)
		}
		return out
	}
	return idsOf(t.Incoming), idsOf(t.Outgoing), idsOf(t.Declined)
}

func openByDepartment(t *testing.T, w *world, region string) map[string]int64 {
	t.Helper()
	open, _, err := w.store.DepartmentCounts(context.Background(), model.Scope{Region: region})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, c := range open {
		out[c.Key] = c.N
	}
	return out
}

// TestTransfer: a county's emergency bureau hands a hazard to the water
// department; until the water bureau answers nothing changes hands, the
// receiver sees it and may only accept or decline; a decline goes back to the
// sender with its reason; a region target must lie in the sender's city; the
// receiving county's water bureau accepts, and the hazard, its counts and its
// chain move with it.
func TestTransfer(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		addSupervisor(t, w, "shuili", "360102", model.DeptWater)
		addSupervisor(t, w, "xihushuili", "360103", model.DeptWater)
		addSupervisor(t, w, "lianxishuili", "360402", model.DeptWater)
		donghu, donghu2, shuili := w.as(t, "donghu"), w.as(t, "donghu2"), w.as(t, "shuili")
		xihu, xihushuili := w.as(t, "xihu"), w.as(t, "xihushuili")

		h := donghu.createHazard(obj{"title": "河道旁堆场挡墙开裂", "region_code": "360102", "industry": "工贸"})
		h = donghu.mustFire(h, "confirm", obj{"responsible_unit": "东湖堆场"})
		if got := transferRead(donghu, h.ID); got.Department != "emergency" || got.Pending != nil {
			t.Fatalf("before the transfer: %+v", got)
		}
		if open := openByDepartment(t, w, "360102"); open["emergency"] != 1 {
			t.Fatalf("counts before: %v", open)
		}

		// Refusals of the transfer itself, each naming its field.
		for _, c := range []struct {
			name   string
			fields obj
			field  string
		}{
			{"no target", obj{"reason": "x"}, "to_department"},
			{"no reason", obj{"to_department": "water"}, "reason"},
			{"unknown department", obj{"to_department": "police", "reason": "x"}, "to_department"},
			{"unknown region", obj{"to_region_code": "360199", "reason": "x"}, "to_region_code"},
			{"region beyond the city", obj{"to_region_code": "360402", "reason": "x"}, "to_region_code"},
			{"the same place", obj{"to_department": "emergency", "to_region_code": "360102", "reason": "x"}, "to_department"},
		} {
			donghu.fire(h, "transfer", c.fields).wantError(http.StatusBadRequest, "invalid_fields", c.field)
		}
		w.as(t, "officer").fire(h, "transfer", obj{"to_department": "water", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").fire(h, "transfer", obj{"to_department": "water", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")

		// To the water bureau of the same county.
		h = donghu.mustFire(h, "transfer", obj{"to_department": "water", "reason": "属河道管理范围，请水利部门处理"})
		got := transferRead(donghu, h.ID)
		if got.Department != "emergency" || got.Pending == nil || got.Pending.ToDepartment != "water" ||
			got.Pending.ToRegionCode != "360102" || got.Pending.DueOn != "2026-12-02" || got.Pending.Overdue {
			t.Fatalf("pending transfer: %+v %+v", got, got.Pending)
		}
		if !slices.Contains(got.AllowedEvents, "plan") || slices.Contains(got.AllowedEvents, "transfer") {
			t.Errorf("the sender keeps the hazard but cannot transfer it twice: %v", got.AllowedEvents)
		}
		donghu2.fire(h, "transfer", obj{"to_department": "housing", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		if row := deptList(donghu, "")[h.ID]; slices.Contains(row.AllowedEvents, "transfer") || !slices.Contains(row.AllowedEvents, "plan") {
			t.Errorf("the list row's allowed events %v, want plan and no second transfer", row.AllowedEvents)
		}
		// The receiver sees it, may only answer; another county's water bureau does not.
		got = transferRead(shuili, h.ID)
		if !got.Receiving || !got.ReadOnly || !slices.Equal(got.AllowedEvents, []string{"accept_transfer", "decline_transfer"}) {
			t.Errorf("the receiver reads: %+v", got)
		}
		e := shuili.fire(h, "plan", obj{"measures": "x", "responsible_unit": "x", "responsible_person": "x", "deadline": "2026-12-20"}).
			wantError(http.StatusForbidden, "forbidden")
		wantContains(t, "receiver's refusal", e.Message, "只能接收或退回")
		xihushuili.get(hazardPath(h.ID)).wantError(http.StatusForbidden, "forbidden")
		xihushuili.fire(h, "accept_transfer", nil).wantError(http.StatusForbidden, "forbidden")
		donghu2.fire(h, "accept_transfer", nil).wantError(http.StatusForbidden, "forbidden")
		if in, _, _ := transferLists(shuili); !slices.Equal(in, []int64{h.ID}) {
			t.Errorf("water's incoming: %v", in)
		}
		if in, out, _ := transferLists(donghu); len(in) != 0 || !slices.Equal(out, []int64{h.ID}) {
			t.Errorf("sender's lists: in %v out %v", in, out)
		}

		// Declined: back to the sender, who reads why.
		shuili.fire(h, "decline_transfer", nil).wantError(http.StatusBadRequest, "invalid_fields", "reason")
		h = shuili.mustFire(h, "decline_transfer", obj{"reason": "堆场不属水利工程，应由属地应急部门办理"})
		got = transferRead(donghu, h.ID)
		if got.Pending != nil || got.Department != "emergency" || got.TransferDecline != "堆场不属水利工程，应由属地应急部门办理" {
			t.Errorf("after the decline: %+v", got)
		}
		if _, _, declined := transferLists(donghu); !slices.Equal(declined, []int64{h.ID}) {
			t.Errorf("sender's declined: %v", declined)
		}
		shuili.get(hazardPath(h.ID)).wantError(http.StatusForbidden, "forbidden")

		// To the water bureau of the neighbouring county (both targets at once).
		h = donghu.mustFire(h, "transfer", obj{"to_department": "water", "to_region_code": "360103", "reason": "位于西湖区一侧"})
		if got = transferRead(donghu, h.ID); got.TransferDecline != "" {
			t.Errorf("a new transfer clears the old refusal: %q", got.TransferDecline)
		}
		xihu.fire(h, "accept_transfer", nil).wantError(http.StatusForbidden, "forbidden")   // emergency, not water
		shuili.fire(h, "accept_transfer", nil).wantError(http.StatusForbidden, "forbidden") // water, not 西湖区
		h = xihushuili.mustFire(h, "accept_transfer", obj{"comment": "已接收"})
		got = transferRead(xihushuili, h.ID)
		if got.Department != "water" || got.RegionCode != "360103" || got.Pending != nil || got.ReadOnly ||
			!slices.Contains(got.AllowedEvents, "plan") {
			t.Errorf("after the acceptance: %+v", got)
		}
		donghu.get(hazardPath(h.ID)).wantError(http.StatusForbidden, "forbidden")
		if _, ok := deptList(xihushuili, "")[h.ID]; !ok {
			t.Error("the receiver's list lacks the hazard")
		}
		if open := openByDepartment(t, w, "360102"); open["emergency"] != 0 || open["water"] != 0 {
			t.Errorf("东湖区's counts after: %v", open)
		}
		if open := openByDepartment(t, w, "360103"); open["water"] != 1 {
			t.Errorf("西湖区's counts after: %v", open)
		}

		// Every step in the chain, which still verifies.
		var evs []string
		for _, ev := range xihushuili.events(h.ID) {
			evs = append(evs, ev.Event)
		}
		want := []string{"create", "confirm", "transfer", "decline_transfer", "transfer", "accept_transfer"}
		if !slices.Equal(evs, want) {
			t.Errorf("log %v, want %v", evs, want)
		}
		last := xihushuili.events(h.ID)[5]
		if last.Payload["from_department"] != "emergency" || last.Payload["from_region_code"] != "360102" ||
			last.Payload["to_region_code"] != "360103" {
			t.Errorf("accept payload %v", last.Payload)
		}
		v := xihushuili.get(hazardPath(h.ID) + "/verify").want(http.StatusOK).object()
		if v["ok"] != true {
			t.Errorf("chain: %v", v)
		}
	})
}

// TestTransferOverdue: an answer late past --transfer-days working days is
// flagged on both sides and on the unreplied list, and recorded once as
// transfer_overdue (notified as transfer_pending) however many sweeps run; the
// hazard's end forgets a pending transfer.
func TestTransferOverdue(t *testing.T) {
	opts := workflow.Options{Webhooks: []string{"http://127.0.0.1:9/hook"}}
	eachDialectWith(t, opts, func(t *testing.T, w *world, eng *workflow.Services) {
		addSupervisor(t, w, "shuili", "360102", model.DeptWater)
		donghu := w.as(t, "donghu")
		h := donghu.createHazard(obj{"title": "泵站配电房漏雨", "region_code": "360102", "industry": "工贸"})
		h = donghu.mustFire(h, "confirm", obj{"responsible_unit": "泵站"})
		h = donghu.mustFire(h, "transfer", obj{"to_department": "water", "reason": "泵站属水利设施"})

		sweep := func(at time.Time) workflow.SweepResult {
			t.Helper()
			w.clock.Set(at)
			w.forgetLogins()
			res, err := eng.Supervision.SweepOnce(context.Background(), at)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		// Due on Wednesday 2 December (three working days from Saturday 28
		// November): not late that day.
		if res := sweep(day(2026, 12, 2)); res.Transfers != 0 {
			t.Fatalf("flagged on its due day: %+v", res)
		}
		if res := sweep(day(2026, 12, 3)); res.Transfers != 1 {
			t.Fatalf("not flagged the day after: %+v", res)
		}
		for range 2 {
			if res := sweep(day(2026, 12, 4)); res.Transfers != 0 {
				t.Fatalf("flagged twice: %+v", res)
			}
		}
		shuili := w.as(t, "shuili")
		donghu = w.as(t, "donghu")
		for name, c := range map[string]*client{"sender": donghu, "receiver": shuili} {
			if got := transferRead(c, h.ID); got.Pending == nil || !got.Pending.Overdue {
				t.Errorf("%s does not see it late: %+v", name, got)
			}
			var un struct {
				Transfers []struct {
					ID int64 `json:"id"`
				} `json:"transfers"`
			}
			c.get("/api/v1/escalations/unreplied").want(http.StatusOK).decode(&un)
			if len(un.Transfers) != 1 || un.Transfers[0].ID != h.ID {
				t.Errorf("%s's unreplied list: %+v", name, un)
			}
		}
		var kinds []string
		outbox, err := w.store.ListOutbox(context.Background(), false, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range outbox {
			if m.HazardID == h.ID {
				kinds = append(kinds, m.Kind)
			}
		}
		if n := count(kinds, "transfer_pending"); n != 1 || count(kinds, "transfer_requested") != 1 {
			t.Errorf("notifications %v, want one transfer_requested and one transfer_pending", kinds)
		}
		evs := donghu.events(h.ID)
		if last := evs[len(evs)-1]; last.Event != "transfer_overdue" || last.Role != "system" {
			t.Errorf("last event %+v", last)
		}

		// The end of the hazard forgets the transfer.
		h = donghu.hazard(h.ID)
		h = donghu.mustFire(h, "plan", obj{"measures": "修缮屋面", "responsible_unit": "泵站", "responsible_person": "李四", "deadline": "2026-12-20"})
		h = donghu.mustFire(h, "submit", nil)
		h = w.as(t, "donghu2").mustFire(h, "approve", obj{"comment": "已修缮"})
		if got := transferRead(donghu, h.ID); got.Pending != nil {
			t.Errorf("a written-off hazard keeps its transfer: %+v", got.Pending)
		}
		shuili.get(hazardPath(h.ID)).wantError(http.StatusForbidden, "forbidden")
	})
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}
