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
		// Townships and villages: a code's prefix is its parent.
		{"360102001", "360000", true},
		{"360102001", "360100", true},
		{"360102001", "360102", true},
		{"360102001", "360102001", true},
		{"360102001001", "360102", true},
		{"360102001001", "360102001", true},
		{"360102001001", "360102001001", true},
		{"360102002", "360102001", false},
		{"360102002001", "360102001", false},
		{"360102001002", "360102001001", false},
		{"360102", "360102001", false},
		{"360102001", "360102001001", false},
		{"360103001", "360102", false},
		{"360402100200", "360100", false},
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
	for code, level := range map[string]int{"360000": RegionProvince, "360100": RegionCity, "360102": RegionCounty, "110101": RegionCounty,
		"360102400": RegionTownship, "360102400200": RegionVillage} {
		if got := RegionLevelOf(code); got != level {
			t.Errorf("RegionLevelOf(%s) = %d, want %d", code, got, level)
		}
	}
}

func TestRegionLevels(t *testing.T) {
	for code, want := range map[string][4]string{
		"360102":       {"360000", "360100", "360102", ""},
		"360102001":    {"360000", "360100", "360102", "360102001"},
		"360102001001": {"360000", "360100", "360102", "360102001"},
		"3601":         {"", "", "", ""},
	} {
		p, c, co, tw := RegionLevels(code)
		if got := [4]string{p, c, co, tw}; got != want {
			t.Errorf("RegionLevels(%s) = %v, want %v", code, got, want)
		}
	}
	for code, ok := range map[string]bool{"360102": true, "360102001": true, "360102001001": true,
		"000000": false, "000000000": false, "36010": false, "3601020011": false, "36010a": false, "": false} {
		if ValidRegionCode(code) != ok {
			t.Errorf("ValidRegionCode(%q) = %v", code, !ok)
		}
	}
}
