package regions

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

//go:embed jiangxi-counties.geojson
var jiangxiCounties []byte

// Outline is one county's shape: its code and name and its polygons, each a
// list of rings (the first the outer one), each ring a list of [lon, lat].
type Outline struct {
	Code     string
	Name     string
	Polygons [][][][2]float64
}

// Counties returns the shipped county outlines of 江西省 (see README.md for
// their source), parsed once; callers must not change them.
func Counties() ([]Outline, error) {
	countiesOnce.Do(func() { counties, countiesErr = parseOutlines(jiangxiCounties) })
	return counties, countiesErr
}

var (
	countiesOnce sync.Once
	counties     []Outline
	countiesErr  error
)

// parseOutlines reads a GeoJSON FeatureCollection of Polygon or MultiPolygon
// features with the properties code and name.
func parseOutlines(b []byte) ([]Outline, error) {
	var fc struct {
		Features []struct {
			Properties struct {
				Code string `json:"code"`
				Name string `json:"name"`
			} `json:"properties"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("regions: county outlines: %w", err)
	}
	out := make([]Outline, 0, len(fc.Features))
	for _, f := range fc.Features {
		o := Outline{Code: f.Properties.Code, Name: f.Properties.Name}
		switch f.Geometry.Type {
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &o.Polygons); err != nil {
				return nil, fmt.Errorf("regions: outline of %s: %w", o.Code, err)
			}
		case "Polygon":
			var p [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, fmt.Errorf("regions: outline of %s: %w", o.Code, err)
			}
			o.Polygons = [][][][2]float64{p}
		default:
			return nil, fmt.Errorf("regions: outline of %s is a %s", o.Code, f.Geometry.Type)
		}
		out = append(out, o)
	}
	return out, nil
}
