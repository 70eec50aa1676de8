package handler_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/regions"
	"hazardloop/workflow"
)

// TestCountyMap: the county map of the city's territory, drawn from the
// shipped outlines as well-formed SVG, each county a link coloured by its
// figure and the thresholds (here 1, 2, 3 open hazards); the province sees
// every county; an unknown metric or a region outside the territory is
// refused; the page shows the map and the table.
func TestCountyMap(t *testing.T) {
	opts := workflow.Options{MapThresholds: map[string][3]float64{"open": {1, 2, 3}}}
	eachDialectWith(t, opts, func(t *testing.T, w *world, _ *workflow.Services) {
		donghu, xihu := w.as(t, "donghu"), w.as(t, "xihu")
		for range 3 {
			donghu.createHazard(obj{"title": "东湖区隐患", "region_code": "360102"})
		}
		x := xihu.createHazard(obj{"title": "西湖区隐患", "region_code": "360103"})
		_ = x
		svg := func(c *client, query string) string {
			t.Helper()
			r := c.fetch("/api/v1/map/counties.svg?" + query).want(http.StatusOK)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") {
				t.Errorf("content type %q", ct)
			}
			d := xml.NewDecoder(bytes.NewReader(r.body))
			for {
				if _, err := d.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("not well-formed SVG: %v\n%.300s", err, r.body)
				}
			}
			return string(r.body)
		}
		city := svg(w.as(t, "city"), "metric=open")
		for _, want := range []string{
			`<a href="/hazards?region=360102"><path fill="#dc2626"`, // 3: red
			`<a href="/hazards?region=360103"><path fill="#facc15"`, // 1: yellow
			"东湖区：3", "西湖区：1", "≥ 3",
		} {
			if !strings.Contains(city, want) {
				t.Errorf("the city's map lacks %s", want)
			}
		}
		if strings.Contains(city, "360402") {
			t.Error("the city's map shows 濂溪区 of another city")
		}
		prov := svg(w.as(t, "prov"), "")
		if !strings.Contains(prov, `<a href="/hazards?region=360402"><path fill="#3b82f6"`) {
			t.Error("the province's map lacks 濂溪区 in blue")
		}
		rate := svg(w.as(t, "city"), "metric=rectification_rate")
		if !strings.Contains(rate, `region=360103"><path fill="#e5e7eb"`) || !strings.Contains(rate, "西湖区：无数据") {
			t.Error("a county with nothing confirmed is not grey, 无数据")
		}
		w.as(t, "city").get("/api/v1/map/counties.svg?metric=colour").wantError(http.StatusBadRequest, "invalid_fields", "metric")
		w.as(t, "city").get("/api/v1/map/counties.svg?region=360402").wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").get("/api/v1/map/counties.svg").wantError(http.StatusForbidden, "forbidden")

		p := newPageClient(t, w)
		p.login("city")
		resp, body := p.do(http.MethodGet, "/map?metric=open", nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<svg") || !strings.Contains(body, `id="counties"`) || !strings.Contains(body, "东湖区") {
			t.Errorf("/map: %d", resp.StatusCode)
		}
	})
}

// TestCountyMapDots: a hazard registered with coordinates keeps them (both or
// neither, in range, refused by field otherwise), and one county's map draws
// its open ones as dots linking to them — a major one larger — while a
// dismissed one, one without coordinates and the map of several counties
// draw none; a township's supervisor sees its county's shade but only its own
// hazards' dots. The page's finding form keeps a coordinate typed wrong.
func TestCountyMapDots(t *testing.T) {
	outlines, err := regions.Counties()
	if err != nil {
		t.Fatal(err)
	}
	// A point inside 东湖区's box: the middle of its outline's first ring.
	var lat, lng float64
	for _, o := range outlines {
		if o.Code == "360102" {
			ring := o.Polygons[0][0]
			for _, pt := range ring {
				lng, lat = lng+pt[0]/float64(len(ring)), lat+pt[1]/float64(len(ring))
			}
		}
	}
	if lat == 0 {
		t.Fatal("no outline of 东湖区")
	}
	eachDialect(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		dir := workflow.New(w.store, workflow.Options{}).Directory
		if _, err := dir.CreateRegion(ctx, workflow.Actor{Role: model.RoleAdmin}, workflow.RegionInput{Code: "360102100", Name: "扬子洲镇", ParentCode: "360102"}); err != nil {
			t.Fatal(err)
		}
		zhen := &model.User{Username: "zhen", PasswordHash: fixtureHash(), DisplayName: "扬子洲镇监管员", Role: model.RoleSupervisor,
			RegionCode: ptr("360102100"), Department: model.DeptEmergency, Active: true, CreatedAt: start.UTC()}
		if err := w.store.CreateUser(ctx, zhen); err != nil {
			t.Fatal(err)
		}
		donghu := w.as(t, "donghu")
		general := donghu.createHazard(obj{"title": "沿街商铺违规存放液化气钢瓶", "region_code": "360102", "latitude": lat, "longitude": lng})
		major := donghu.createHazard(obj{"title": "深基坑支护变形", "region_code": "360102", "level": "major", "latitude": lat + 0.001, "longitude": lng})
		township := donghu.createHazard(obj{"title": "镇区自建房切坡", "region_code": "360102100", "latitude": lat - 0.001, "longitude": lng})
		gone := donghu.createHazard(obj{"title": "已排除的疑似隐患", "region_code": "360102", "latitude": lat, "longitude": lng + 0.001})
		donghu.fire(gone, "dismiss", obj{"reason": "经核查不是隐患"}).want(http.StatusOK)
		nowhere := donghu.createHazard(obj{"title": "没有坐标的隐患", "region_code": "360102"})

		got := donghu.get(hazardPath(general.ID)).want(http.StatusOK).object()
		if got["latitude"] != lat || got["longitude"] != lng {
			t.Errorf("the hazard reads back at %v, %v; registered at %v, %v", got["latitude"], got["longitude"], lat, lng)
		}
		if g := donghu.get(hazardPath(nowhere.ID)).want(http.StatusOK).object(); g["latitude"] != nil {
			t.Errorf("a hazard without coordinates reads latitude %v", g["latitude"])
		}
		for _, tc := range []struct {
			body  obj
			field string
		}{
			{obj{"latitude": lat}, "longitude"},
			{obj{"longitude": lng}, "latitude"},
			{obj{"latitude": 95.0, "longitude": lng}, "latitude"},
			{obj{"latitude": lat, "longitude": -181.0}, "longitude"},
		} {
			tc.body["title"], tc.body["region_code"] = "坐标有误的隐患", "360102"
			donghu.post("/api/v1/hazards", tc.body).wantError(http.StatusBadRequest, "invalid_fields", tc.field)
		}

		dots := func(c *client, query string) map[int64]string {
			t.Helper()
			body := string(c.fetch("/api/v1/map/counties.svg?" + query).want(http.StatusOK).body)
			out := map[int64]string{}
			for _, m := range regexp.MustCompile(`<a href="/hazards/(\d+)"><circle class="dot" cx="[\d.]+" cy="[\d.]+" r="([\d.]+)"`).FindAllStringSubmatch(body, -1) {
				id, _ := strconv.ParseInt(m[1], 10, 64)
				out[id] = m[2]
			}
			return out
		}
		want := map[int64]string{general.ID: "4.5", major.ID: "7.0", township.ID: "4.5"}
		if got := dots(donghu, ""); !maps.Equal(got, want) {
			t.Errorf("东湖区's own map draws dots %v, want %v (id: radius)", got, want)
		}
		if got := dots(w.as(t, "city"), "region=360102"); !maps.Equal(got, want) {
			t.Errorf("the city's map of 东湖区 draws dots %v, want %v", got, want)
		}
		if got := dots(w.as(t, "city"), ""); len(got) != 0 {
			t.Errorf("the city's map of two counties draws dots %v", got)
		}
		if got := dots(w.as(t, "zhen"), ""); !maps.Equal(got, map[int64]string{township.ID: "4.5"}) {
			t.Errorf("扬子洲镇's supervisor sees dots %v, want only its own %d", got, township.ID)
		}

		p := newPageClient(t, w)
		csrf := p.login("donghu")
		if _, body := p.do(http.MethodGet, hazardPath(general.ID)[len("/api/v1"):], nil, nil); !strings.Contains(body, fmt.Sprintf("纬度 %.6f°，经度 %.6f°", lat, lng)) {
			t.Error("the hazard's page does not show its coordinates")
		}
		resp, body := p.do(http.MethodPost, "/hazards/new", url.Values{"csrf": {csrf}, "title": {"坐标填错的隐患"},
			"region_code": {"360102"}, "latitude": {"二十八"}, "longitude": {"115.9"}}, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="二十八"`) || !strings.Contains(body, `value="115.9"`) ||
			!strings.Contains(body, "纬度应为") {
			t.Errorf("a latitude typed wrong: %d, the form does not keep what was typed or say why", resp.StatusCode)
		}
	})
}
