package main

import (
	"io"
	"testing"
	"time"

	"hazardloop/model"
)

// TestPatrolFlags: the patrol cycle's flags and their environment twins,
// and refusals of malformed ones.
func TestPatrolFlags(t *testing.T) {
	c, err := parseConfig("serve", nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Patrol; p.FloodDays != 7 || p.Days != 30 || p.SeasonFrom.Month != time.April || p.SeasonTo.Day != 30 || len(p.ByType) != 0 {
		t.Errorf("defaults: %+v", p)
	}
	t.Setenv("HAZARDLOOP_PATROL_DAYS_BY_TYPE", "geological=15,flood=3/20")
	c, err = parseConfig("serve", []string{"--patrol-days-flood", "5", "--flood-season", "05-01..10-15"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Patrol; p.FloodDays != 5 || p.SeasonFrom.Month != time.May || p.SeasonTo.Day != 15 ||
		p.ByType[model.DisasterGeological].Other != 15 || p.ByType[model.DisasterFlood].Flood != 3 {
		t.Errorf("given: %+v", p)
	}
	for _, bad := range [][]string{{"--patrol-days", "0"}, {"--flood-season", "04-01"}, {"--patrol-days-by-type", "volcano=3"}} {
		if _, err := parseConfig("serve", bad, io.Discard); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}
