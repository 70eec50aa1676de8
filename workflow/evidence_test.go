package workflow

import (
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/workflow/media"
)

// TestCanWithdrawIsWithdrawsRule: CanWithdraw says yes exactly where Withdraw
// takes the withdrawal: the uploader or a supervisor of the territory, while the
// file stands and the hazard is open.
func TestCanWithdrawIsWithdrawsRule(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.toState(t, model.StateRectifying)
		for _, c := range []struct {
			who  string
			want bool
		}{
			{"ent", true}, {"donghu", true}, {"city", true},
			{"officer", false}, {"xihu", false}, {"ent2", false}, {"admin", false},
		} {
			h = f.proof(t, "ent", f.hazardAt(t, h.ID))
			evs, err := f.engine.Evidence.List(f.ctx, f.actors["admin"], h.ID)
			noErr(t, err)
			ev := evs[len(evs)-1]
			a := f.actors[c.who]
			if got := CanWithdraw(a, &ev, h.Hazard); got != c.want {
				t.Errorf("CanWithdraw for %s: %v, want %v", c.who, got, c.want)
			}
			_, err = f.engine.Evidence.Withdraw(f.ctx, a, ev.ID, "传错了")
			if taken := err == nil; taken != c.want {
				t.Errorf("Withdraw by %s: %v, CanWithdraw said %v", c.who, err, c.want)
			}
			if c.want {
				evs, err = f.engine.Evidence.List(f.ctx, f.actors["admin"], h.ID)
				noErr(t, err)
				if CanWithdraw(a, &evs[len(evs)-1], f.hazardAt(t, h.ID).Hazard) {
					t.Errorf("%s may withdraw a withdrawn file again", c.who)
				}
			}
		}

		// A written-off hazard's files stay as they are.
		h = f.proof(t, "ent", f.hazardAt(t, h.ID))
		h = f.fire(t, "ent", h, model.EventSubmit, Fields{}, "已整改")
		h = f.fire(t, "donghu", h, model.EventApprove, Fields{}, "整改到位")
		evs, err := f.engine.Evidence.List(f.ctx, f.actors["admin"], h.ID)
		noErr(t, err)
		ev := evs[len(evs)-1]
		if CanWithdraw(f.actors["ent"], &ev, h.Hazard) {
			t.Error("the uploader may withdraw a file of a written-off hazard")
		}
		if _, err := f.engine.Evidence.Withdraw(f.ctx, f.actors["ent"], ev.ID, "传错了"); err == nil {
			t.Error("Withdraw took a file of a written-off hazard")
		}
	})
}

func TestCleanFilename(t *testing.T) {
	for _, tc := range []struct{ name, ct, want string }{
		{"a.html", media.PNG, "a.png"},
		{"IMG_0001.HEIC", media.HEIC, "IMG_0001.HEIC"},
		{"现场.jpeg", media.JPEG, "现场.jpeg"},
		{"现场.jpg", media.PNG, "现场.png"},
		{"report", media.PDF, "report.pdf"},
		{"", media.PDF, "材料.pdf"},
		{"../../etc/passwd", media.PDF, "passwd.pdf"},
		{`C:\Users\张三\"现场".docx`, media.DOCX, "现场.docx"},
		{"photo\u202egnp.exe", media.PNG, "photognp.png"},
		{"a\x00b\x1bc\x7f\u0085d\u200e\u2066.xlsx", media.XLSX, "abcd.xlsx"},
		{"\ufeff\u200b.pdf", media.PDF, "材料.pdf"},
		{strings.Repeat("长", 200) + ".pdf", media.PDF, strings.Repeat("长", 90) + ".pdf"},
	} {
		if got := cleanFilename(tc.name, tc.ct); got != tc.want {
			t.Errorf("cleanFilename(%q, %s) = %q, want %q", tc.name, tc.ct, got, tc.want)
		}
	}
}
