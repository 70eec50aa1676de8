package handler_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

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
