package handler_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestTextRefusesTheInvisible: every text field goes through the one
// normalisation (workflow/input.go text): trimmed of whitespace, zero-width
// characters and byte-order marks, and refused with a control character or a
// bidirectional override; required fields refuse what is left empty. Long
// comments and unknown event names are bounded.
func TestTextRefusesTheInvisible(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, admin := w.as(t, "donghu"), w.as(t, "admin")
		for _, title := range []string{
			"\u200b\ufeff",  // zero-width and BOM
			"  \u2060 ",     // spaces and a word joiner
			"配电房\x00漏雨",     // NUL
			"配电房\x1b[31m漏雨", // escape
			"配电房\u202e雨漏",   // right-to-left override
		} {
			donghu.post("/api/v1/hazards", obj{"title": title, "region_code": "360102"}).wantError(http.StatusBadRequest, "invalid_fields", "title")
		}
		// Zero-width characters at the ends go; a line break in a description stays.
		h := donghu.createHazard(obj{"title": "\ufeff\u200b配电房漏雨\u200b ", "description": "第一行\n第二行", "region_code": "360102"})
		if h.Title != "配电房漏雨" || h.Description != "第一行\n第二行" {
			t.Errorf("stored %q / %q", h.Title, h.Description)
		}

		// Event fields and comments, the same way; a comment holds at most 2000 characters.
		donghu.fire(h, "confirm", obj{"deadline": "2026-12-20", "responsible_unit": "\u200b", "comment": "属实"}).
			wantError(http.StatusBadRequest, "invalid_fields", "responsible_unit")
		donghu.fire(h, "confirm", obj{"deadline": "2026-12-20", "responsible_unit": "某厂", "comment": "属\x00实"}).
			wantError(http.StatusBadRequest, "invalid_fields", "comment")
		e := donghu.fire(h, "confirm", obj{"deadline": "2026-12-20", "responsible_unit": "某厂", "comment": strings.Repeat("长", 2001)}).
			wantError(http.StatusBadRequest, "invalid_fields", "comment")
		if !strings.Contains(e.Fields["comment"], "2000") {
			t.Errorf("comment refusal %q", e.Fields["comment"])
		}
		if evs := donghu.events(h.ID); len(evs) != 1 {
			t.Errorf("%d events after refusals", len(evs))
		}
		h = donghu.mustFire(h, "confirm", obj{"deadline": "2026-12-20", "responsible_unit": "某厂", "comment": strings.Repeat("长", 2000)})

		// An unknown event is refused without its name.
		long := strings.Repeat("frobnicate", 10000)
		r := donghu.fire(h, long, obj{})
		e = r.wantError(http.StatusUnprocessableEntity, "event_not_allowed")
		if strings.Contains(string(r.body), "frobnicate") || len(r.body) > 1000 || len(e.Allowed) == 0 {
			t.Errorf("unknown event answered with %d bytes: %s", len(r.body), e.Message)
		}

		// Usernames.
		for _, name := range []string{"\u200b\ufeff", "ad\u200bmin", "ad\x00min", "ad min", "\u202eadmin", "a"} {
			admin.post("/api/v1/users", obj{"username": name, "password": "long-enough-pw", "role": "officer", "region_code": "360102"}).
				wantError(http.StatusBadRequest, "invalid_fields", "username")
		}
		u := admin.post("/api/v1/users", obj{"username": "\ufeffxinren\u200b", "password": "long-enough-pw", "role": "officer",
			"region_code": "360102", "display_name": "新人"}).want(http.StatusCreated).object()
		if u["username"] != "xinren" {
			t.Errorf("username stored as %q", u["username"])
		}
		admin.post("/api/v1/users", obj{"username": "xinren2", "password": "long-enough-pw", "role": "officer",
			"region_code": "360102", "display_name": "\x07"}).wantError(http.StatusBadRequest, "invalid_fields", "display_name")
		path := fmt.Sprintf("/api/v1/users/%v", u["id"])
		admin.do(http.MethodPatch, path, `null`).wantError(http.StatusBadRequest, "invalid_fields")
		admin.do(http.MethodPatch, path, obj{}).wantError(http.StatusBadRequest, "invalid_fields")
		admin.do(http.MethodPatch, path, obj{"display_name": "\u200b"}).want(http.StatusOK)

		// A public report needs a title that says something.
		for _, title := range []any{nil, "", "\u200b\ufeff", "钢瓶\x00"} {
			w.anon(t).reportFrom(freshAddr(), aReport(obj{"title": title})).wantError(http.StatusBadRequest, "invalid_fields", "title")
		}
	})
}
