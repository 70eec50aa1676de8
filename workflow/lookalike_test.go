package workflow

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"hazardloop/model"
)

func codesOf(hs []SimilarHazard) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, h.Code)
	}
	return out
}

// TestSimilarTo: before a finding is sent, the open hazards it may repeat,
// by text and by place, only of the caller's territory and the chosen
// county; an enterprise only its own; coordinates checked in Chinese.
func TestSimilarTo(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ent := f.ents["donghu"]
		create := func(who, title, region string, lat, lng float64, entID *int64) HazardView {
			h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors[who], HazardInput{Title: title, RegionCode: region,
				Source: "supervisory_check", Latitude: fp(lat), Longitude: fp(lng), EnterpriseID: entID})
			noErr(t, err)
			return h
		}
		hA := create("donghu", "配电房电缆沟积水", "360102", 28.6800, 115.8900, &ent)
		hB := create("donghu", "厂区围墙开裂倾斜", "360102", 28.6810, 115.8905, nil) // ~120 m from A
		hC := create("xihu", "配电房电缆沟积水", "360103", 28.6800, 115.8900, nil)
		hD := create("donghu", "配电房电缆沟积水", "360102", 28.6800, 115.8900, nil)
		f.fire(t, "donghu", hD, model.EventDismiss, Fields{Reason: sp("不属实")}, "") // closed: never offered

		for _, c := range []struct {
			name, who string
			in        Probe
			want      []string
		}{
			{"same title", "donghu", Probe{Title: "配电房电缆沟积水", RegionCode: "360102"}, []string{hA.Code}},
			{"own region by default", "donghu", Probe{Title: "配电房 电缆沟积水！"}, []string{hA.Code}},
			{"near, other words", "donghu", Probe{Title: "水泵房漏水", Latitude: fp(28.6801), Longitude: fp(115.8901)}, []string{hA.Code, hB.Code}},
			{"far, other words", "donghu", Probe{Title: "水泵房漏水", Latitude: fp(28.70), Longitude: fp(115.89)}, []string{}},
			{"the other county's", "xihu", Probe{Title: "配电房电缆沟积水", Latitude: fp(28.68), Longitude: fp(115.89)}, []string{hC.Code}},
			{"a city, one county", "city", Probe{Title: "配电房电缆沟积水", RegionCode: "360103"}, []string{hC.Code}},
			{"the enterprise, its own", "ent", Probe{Title: "围墙开裂", Latitude: fp(28.6810), Longitude: fp(115.8905)}, []string{hA.Code}},
			{"another enterprise", "ent2", Probe{Title: "配电房电缆沟积水"}, []string{}},
			{"nothing typed", "donghu", Probe{}, []string{}},
		} {
			hs, err := f.engine.Hazards.SimilarTo(f.ctx, f.actors[c.who], c.in)
			noErr(t, err)
			if got := codesOf(hs); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v (%+v)", c.name, got, c.want, hs)
			}
		}
		hs, _ := f.engine.Hazards.SimilarTo(f.ctx, f.actors["donghu"], Probe{Title: "水泵房漏水", Latitude: fp(28.6801), Longitude: fp(115.8901)})
		if len(hs) != 2 || hs[0].DistanceM == nil || *hs[0].DistanceM > 20 || *hs[1].DistanceM < 100 || *hs[1].DistanceM > NearMeters {
			t.Errorf("distances: %+v", hs)
		}

		// A county supervisor never sees another county's hazards, even
		// when naming that county; a city must name a county.
		for _, c := range []struct {
			who   string
			in    Probe
			kind  Kind
			field string
		}{
			{"donghu", Probe{Title: "配电房电缆沟积水", RegionCode: "360103"}, KindForbidden, ""},
			{"officer", Probe{Title: "配电房电缆沟积水", RegionCode: "360000"}, KindForbidden, ""},
			{"city", Probe{Title: "配电房电缆沟积水"}, KindInvalid, "region_code"},
			{"donghu", Probe{Title: "x", Latitude: fp(91), Longitude: fp(115)}, KindInvalid, "latitude"},
			{"donghu", Probe{Title: "x", Latitude: fp(28), Longitude: fp(181)}, KindInvalid, "longitude"},
			{"donghu", Probe{Title: "x", Latitude: fp(28)}, KindInvalid, "longitude"},
		} {
			_, err := f.engine.Hazards.SimilarTo(f.ctx, f.actors[c.who], c.in)
			if kindOf(err) != c.kind {
				t.Errorf("%s %+v: %v, want kind %v", c.who, c.in, err, c.kind)
				continue
			}
			if c.field != "" {
				var we *Error
				if !asError(err, &we) || !hasHan(we.Fields[c.field]) {
					t.Errorf("%s %+v: fields %v, want a Chinese message on %s", c.who, c.in, err, c.field)
				}
			}
		}
		if _, err := f.engine.Hazards.SimilarTo(f.ctx, PublicActor, Probe{Title: "配电房电缆沟积水", RegionCode: "360102"}); kindOf(err) != KindForbidden {
			t.Errorf("the public: %v", err)
		}
	})
}

// TestReportPlaceAndNearby: a public report's coordinates become its
// hazard's (hidden from the enterprise); the public's hint is a count of the
// open hazards of public knowledge nearby, alike in words, without a title.
func TestReportPlaceAndNearby(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		_, h := f.report(t, ReportInput{Title: "后山山体开裂", Description: "村后山坡出现多条裂缝，雨后有碎石滚落",
			Latitude: fp(28.7000), Longitude: fp(115.9000)})
		if h.Latitude == nil || *h.Latitude != 28.7 || *h.Longitude != 115.9 {
			t.Fatalf("the report's place not carried to its hazard: %v, %v", h.Latitude, h.Longitude)
		}
		if _, err := f.engine.Reports.Submit(f.ctx, ReportInput{Title: "x", Description: "山坡出现裂缝", RegionCode: "360102", Address: "某村",
			Latitude: fp(95), Longitude: fp(115)}); kindOf(err) != KindInvalid || !strings.Contains(err.Error(), "纬度") {
			t.Errorf("a report at latitude 95: %v", err)
		}
		// Listed for the 东湖 enterprise: it sees the hazard, not where the
		// reporter's phone stood, neither on the hazard nor in its log.
		ent := f.ents["donghu"]
		hv, _ := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID)
		f.fire(t, "donghu", hv, model.EventConfirm, Fields{EnterpriseID: &ent}, "")
		seen, err := f.engine.Hazards.Hazard(f.ctx, f.actors["ent"], h.ID)
		noErr(t, err)
		evs, err := f.engine.Hazards.Events(f.ctx, f.actors["ent"], h.ID)
		noErr(t, err)
		b, _ := json.Marshal(struct {
			H HazardView
			E []model.HazardEvent
		}{seen, evs})
		if seen.Latitude != nil || strings.Contains(string(b), "115.9") {
			t.Errorf("the enterprise sees the reporter's place: %s", b)
		}
		if staff, _ := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID); staff.Latitude == nil {
			t.Error("staff lost the hazard's place")
		}
		// A supervisor's own finding at the same spot is not public knowledge.
		_, err = f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], HazardInput{Title: "后山山体开裂", RegionCode: "360102",
			Source: "supervisory_check", Latitude: fp(28.7001), Longitude: fp(115.9001)})
		noErr(t, err)

		for _, c := range []struct {
			name string
			in   Probe
			want int
		}{
			{"alike and near", Probe{Title: "山体开裂有落石", RegionCode: "360102", Latitude: fp(28.7005), Longitude: fp(115.9005)}, 1},
			{"a village below", Probe{Title: "山坡裂缝", RegionCode: "360102001001", Latitude: fp(28.7), Longitude: fp(115.9)}, 1},
			{"near, other words", Probe{Title: "路灯不亮", RegionCode: "360102", Latitude: fp(28.7), Longitude: fp(115.9)}, 0},
			{"alike, far", Probe{Title: "后山山体开裂", RegionCode: "360102", Latitude: fp(28.71), Longitude: fp(115.9)}, 0},
			{"another county", Probe{Title: "后山山体开裂", RegionCode: "360103", Latitude: fp(28.7), Longitude: fp(115.9)}, 0},
		} {
			hint, err := f.engine.Reports.Nearby(f.ctx, "198.51.100.7", c.in)
			noErr(t, err)
			if hint.Count != c.want || (c.want > 0) != strings.Contains(hint.Message, "您仍可提交") {
				t.Errorf("%s: %+v, want %d", c.name, hint, c.want)
			}
			b, _ := json.Marshal(hint)
			if strings.Contains(string(b), "后山") || strings.Contains(string(b), "YH-") || strings.Contains(string(b), "28.7") {
				t.Errorf("%s: the hint reveals a hazard: %s", c.name, b)
			}
		}
		for _, in := range []Probe{
			{Title: "山体开裂", RegionCode: "360102"},
			{Title: "山体开裂", RegionCode: "360100", Latitude: fp(28.7), Longitude: fp(115.9)},
			{Title: "山体开裂", RegionCode: "360102", Latitude: fp(-91), Longitude: fp(115.9)},
		} {
			if _, err := f.engine.Reports.Nearby(f.ctx, "198.51.100.7", in); kindOf(err) != KindInvalid {
				t.Errorf("%+v: %v, want invalid", in, err)
			}
		}
		// Limited per client, on its own counter: the intake is untouched.
		for i := 0; ; i++ {
			_, err := f.engine.Reports.Nearby(f.ctx, "198.51.100.8", Probe{Title: "山体开裂", RegionCode: "360102", Latitude: fp(28.7), Longitude: fp(115.9)})
			if kindOf(err) == KindRateLimited {
				if i != DefaultReportPolicy.HintPerWindow {
					t.Errorf("refused after %d hints, want %d", i, DefaultReportPolicy.HintPerWindow)
				}
				break
			}
			noErr(t, err)
		}
		noErr(t, f.engine.Reports.IntakeAllowed(f.ctx, "198.51.100.8"))
	})
}

// hasHan reports whether s holds a Chinese character: a message for users.
func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
