package handler_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"hazardloop/model"
)

// TestTerritoryFiveLevels: through the API, a village officer sees only the
// village, a township supervisor the township, a county and a city all of it;
// a parent that is not the code's prefix and a village supervisor are refused.
func TestTerritoryFiveLevels(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		for _, r := range []obj{
			{"code": "360102002", "name": "滕王阁街道", "parent_code": "360102"},
			{"code": "360102002001", "name": "民巷社区居委会", "parent_code": "360102002"},
			{"code": "360102002002", "name": "章江路社区居委会", "parent_code": "360102002"},
			{"code": "360102004", "name": "百花洲街道", "parent_code": "360102"},
			{"code": "360102004001", "name": "某社区居委会", "parent_code": "360102004"},
		} {
			admin.post("/api/v1/regions", r).want(http.StatusCreated)
		}
		var town struct {
			Level int `json:"level"`
		}
		w.as(t, "entA").get("/api/v1/regions?parent=360102").want(http.StatusOK)
		admin.post("/api/v1/regions", obj{"code": "360102006", "name": "墩子塘街道", "parent_code": "360102"}).
			want(http.StatusCreated).decode(&town)
		if town.Level != model.RegionTownship {
			t.Errorf("township level %d", town.Level)
		}
		for _, bad := range []obj{
			{"code": "360102002003", "name": "某社区", "parent_code": "360102"},
			{"code": "360102007", "name": "某街道", "parent_code": "360100"},
			{"code": "360103001001", "name": "某社区", "parent_code": "360102002"},
		} {
			admin.post("/api/v1/regions", bad).wantError(http.StatusBadRequest, "invalid_fields", "parent_code")
		}
		e := admin.post("/api/v1/users", obj{"username": "cunjian", "password": "password-cunjian", "role": "supervisor", "region_code": "360102002001"}).
			wantError(http.StatusBadRequest, "invalid_fields", "region_code")
		if e.Fields["region_code"] == "" {
			t.Errorf("no field message: %+v", e)
		}
		for _, u := range []struct{ name, role, region string }{
			{"village", "officer", "360102002001"},
			{"town", "supervisor", "360102002"},
		} {
			mu := &model.User{Username: u.name, PasswordHash: fixtureHash(), Role: model.Role(u.role), RegionCode: ptr(u.region), Active: true, CreatedAt: start.UTC()}
			if err := w.store.CreateUser(context.Background(), mu); err != nil {
				t.Fatal(err)
			}
		}

		sup := w.as(t, "donghu")
		ids := map[string]int64{}
		for _, region := range []string{"360102", "360102002", "360102002001", "360102002002", "360102004001"} {
			h := sup.createHazard(obj{"title": "隐患 " + region, "region_code": region})
			if h.RegionCode != region || h.Code[3:9] != "360102" {
				t.Errorf("hazard of %s: region %s code %s", region, h.RegionCode, h.Code)
			}
			ids[region] = h.ID
		}
		officer := w.as(t, "village")
		officer.createHazard(obj{"title": "民巷社区楼道堆物", "region_code": "360102002001"})
		officer.post("/api/v1/hazards", obj{"title": "别的社区", "region_code": "360102002002"}).want(http.StatusForbidden)

		regionsOf := func(user, query string) []string {
			t.Helper()
			var out []string
			for _, h := range w.as(t, user).list("limit=200&" + query).Items {
				out = append(out, h.RegionCode)
			}
			slices.Sort(out)
			return slices.Compact(out)
		}
		for _, tc := range []struct {
			user, query string
			want        []string
		}{
			{"village", "", []string{"360102002001"}},
			{"town", "", []string{"360102002", "360102002001", "360102002002"}},
			{"town", "region=360102002002", []string{"360102002002"}},
			{"donghu", "region=360102002", []string{"360102002", "360102002001", "360102002002"}},
			{"donghu", "region=360102004", []string{"360102004001"}},
			{"city", "", []string{"360102", "360102002", "360102002001", "360102002002", "360102004001"}},
			{"prov", "region=360102002001", []string{"360102002001"}},
			{"xihu", "", nil},
		} {
			if got := regionsOf(tc.user, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("%s ?%s: regions %v, want %v", tc.user, tc.query, got, tc.want)
			}
		}
		officer.get(hazardPath(ids["360102002002"])).want(http.StatusForbidden)
		w.as(t, "town").get(hazardPath(ids["360102004001"])).want(http.StatusForbidden)
		w.as(t, "town").get(hazardPath(ids["360102002001"])).want(http.StatusOK)
		// A township supervisor may confirm in the township, not reopen (county level or above).
		h := w.as(t, "town").hazard(ids["360102002"])
		w.as(t, "town").mustFire(h, "confirm", obj{"level": "general", "responsible_unit": "滕王阁街道农贸市场"})

		var users struct {
			Items []struct {
				Username string `json:"username"`
			} `json:"items"`
		}
		admin.get("/api/v1/users").want(http.StatusOK).decode(&users)
		if len(users.Items) < len(fixtureUsers)+2 {
			t.Errorf("users %+v", users.Items)
		}
	})
}

// TestRegionPickerEndpoints: children and search, public and signed in; the
// list without a query stays the whole table.
func TestRegionPickerEndpoints(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		for _, r := range []obj{
			{"code": "360102002", "name": "滕王阁街道", "parent_code": "360102"},
			{"code": "360102002001", "name": "民巷社区居委会", "parent_code": "360102002"},
			{"code": "360102002002", "name": "章江路社区居委会", "parent_code": "360102002"},
		} {
			admin.post("/api/v1/regions", r).want(http.StatusCreated)
		}
		type item struct {
			Code  string `json:"code"`
			Name  string `json:"name"`
			Level int    `json:"level"`
			Path  string `json:"path"`
		}
		codes := func(c *client, path string) ([]string, []item) {
			t.Helper()
			var out struct {
				Items []item `json:"items"`
			}
			c.get(path).want(http.StatusOK).decode(&out)
			var cs []string
			for _, it := range out.Items {
				cs = append(cs, it.Code)
			}
			return cs, out.Items
		}
		for _, c := range []*client{w.anon(t), w.as(t, "entA")} {
			prefix := "/api/v1/public/regions"
			if c.token != "" {
				prefix = "/api/v1/regions"
			}
			if got, _ := codes(c, prefix+"?parent=360102002"); !slices.Equal(got, []string{"360102002001", "360102002002"}) {
				t.Errorf("%s children %v", prefix, got)
			}
			if got, _ := codes(c, prefix+"?parent=360100"); !slices.Equal(got, []string{"360102", "360103"}) {
				t.Errorf("%s children of the city %v", prefix, got)
			}
			got, items := codes(c, prefix+"?q=社区")
			if !slices.Equal(got, []string{"360102002001", "360102002002"}) || items[0].Path != "江西省 南昌市 东湖区 滕王阁街道" || items[0].Level != 5 {
				t.Errorf("%s search %+v", prefix, items)
			}
			if got, _ := codes(c, prefix+"?q=3601020"); !slices.Equal(got, []string{"360102002", "360102002001", "360102002002"}) {
				t.Errorf("%s search by code %v", prefix, got)
			}
			if got, _ := codes(c, prefix+"?q=社区&limit=1"); len(got) != 1 {
				t.Errorf("%s limit=1 answered %v", prefix, got)
			}
			c.get(prefix+"?parent=36a").wantError(http.StatusBadRequest, "invalid_fields", "parent")
			c.get(prefix+"?q=").wantError(http.StatusBadRequest, "invalid_fields", "q")
		}
		if got, _ := codes(w.as(t, "entA"), "/api/v1/regions"); len(got) != len(fixtureRegions)+3 {
			t.Errorf("the whole list: %v", got)
		}
	})
}
