package handler_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
)

// addLocalBody adds 公园街道 and its 湖滨社区 below 东湖区, and an officer of the
// community ("vill").
func addLocalBody(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	for _, r := range []*model.Region{
		{Code: "360102001", Name: "公园街道", ParentCode: ptr("360102"), Level: model.RegionTownship, CreatedAt: start.UTC()},
		{Code: "360102001001", Name: "湖滨社区", ParentCode: ptr("360102001"), Level: model.RegionVillage, CreatedAt: start.UTC()},
	} {
		if err := w.store.CreateRegion(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	u := &model.User{Username: "vill", PasswordHash: fixtureHash(), DisplayName: "湖滨社区信息员", Role: model.RoleOfficer,
		RegionCode: ptr("360102001001"), Active: true, CreatedAt: start.UTC()}
	if err := w.store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
}

// TestPartyAPI: who rectifies over the API (#15) — registered with a
// village as the party, in the JSON; the refusals 400 naming each field in
// Chinese; the list's responsible_party_type=; the village's officer
// offered the plan as its own, a county supervisor only on its behalf.
func TestPartyAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		addLocalBody(t, w)
		donghu := w.as(t, "donghu")
		var created map[string]any
		donghu.post("/api/v1/hazards", obj{"title": "社区围墙开裂倾斜", "region_code": "360102001001", "source": "supervisory_check",
			"responsible_party_type": "village"}).want(http.StatusCreated).decode(&created)
		if created["responsible_party_type"] != "village" || created["responsible_region_code"] != "360102001001" {
			t.Errorf("created %v %v", created["responsible_party_type"], created["responsible_region_code"])
		}
		var refused struct {
			Error  string            `json:"error"`
			Fields map[string]string `json:"fields"`
		}
		for _, c := range []struct {
			body        obj
			field, says string
		}{
			{obj{"responsible_party_type": "company"}, "responsible_party_type", "整改责任主体类型只能是"},
			{obj{"responsible_party_type": "township", "responsible_region_code": "360102001001"}, "responsible_region_code", "应为9位区划代码"},
			{obj{"responsible_party_type": "village", "responsible_region_code": "360103001001"}, "responsible_region_code", "须在隐患所在区划"},
			{obj{"responsible_party_type": "owner"}, "responsible_unit", "产权人姓名"},
			{obj{"responsible_party_type": "enterprise"}, "responsible_party_type", "须关联生产经营单位"},
		} {
			body := obj{"title": "x", "region_code": "360102001", "source": "supervisory_check"}
			for k, v := range c.body {
				body[k] = v
			}
			refused.Fields = nil
			donghu.post("/api/v1/hazards", body).want(http.StatusBadRequest).decode(&refused)
			if !strings.Contains(refused.Fields[c.field], c.says) {
				t.Errorf("%v: %+v", c.body, refused)
			}
		}

		var p struct {
			Items []map[string]any `json:"items"`
		}
		donghu.get("/api/v1/hazards?responsible_party_type=village").want(http.StatusOK).decode(&p)
		if len(p.Items) != 1 || p.Items[0]["responsible_party_type"] != "village" {
			t.Errorf("responsible_party_type=village: %v", p.Items)
		}
		donghu.get("/api/v1/hazards?responsible_party_type=nobody").want(http.StatusBadRequest)

		id := int64(created["id"].(float64))
		var h hazard
		donghu.get(hazardPath(id)).want(http.StatusOK).decode(&h)
		donghu.fire(h, "confirm", obj{}).want(http.StatusOK).decode(&h)
		var mine, theirs map[string]any
		w.as(t, "vill").get(hazardPath(id)).want(http.StatusOK).decode(&mine)
		donghu.get(hazardPath(id)).want(http.StatusOK).decode(&theirs)
		has := func(v any, ev string) bool {
			l, _ := v.([]any)
			return slices.Contains(l, any(ev))
		}
		if !has(mine["primary_events"], "plan") || has(mine["on_behalf_events"], "plan") {
			t.Errorf("the community's officer: primary %v, on behalf %v", mine["primary_events"], mine["on_behalf_events"])
		}
		if !has(theirs["on_behalf_events"], "plan") || theirs["responsible_unit"] != "湖滨社区居民委员会" {
			t.Errorf("the county: on behalf %v, unit %v", theirs["on_behalf_events"], theirs["responsible_unit"])
		}
	})
}

// TestPartyLetters: a supervision letter on a community's landslide is
// addressed to its residents' committee and cites 《地质灾害防治条例》 (the
// category's law), on a department's own hazard to the county bureau citing
// the work-safety law, and on an owner's flood hazard to the owner by name
// citing 《中华人民共和国防洪法》 (#15, both engines).
func TestPartyLetters(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		addLocalBody(t, w)
		donghu := w.as(t, "donghu")
		for _, c := range []struct {
			body                  obj
			to, law, absent, dept string
		}{
			{obj{"title": "社区后山滑坡", "region_code": "360102001001", "category": "disaster", "disaster_type": "geological",
				"responsible_party_type": "village"}, "湖滨社区居民委员会", "《地质灾害防治条例》", "安全生产法", ""},
			{obj{"title": "公房外墙脱落", "region_code": "360102", "industry": "房屋", "responsible_party_type": "department"},
				"东湖区住房和城乡建设局", "《中华人民共和国安全生产法》", "地质灾害防治条例", "housing"},
			{obj{"title": "屋后山塘漫坝", "region_code": "360102001", "category": "disaster", "disaster_type": "flood",
				"responsible_party_type": "owner", "responsible_unit": "王某某"}, "王某某", "《中华人民共和国防洪法》", "安全生产法", ""},
		} {
			c.body["source"] = "supervisory_check"
			var h hazard
			donghu.post("/api/v1/hazards", c.body).want(http.StatusCreated).decode(&h)
			if c.dept == "" {
				c.dept = "emergency"
			}
			donghu.fire(h, "confirm", obj{"department": c.dept}).want(http.StatusOK).decode(&h)
			donghu.fire(h, "escalate", obj{"reason": "逾期未制定整改方案"}).want(http.StatusOK)
			var escs struct {
				Items []struct {
					ID        int64  `json:"id"`
					Addressee string `json:"addressee"`
				} `json:"items"`
			}
			donghu.get(hazardPath(h.ID) + "/escalations").want(http.StatusOK).decode(&escs)
			if len(escs.Items) != 1 || escs.Items[0].Addressee != c.to {
				t.Fatalf("%s: escalations %+v", c.body["title"], escs.Items)
			}
			status, page := rawGet(t, w, w.tokens["donghu"], "/api/v1/escalations/"+strconv.FormatInt(escs.Items[0].ID, 10)+"/document")
			if status != http.StatusOK || !strings.Contains(page, c.to+"：") || !strings.Contains(page, "根据"+c.law) || strings.Contains(page, c.absent) {
				t.Errorf("%s: %d, the letter does not address %s citing %s:\n%s", c.body["title"], status, c.to, c.law, page)
			}
		}
	})
}
