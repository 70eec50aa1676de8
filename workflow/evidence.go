package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"hazardloop/model"
	"hazardloop/workflow/media"
)

// Blobs keeps evidence files by the hex SHA-256 of their content; blob.Dir and
// blob.S3 satisfy it.
type Blobs interface {
	Put(ctx context.Context, sum string, r io.Reader, size int64) error
	Open(ctx context.Context, sum string) (io.ReadCloser, error)
	Ping(ctx context.Context) error
}

// DefaultMaxUpload is the size limit of one evidence file.
const DefaultMaxUpload = 20 << 20

// EvidenceInput is one uploaded file.
type EvidenceInput struct {
	Kind     string
	Note     string
	Filename string
	Data     []byte
}

// EvidenceResult is a stored file and the hazard's version after its upload event.
type EvidenceResult struct {
	*model.Evidence
	HazardVersion int `json:"hazard_version"`
}

// errUnsupported is what a user hears about a file of the wrong kind.
var errUnsupported = errInvalid(map[string]string{"file": "不支持的文件类型：照片请用 JPG、PNG、WebP 或 HEIC，文件请用 PDF、Word（.docx）或 Excel（.xlsx）"})

// prepared is a file checked and made ready for storage, outside any transaction.
type prepared struct {
	kind, note, filename, contentType, sum string
	data                                   []byte
	capturedAt                             *time.Time
	public                                 bool
}

// prepare checks an upload by its content (never its name) and, for the public,
// strips location data from photos. It stores the bytes: content-addressed, so a
// file stored for a transaction that then fails costs nothing but space.
func (e *core) prepare(ctx context.Context, in EvidenceInput, public bool) (*prepared, error) {
	errs := fieldErrors{}
	switch in.Kind {
	case model.EvidencePhotoBefore, model.EvidencePhotoAfter, model.EvidenceDocument, model.EvidenceAssessment:
	default:
		errs.add("kind", "材料类别只能是 photo_before（整改前照片）、photo_after（整改后照片）、document（文件）或 assessment（评估报告）")
	}
	p := &prepared{kind: in.Kind, note: text(errs, "note", &in.Note, 500), public: public}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if len(in.Data) == 0 {
		return nil, errInvalid(map[string]string{"file": "请选择要上传的文件"})
	}
	if len(in.Data) > e.maxUpload() {
		return nil, &Error{Kind: KindTooLarge, Code: "too_large", Message: fmt.Sprintf("文件不能超过 %d MB", e.maxUpload()>>20)}
	}
	ct, err := media.Sniff(in.Data)
	if errors.Is(err, media.ErrUnsupported) {
		return nil, errUnsupported
	} else if err != nil {
		return nil, err
	}
	if in.Kind != model.EvidenceDocument && in.Kind != model.EvidenceAssessment && !media.IsPhoto(ct) {
		return nil, errInvalid(map[string]string{"file": "照片类材料须上传图片文件"})
	}
	p.contentType, p.data = ct, in.Data
	if t, ok := media.CaptureTime(ct, in.Data); ok {
		t = t.UTC().Truncate(time.Microsecond)
		p.capturedAt = &t
	}
	if public && media.IsPhoto(ct) {
		if ct == media.HEIC {
			return nil, errInvalid(map[string]string{"file": "请将照片以 JPG 或 PNG 格式上传"})
		}
		if p.data, err = media.StripLocation(ct, in.Data); err != nil {
			return nil, errInvalid(map[string]string{"file": "照片无法识别，请换一张重试"})
		}
	}
	p.filename = cleanFilename(in.Filename, ct)
	sum := sha256.Sum256(p.data)
	p.sum = hex.EncodeToString(sum[:])
	if e.opts.Blobs == nil {
		return nil, errors.New("workflow: no file storage configured")
	}
	if err := e.opts.Blobs.Put(ctx, p.sum, bytes.NewReader(p.data), int64(len(p.data))); err != nil {
		return nil, fmt.Errorf("workflow: store evidence: %w", err)
	}
	return p, nil
}

func (e *core) maxUpload() int {
	if e.opts.MaxUpload > 0 {
		return e.opts.MaxUpload
	}
	return DefaultMaxUpload
}

// MaxUpload is the size limit of one evidence file, for the HTTP layer's body limit.
func (e *Evidence) MaxUpload() int { return e.maxUpload() }

// cleanFilename is the name a file of contentType is stored and served under:
// a display name only (no directories), without control or format characters
// (a U+202E turns "gpj.exe" into "exe.jpg" on screen; see printable), at most
// 100 characters, and with the extension of what the file is, never the one
// it was uploaded with: a PNG sent as a.html is a.png.
func cleanFilename(name, contentType string) string {
	name = printable(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	name = strings.Map(func(r rune) rune {
		if r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	had, ext := filepath.Ext(name), media.Extension(contentType)
	stem := strings.TrimSpace(strings.TrimSuffix(name, had))
	if stem == "." || stem == "" {
		stem = "材料"
	}
	if strings.EqualFold(had, ext) || contentType == media.JPEG && strings.EqualFold(had, ".jpeg") {
		ext = had // IMG_0001.HEIC keeps its spelling
	}
	for utf8.RuneCountInString(stem) > 90 {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return stem + ext
}

// attach records a prepared file on hazard h inside tx and logs it in the chain.
func (e *core) attach(ctx context.Context, tx *model.Store, a Actor, h *model.Hazard, p *prepared, now time.Time) (*model.Evidence, *model.Hazard, error) {
	ev := &model.Evidence{
		HazardID: h.ID, Kind: p.kind, SHA256: p.sum, Size: int64(len(p.data)), ContentType: p.contentType,
		Filename: p.filename, Note: p.note, UploadedBy: actorID(a), UploaderRole: a.Role, FromPublic: p.public,
		CapturedAt: p.capturedAt, CreatedAt: now,
	}
	if err := tx.CreateEvidence(ctx, ev); err != nil {
		return nil, nil, err
	}
	next := *h
	payload := map[string]any{"evidence_id": ev.ID, "kind": ev.Kind, "sha256": ev.SHA256, "size": ev.Size, "content_type": ev.ContentType}
	if err := e.commit(ctx, tx, a, h, &next, model.EventEvidence, p.note, payload, now); err != nil {
		return nil, nil, err
	}
	return ev, &next, nil
}

// closedWords say that a closed hazard is closed: "隐患已销号" (State.Label is
// "已销号" itself: "隐患已" + label read "隐患已已销号").
var closedWords = map[model.State]string{model.StateWrittenOff: "已销号", model.StateDismissed: "不予立案"}

// mayAct reports whether a may add to or change the record of h: staff of its
// territory and its own enterprise, while the hazard is not closed.
func mayAct(a Actor, h *model.Hazard) error {
	switch {
	case !a.Sees(h):
		return errForbidden("该隐患不在您的管辖范围内")
	case a.ReadOnly(h):
		return a.readOnlyRefusal(h)
	case a.Role != model.RoleSupervisor && a.Role != model.RoleOfficer && a.Role != model.RoleEnterprise:
		return errForbidden(a.Role.Label() + "不能上传或撤回佐证材料")
	case h.State == model.StateWrittenOff || h.State == model.StateDismissed:
		return &Error{Kind: KindNotAllowed, Code: "hazard_closed", Message: "隐患" + closedWords[h.State] + "，不能再更改佐证材料"}
	}
	return nil
}

// AddEvidence stores a file on hazard id for a: checked by content, kept by its
// SHA-256, its capture time read from the photo, the upload logged in the chain.
func (e *Evidence) Add(ctx context.Context, a Actor, id int64, in EvidenceInput) (EvidenceResult, error) {
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return EvidenceResult{}, err
	}
	if err := mayAct(a, h); err != nil {
		return EvidenceResult{}, err
	}
	p, err := e.prepare(ctx, in, false)
	if err != nil {
		return EvidenceResult{}, err
	}
	var out EvidenceResult
	err = e.txChain(ctx, func(tx *model.Store) error {
		h, err := tx.LockHazard(ctx, id)
		if err != nil {
			return err
		}
		if err := mayAct(a, h); err != nil {
			return err
		}
		ev, next, err := e.attach(ctx, tx, a, h, p, e.Now())
		if err != nil {
			return err
		}
		out = EvidenceResult{Evidence: ev, HazardVersion: next.Version}
		return nil
	})
	return out, err
}

// Evidence lists the files of hazard id.
func (e *Evidence) List(ctx context.Context, a Actor, id int64) ([]model.Evidence, error) {
	if _, err := e.visible(ctx, a, id); err != nil {
		return nil, err
	}
	return e.store.ListEvidence(ctx, id)
}

// OpenEvidence returns file id's record and content, for whoever may see its
// hazard. The caller closes the reader.
func (e *Evidence) Open(ctx context.Context, a Actor, id int64) (*model.Evidence, io.ReadCloser, error) {
	ev, err := e.store.GetEvidence(ctx, id)
	if err != nil {
		return nil, nil, notFoundOr("佐证材料", err)
	}
	if _, err := e.visible(ctx, a, ev.HazardID); err != nil {
		return nil, nil, err
	}
	rc, err := e.opts.Blobs.Open(ctx, ev.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("workflow: open evidence %d: %w", id, err)
	}
	// A name stored before names were cleaned is cleaned on the way out.
	ev.Filename = cleanFilename(ev.Filename, ev.ContentType)
	return ev, rc, nil
}

// WithdrawEvidence marks file id withdrawn (never deleted): by its uploader or a
// supervisor of the territory, with a reason, logged in the chain.
func (e *Evidence) Withdraw(ctx context.Context, a Actor, id int64, reason string) (*model.Evidence, error) {
	errs := fieldErrors{}
	reason = text(errs, "reason", &reason, 500)
	if reason == "" {
		errs.add("reason", "请填写撤回理由")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	var out *model.Evidence
	err := e.txChain(ctx, func(tx *model.Store) error {
		ev, err := tx.GetEvidence(ctx, id)
		if err != nil {
			return notFoundOr("佐证材料", err)
		}
		h, err := tx.LockHazard(ctx, ev.HazardID)
		if err != nil {
			return err
		}
		if err := mayWithdraw(a, ev, h); err != nil {
			return err
		}
		now := e.Now()
		ev.WithdrawnAt, ev.WithdrawnBy, ev.WithdrawReason = &now, actorID(a), reason
		if err := tx.WithdrawEvidence(ctx, ev); err != nil {
			return err
		}
		next := *h
		out = ev
		return e.commit(ctx, tx, a, h, &next, model.EventWithdrawEvidence, "", map[string]any{"evidence_id": ev.ID, "reason": reason}, now)
	})
	return out, err
}

// mayWithdraw is the withdrawal rule: a may withdraw file ev of hazard h when a
// may change h's record (mayAct) and uploaded ev or supervises, and ev is not
// withdrawn yet. KindForbidden, KindNotAllowed or KindConflict say which part
// fails.
func mayWithdraw(a Actor, ev *model.Evidence, h *model.Hazard) error {
	if err := mayAct(a, h); err != nil {
		return err
	}
	if a.Role != model.RoleSupervisor && (ev.UploadedBy == nil || *ev.UploadedBy != a.ID) {
		return errForbidden("只有上传人或监管人员可以撤回佐证材料")
	}
	if ev.WithdrawnAt != nil {
		return &Error{Kind: KindConflict, Code: "already_done", Message: "该材料已撤回"}
	}
	return nil
}

// CanWithdraw reports whether a may withdraw file ev of hazard h now: the rule
// Withdraw applies, for a page to offer the withdrawal only where it would be
// taken.
func CanWithdraw(a Actor, ev *model.Evidence, h *model.Hazard) bool {
	return mayWithdraw(a, ev, h) == nil
}

// requireProof refuses submit until a proof of rectification (an after-photo or a
// document, not withdrawn) was added since the plan.
func requireProof(c *change) {
	since := c.h.CreatedAt
	if c.h.PlannedAt != nil {
		since = *c.h.PlannedAt
	}
	n, err := c.tx.CountProof(c.ctx, c.h.ID, since)
	if err != nil {
		c.err = err
		return
	}
	if n == 0 {
		c.errs.add("evidence", "提交整改前请上传至少一份整改后照片或整改证明文件")
	}
}
