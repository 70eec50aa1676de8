package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
)

func TestRemindDaysSetting(t *testing.T) {
	c, err := parseConfig("serve", nil, io.Discard)
	if err != nil || c.ladder.RemindDays != 3 {
		t.Fatalf("default: %+v, %v", c, err)
	}
	t.Setenv("HAZARDLOOP_REMIND_DAYS", "0")
	if c, err = parseConfig("serve", nil, io.Discard); err != nil || c.ladder.RemindDays != 0 {
		t.Fatalf("from the environment: %v, %v", c.ladder.RemindDays, err)
	}
	if c, err = parseConfig("serve", []string{"--remind-days", "5"}, io.Discard); err != nil || c.ladder.RemindDays != 5 {
		t.Fatalf("the flag wins: %v, %v", c.ladder.RemindDays, err)
	}
	for _, bad := range []string{"-1", "61", "soon"} {
		if _, err := parseConfig("serve", []string{"--remind-days", bad}, io.Discard); err == nil {
			t.Errorf("--remind-days %s was accepted", bad)
		}
	}
}

// TestSweepCommandReminds: `hazardloop sweep` reminds the hazards due soon, once,
// and not at all with --remind-days 0.
func TestSweepCommandReminds(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "remind.db")
	common := []string{"--database-url", db, "--data-dir", filepath.Join(dir, "data")}
	ctx := context.Background()
	if err := run(ctx, append([]string{"demo"}, common...), io.Discard, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	s, err := model.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	today := model.DateIn(time.Now(), time.FixedZone("CST", 8*3600))
	// Two open hazards due in two days; the demo may hold a few more in the window.
	if err := s.Exec(ctx, `UPDATE hazards SET deadline = ?, due_on = ?, next_step_on = NULL
		WHERE id IN (SELECT id FROM hazards WHERE state = 'rectifying' ORDER BY id LIMIT 2)`, today.AddDays(2), today.AddDays(2)); err != nil {
		t.Fatal(err)
	}
	var want int64
	if err := s.Raw(ctx, &want, `SELECT count(*) FROM hazards WHERE state IN ('listed', 'rectifying') AND due_on >= ? AND due_on <= ?`,
		today, today.AddDays(3)); err != nil {
		t.Fatal(err)
	}
	if want < 2 {
		t.Fatalf("%d hazards due soon", want)
	}
	sweep := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append(append([]string{"sweep"}, common...), args...), &out, io.Discard, nil); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if out := sweep("--remind-days", "0"); !strings.Contains(out, "期限临近提醒 0 条") {
		t.Errorf("with --remind-days 0: %s", out)
	}
	if out := sweep(); !strings.Contains(out, "期限临近提醒 "+strconv.FormatInt(want, 10)+" 条") {
		t.Errorf("want %d reminders: %s", want, out)
	}
	if out := sweep(); !strings.Contains(out, "期限临近提醒 0 条") {
		t.Errorf("a second sweep: %s", out)
	}
	var events int64
	if err := s.Raw(ctx, &events, "SELECT count(*) FROM hazard_events WHERE event = 'remind'"); err != nil || events != want {
		t.Errorf("%d remind events, want %d (%v)", events, want, err)
	}
}
