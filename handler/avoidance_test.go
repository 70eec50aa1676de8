package handler_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// landslideBody is a disaster hazard of 东湖区 as its officer reports it.
func landslideBody(title string) obj {
	return obj{"title": title, "source": "officer_report", "location": "蔡家村后山", "region_code": "360102",
		"category": "disaster", "disaster_type": "geological", "subtype": "landslide",
		"threatened_households": 12, "threatened_people": 40, "threatened_property": 60,
		"monitor_name": "王群防", "monitor_phone": "13907910001", "evacuation_plan": "沿村道向东转移至村委会安置点",
		"latitude": 28.6843, "longitude": 115.8931}
}

// TestAvoidanceAPI: over HTTP on both engines, every answer held to the
// OpenAPI document: the avoidance event checked and refused on an accident
// hazard (422, in Chinese); the dashboard's count; the reward's two people
// (the proposer cannot approve; the bounds; paid only once approved); and
// each officer's own rewards, nobody else's.
func TestAvoidanceAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		k := &contract{t: t, doc: openAPI(t, w)}
		k.ops = documentOperations(k.doc)
		officer, donghu, donghu2 := w.as(t, "officer"), w.as(t, "donghu"), w.as(t, "donghu2")
		h := officer.createHazard(landslideBody("蔡家村后山滑坡体裂缝"))
		path := hazardPath(h.ID)
		k.do(donghu, "POST", path+"/events", obj{"event": "avoidance", "version": h.Version,
			"occurred_at": "2099-01-01T10:00", "what": "滑坡", "people_evacuated": 3, "casualties": 0}).
			wantError(http.StatusBadRequest, "invalid_fields", "occurred_at")
		k.do(donghu, "POST", path+"/events", obj{"event": "avoidance", "version": h.Version,
			"occurred_at": "2026-11-27T22:30", "what": "滑坡", "people_evacuated": -3}).
			wantError(http.StatusBadRequest, "invalid_fields", "people_evacuated", "casualties")
		var after hazard
		k.do(officer, "POST", path+"/events", obj{"event": "avoidance", "version": h.Version,
			"occurred_at": "2026-11-27T22:30:00+08:00", "what": "强降雨后滑坡体下滑，监测员提前组织转移", "people_evacuated": 38, "casualties": 0}).
			want(http.StatusOK).decode(&after)
		if after.State != "discovered" || after.Version != h.Version+1 {
			t.Errorf("after avoidance: %s v%d", after.State, after.Version)
		}
		acc := donghu.createHazard(obj{"title": "配电柜前未铺绝缘垫", "enterprise_id": w.ents["A"].ID})
		refusal := k.do(donghu, "POST", hazardPath(acc.ID)+"/events", obj{"event": "avoidance", "version": acc.Version,
			"occurred_at": "2026-11-27", "what": "x", "people_evacuated": 1, "casualties": 0}).wantError(http.StatusUnprocessableEntity, "event_not_allowed")
		if !strings.Contains(refusal.Message, "只适用于灾害隐患") {
			t.Errorf("refusal on an accident hazard: %q", refusal.Message)
		}
		// The dashboard's tile, in the territory.
		for who, want := range map[string]string{"donghu": "成功避险 1 次 / 转移 38 人", "xihu": "成功避险 0 次 / 转移 0 人"} {
			p := newPageClient(t, w)
			p.login(who)
			if _, body := p.do(http.MethodGet, "/stats", nil, nil); !strings.Contains(body, want) {
				t.Errorf("%s's dashboard lacks %q", who, want)
			}
		}

		var list struct {
			Avoidances []struct {
				ID      int64 `json:"id"`
				Rewards []struct {
					ID     int64  `json:"id"`
					Status string `json:"reward_status"`
				} `json:"rewards"`
			} `json:"avoidances"`
			Candidates []struct {
				UserID int64 `json:"user_id"`
			} `json:"candidates"`
		}
		k.do(donghu, "GET", path+"/avoidances", nil).want(http.StatusOK).decode(&list)
		if len(list.Avoidances) != 1 || len(list.Candidates) != 1 || list.Candidates[0].UserID != w.users["officer"].ID {
			t.Fatalf("avoidances %+v", list)
		}
		k.do(w.as(t, "entA"), "GET", path+"/avoidances", nil).want(http.StatusForbidden)
		rewards := fmt.Sprintf("/api/v1/avoidances/%d/rewards", list.Avoidances[0].ID)
		k.do(donghu, "POST", rewards, obj{"user_id": w.users["officer"].ID, "amount": 5001}).wantError(http.StatusBadRequest, "invalid_fields", "amount")
		k.do(donghu, "POST", rewards, obj{"user_id": w.users["officer2"].ID, "amount": 500}).wantError(http.StatusBadRequest, "invalid_fields", "user_id")
		k.do(officer, "POST", rewards, obj{"user_id": w.users["officer"].ID, "amount": 500}).want(http.StatusForbidden)
		var rw struct {
			ID     int64  `json:"id"`
			Status string `json:"reward_status"`
		}
		k.do(donghu, "POST", rewards, obj{"user_id": w.users["officer"].ID, "amount": 600}).want(http.StatusCreated).decode(&rw)
		reward := fmt.Sprintf("/api/v1/avoidance-rewards/%d", rw.ID)
		k.do(donghu2, "POST", reward+"/paid", nil).want(http.StatusUnprocessableEntity)
		k.do(donghu, "POST", reward+"/decision", obj{"approve": true}).want(http.StatusForbidden)
		k.do(donghu2, "POST", reward+"/decision", obj{"approve": true}).want(http.StatusOK).decode(&rw)
		k.do(donghu, "POST", reward+"/paid", nil).want(http.StatusOK).decode(&rw)
		if rw.Status != "paid" {
			t.Errorf("reward after payment: %+v", rw)
		}
		var mine struct {
			Items []struct {
				ID         int64  `json:"id"`
				HazardCode string `json:"hazard_code"`
				Status     string `json:"reward_status"`
			} `json:"items"`
		}
		k.do(officer, "GET", "/api/v1/rewards", nil).want(http.StatusOK).decode(&mine)
		if len(mine.Items) != 1 || mine.Items[0].ID != rw.ID || mine.Items[0].HazardCode != h.Code || mine.Items[0].Status != "paid" {
			t.Errorf("the officer's rewards: %+v", mine)
		}
		k.do(w.as(t, "officer2"), "GET", "/api/v1/rewards", nil).want(http.StatusOK).decode(&mine)
		if len(mine.Items) != 0 {
			t.Errorf("officer2 sees %+v", mine)
		}
		k.do(w.as(t, "entA"), "GET", "/api/v1/rewards", nil).want(http.StatusForbidden)
		// The enterprise never sees the reward entries in the log.
		for _, ev := range w.as(t, "entA").events(acc.ID) {
			if ev.Event == "avoidance_reward" {
				t.Errorf("entA sees %+v", ev)
			}
		}
	})
}
