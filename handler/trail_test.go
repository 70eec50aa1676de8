package handler_test

import (
	"bytes"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReporterTrailHiddenFromEnterprise: the entries about a public reporter
// (contact viewed, answer, reward) reach no view an enterprise gets — not the
// events, the hazard page, verify, the hazard's version, updated_at or chain
// position, nor its ledger — while staff see and verify the whole chain
// (workflow/redact.go).
func TestReporterTrailHiddenFromEnterprise(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, entA := w.as(t, "donghu"), w.as(t, "entA")
		f := w.file(t, aReport(obj{"description": "危化品仓库违规住人，消防通道堵塞", "contact_name": "赵六",
			"contact_phone": "13912340000", "wants_reward": true}))
		h := donghu.mustFire(donghu.hazard(f.hazard.ID), "confirm", obj{"enterprise_id": w.ents["A"].ID, "deadline": "2026-12-20"})
		id := h.ID

		type seen struct {
			hazard map[string]any
			events []event
			verify map[string]any
		}
		look := func() seen {
			var s seen
			s.hazard = entA.get(hazardPath(id)).want(http.StatusOK).object()
			s.events = entA.events(id)
			s.verify = entA.get(hazardPath(id) + "/verify").want(http.StatusOK).object()
			return s
		}
		before := look()
		staffBefore := donghu.hazard(id)

		rp := reportPath(f.report.ID)
		donghu.get(rp + "/contact").want(http.StatusOK)
		donghu.post(rp+"/answer", obj{"text": "经核查属实，已责令整改"}).want(http.StatusOK)
		donghu.post(rp+"/reward", obj{"fine": 20000}).want(http.StatusOK)

		// Staff: three more entries, an intact chain of all of them, the version and
		// updated_at unmoved, the chain head moved.
		staff := donghu.hazard(id)
		if staff.Version != staffBefore.Version || !staff.UpdatedAt.Equal(staffBefore.UpdatedAt) {
			t.Errorf("the trail moved the hazard: version %d → %d, updated_at %v → %v", staffBefore.Version, staff.Version, staffBefore.UpdatedAt, staff.UpdatedAt)
		}
		if staff.LastSeq != staffBefore.LastSeq+3 || staff.ChainHead == staffBefore.ChainHead || !hashPattern.MatchString(staff.ChainHead) {
			t.Errorf("staff chain position %d %q, before %d %q", staff.LastSeq, staff.ChainHead, staffBefore.LastSeq, staffBefore.ChainHead)
		}
		evs := donghu.events(id)
		var trail []string
		for _, ev := range evs {
			switch ev.Event {
			case "view_contact", "answer_reporter", "reward":
				trail = append(trail, ev.Event)
			}
		}
		if len(trail) != 3 {
			t.Errorf("staff see the trail %v, want three entries", trail)
		}
		v := donghu.get(hazardPath(id) + "/verify").want(http.StatusOK).object()
		if v["ok"] != true || v["events"] != float64(len(evs)) || v["head"] != staff.ChainHead {
			t.Errorf("staff verify %v", v)
		}

		// The enterprise: exactly what it saw before.
		after := look()
		if !reflect.DeepEqual(before, after) {
			t.Errorf("the enterprise's views changed with the trail:\nbefore %+v\nafter  %+v", before, after)
		}
		if _, ok := after.hazard["last_seq"]; ok {
			t.Errorf("enterprise sees last_seq: %v", after.hazard)
		}
		if _, ok := after.hazard["chain_head"]; ok {
			t.Errorf("enterprise sees chain_head: %v", after.hazard)
		}
		for i, ev := range after.events {
			if ev.Seq != int64(i+1) || ev.Hash != "" || ev.PrevHash != "" {
				t.Errorf("enterprise event %d: seq %d hash %q prev %q", i, ev.Seq, ev.Hash, ev.PrevHash)
			}
		}
		if len(after.events) != len(evs)-3 {
			t.Errorf("enterprise sees %d events, staff %d", len(after.events), len(evs))
		}
		if after.verify["ok"] != true || after.verify["events"] != float64(len(after.events)) || len(after.verify) != 2 {
			t.Errorf("enterprise verify %v, want only ok and the entries it sees", after.verify)
		}

		// The hazard page.
		p := newPageClient(t, w)
		p.login("entA")
		resp, body := p.do(http.MethodGet, "/hazards/"+strconv.FormatInt(id, 10), nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "办理记录") {
			t.Fatalf("enterprise hazard page: %d", resp.StatusCode)
		}
		for _, label := range []string{"查看举报人联系方式", "答复举报人", "举报奖励", "赵六"} {
			if strings.Contains(body, label) {
				t.Errorf("the enterprise's hazard page shows %s", label)
			}
		}
		sp := newPageClient(t, w)
		sp.login("donghu")
		if _, body := sp.do(http.MethodGet, "/hazards/"+strconv.FormatInt(id, 10), nil, nil); !strings.Contains(body, "查看举报人联系方式") {
			t.Errorf("the supervisor's hazard page lacks the contact viewing")
		}

		// The ledger: no chain head of this hazard in the enterprise's file.
		x, err := excelize.OpenReader(bytes.NewReader(entA.download("/api/v1/ledger.xlsx")))
		if err != nil {
			t.Fatal(err)
		}
		for _, sheet := range x.GetSheetList() {
			rows, _ := x.GetRows(sheet)
			for _, row := range rows {
				for _, cell := range row {
					if cell == staff.ChainHead || cell == staffBefore.ChainHead {
						t.Errorf("the enterprise's ledger (%s) carries the chain head", sheet)
					}
				}
			}
		}
		_ = x.Close()

		// The enterprise fires with the version it was shown.
		var version float64 = after.hazard["version"].(float64)
		entA.post(hazardPath(id)+"/events", obj{"event": "plan", "version": int(version),
			"measures": "清理仓库住人，疏通消防通道", "responsible_person": "李建国"}).want(http.StatusOK)
	})
}
