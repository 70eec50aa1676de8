package model

import (
	"testing"
	"time"
)

// The fast path reads what time.Parse reads, and declines what it cannot.
func TestParseSQLiteTime(t *testing.T) {
	layout := "2006-01-02 15:04:05.999999999-07:00"
	for _, s := range []string{
		"2026-11-28 10:00:00+00:00", "2026-07-01 05:40:37.429274+00:00", "2026-07-01 05:40:37.4+00:00",
		"2026-07-01 05:40:37.123456789+00:00", "0001-01-01 00:00:00+00:00", "2024-02-29 23:59:59.999+00:00",
	} {
		want, err := time.Parse(layout, s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseSQLiteTime(s)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseSQLiteTime(%q) = %v, %v; want %v", s, got, ok, want)
		}
		var c timeCell
		if err := c.Scan(s); err != nil || !time.Time(c).Equal(want) {
			t.Errorf("timeCell.Scan(%q) = %v, %v", s, time.Time(c), err)
		}
	}
	for _, s := range []string{"", "2026-11-28", "2026-11-28 10:00:00+08:00", "2026-11-28T10:00:00+00:00",
		"2026-02-30 10:00:00+00:00", "2026-13-01 10:00:00+00:00", "2026-11-28 10:00:00.+00:00",
		"2026-11-28 10:00:00.1234567890+00:00", "2026-11-28 1x:00:00+00:00", "2026-11-28 24:00:00+00:00"} {
		if got, ok := parseSQLiteTime(s); ok {
			t.Errorf("parseSQLiteTime(%q) = %v, want declined", s, got)
		}
	}
	// What the fast path declines, the layouts still read: other offsets too.
	var c timeCell
	if err := c.Scan("2026-11-28 18:00:00+08:00"); err != nil || !time.Time(c).Equal(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("offset time: %v %v", time.Time(c), err)
	}
	if err := c.Scan("yesterday"); err == nil {
		t.Error("nonsense scanned")
	}
}
