package demo

import (
	"context"
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// TestProvince: an empty database gets the accounts it prints and a hazard in
// every state, each with a valid chain; a second run says so and writes nothing.
func TestProvince(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			_, svc := newServices(t, d)
			var out strings.Builder
			noErr(t, Province(ctx, svc, &out))
			for _, want := range []string{"已生成演示数据（江西省）", Password, "sheng", "donghu", "qiye", "gangkou"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			admin := workflow.Actor{Name: "admin", Role: model.RoleAdmin}
			list := func() []workflow.HazardItem {
				p, err := svc.Hazards.List(ctx, admin, workflow.ListQuery{Limit: "200"})
				noErr(t, err)
				return p.Items
			}
			items := list()
			seen := map[model.State]bool{}
			for _, h := range items {
				seen[h.State] = true
				r, err := svc.Hazards.Verify(ctx, admin, h.ID)
				noErr(t, err)
				if !r.OK {
					t.Errorf("chain of %s broken: %+v", h.Code, r)
				}
			}
			for _, s := range model.States {
				if !seen[s] {
					t.Errorf("no hazard in state %s", s)
				}
			}
			// Disaster hazards of every type, with coordinates.
			for _, typ := range model.DisasterTypes {
				p, err := svc.Hazards.List(ctx, admin, workflow.ListQuery{DisasterType: string(typ)})
				noErr(t, err)
				if len(p.Items) == 0 {
					t.Errorf("no disaster hazard of type %s", typ)
				}
				for _, it := range p.Items {
					h, err := svc.Hazards.Hazard(ctx, admin, it.ID)
					noErr(t, err)
					if h.Latitude == nil || h.MonitorName == "" {
						t.Errorf("%s: no coordinates or monitor", h.Title)
					}
				}
			}
			out.Reset()
			noErr(t, Province(ctx, svc, &out))
			if got := out.String(); got != "演示数据已存在，跳过。\n" {
				t.Errorf("second run said %q", got)
			}
			if n := len(list()); n != len(items) {
				t.Errorf("second run: %d hazards, want %d", n, len(items))
			}
		})
	}
}
