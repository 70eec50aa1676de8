package model_test

import (
	"slices"
	"testing"
	"time"

	"hazardloop/model"
)

// TestEvidence: files read back in upload order; a withdrawal is recorded; proof
// of rectification counts after-photos and documents, not withdrawn, uploaded
// since the given time, of that hazard only.
func TestEvidence(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		other := w.hazard(t, "360103", nil)
		since := w.now
		add := func(hazard int64, kind string, at time.Duration) *model.Evidence {
			e := &model.Evidence{HazardID: hazard, Kind: kind, SHA256: "ab12", Size: 10, ContentType: "image/jpeg",
				Filename: kind + ".jpg", UploadedBy: &w.admin, UploaderRole: model.RoleAdmin, CreatedAt: since.Add(at)}
			noErr(t, w.s.CreateEvidence(w.ctx, e))
			return e
		}
		before := add(h.ID, model.EvidencePhotoBefore, time.Minute)   // not proof
		add(h.ID, model.EvidencePhotoAfter, -time.Minute)             // before since
		after := add(h.ID, model.EvidencePhotoAfter, 0)               // at since: counts
		doc := add(h.ID, model.EvidenceDocument, time.Hour)           // counts
		withdrawn := add(h.ID, model.EvidencePhotoAfter, 2*time.Hour) // withdrawn below
		add(other.ID, model.EvidencePhotoAfter, time.Hour)            // another hazard's
		if err := w.s.CreateEvidence(w.ctx, &model.Evidence{HazardID: h.ID, Kind: "video", SHA256: "x",
			ContentType: "video/mp4", UploaderRole: model.RoleAdmin, CreatedAt: w.now}); err == nil {
			t.Error("evidence of an unknown kind accepted")
		}

		n, err := w.s.CountProof(w.ctx, h.ID, since)
		if err != nil || n != 3 {
			t.Errorf("proof before the withdrawal %d, %v; want 3", n, err)
		}
		at := w.now.Add(3 * time.Hour)
		withdrawn.WithdrawnAt, withdrawn.WithdrawnBy, withdrawn.WithdrawReason = &at, &w.admin, "拍错了"
		withdrawn.Note = "not a withdrawal column"
		noErr(t, w.s.WithdrawEvidence(w.ctx, withdrawn))
		n, err = w.s.CountProof(w.ctx, h.ID, since)
		if err != nil || n != 2 {
			t.Errorf("proof after the withdrawal %d, %v; want 2 (%d, %d)", n, err, after.ID, doc.ID)
		}
		got, err := w.s.GetEvidence(w.ctx, withdrawn.ID)
		noErr(t, err)
		if got.WithdrawnAt == nil || !got.WithdrawnAt.Equal(at) || got.WithdrawReason != "拍错了" || got.Note != "" {
			t.Errorf("withdrawn evidence %+v", got)
		}
		es, err := w.s.ListEvidence(w.ctx, h.ID)
		noErr(t, err)
		if len(es) != 5 || es[0].ID != before.ID || !slices.IsSortedFunc(es, func(a, b model.Evidence) int { return int(a.ID - b.ID) }) {
			t.Errorf("ListEvidence %+v", es)
		}
		if e, err := w.s.GetEvidence(w.ctx, 999_999); e != nil || !errorsIsAny(err, model.ErrNotFound) {
			t.Errorf("missing evidence %+v, %v", e, err)
		}
	})
}
