package handler

import (
	"testing"

	"hazardloop/regions"
	"hazardloop/workflow"
)

// BenchmarkDrawCountyMap draws the province's 99 counties (the SVG the map
// page and the API send), figures given.
func BenchmarkDrawCountyMap(b *testing.B) {
	outlines, err := regions.Counties()
	if err != nil {
		b.Fatal(err)
	}
	m := workflow.CountyMap{Metric: "open", Label: "在办隐患数", Thresholds: workflow.DefaultMapThresholds["open"]}
	for i, o := range outlines {
		m.Counties = append(m.Counties, workflow.CountyShade{Code: o.Code, Name: o.Name, Value: float64(i), Shade: workflow.ShadeYellow, Text: "1"})
	}
	for b.Loop() {
		if _, err := drawCountyMap(m); err != nil {
			b.Fatal(err)
		}
	}
}
