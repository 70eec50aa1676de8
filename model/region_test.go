package model

import "testing"

func TestRegionTerritory(t *testing.T) {
	cases := []struct {
		code, region string
		within       bool
	}{
		{"360102", "360000", true},
		{"360102", "360100", true},
		{"360102", "360102", true},
		{"360103", "360102", false},
		{"360402", "360100", false},
		{"370102", "360000", false},
		{"360100", "360102", false},
	}
	for _, c := range cases {
		if got := Within(c.code, c.region); got != c.within {
			t.Errorf("Within(%s, %s) = %v", c.code, c.region, got)
		}
		lo, hi := RegionRange(c.region)
		if got := c.code >= lo && c.code <= hi; got != c.within {
			t.Errorf("RegionRange(%s) = %s..%s disagrees with Within for %s", c.region, lo, hi, c.code)
		}
	}
	for code, level := range map[string]int{"360000": RegionProvince, "360100": RegionCity, "360102": RegionCounty, "110101": RegionCounty} {
		if got := RegionLevelOf(code); got != level {
			t.Errorf("RegionLevelOf(%s) = %d, want %d", code, got, level)
		}
	}
}
