package workflow

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"hazardloop/model"
)

// ReportPolicy holds the rules of the public channel that authorities configure.
type ReportPolicy struct {
	RewardRate      float64 // share of the fine paid as reward (0.15)
	RewardMin       float64 // yuan (3,000)
	RewardMax       float64 // yuan (300,000)
	AnswerDays      int     // the reporter hears the outcome within this many days of the check (10)
	CheckDays       int     // a report unchecked this many days after intake is flagged (30)
	CheckDaysMax    int     // … extendable with a reason up to this many (90)
	IntakePerWindow int     // reports one client may send per IntakeWindow (5)
	IntakeWindow    time.Duration
	HintPerWindow   int // duplicate hints (Reports.Nearby) one client may ask per IntakeWindow (60)
}

// DefaultReportPolicy follows the public-report reward rules (docs/design.md, README "Evidence and public reports").
var DefaultReportPolicy = ReportPolicy{
	RewardRate: 0.15, RewardMin: 3000, RewardMax: 300000,
	AnswerDays: 10, CheckDays: 30, CheckDaysMax: 90,
	IntakePerWindow: 5, IntakeWindow: time.Hour, HintPerWindow: 60,
}

// PublicActor is an anonymous reporter using the public channel.
var PublicActor = Actor{Name: "群众举报人", Role: model.RolePublic}

// ReportInput is a public report as the reporter sends it.
type ReportInput struct {
	Title        string          `json:"title"`
	Description  string          `json:"description"`
	RegionCode   string          `json:"region_code"`
	Address      string          `json:"address"`
	Latitude     *float64        `json:"latitude"`
	Longitude    *float64        `json:"longitude"`
	DiscoveredAt string          `json:"discovered_at"`
	ContactName  string          `json:"contact_name"`
	ContactPhone string          `json:"contact_phone"`
	WantsReward  bool            `json:"wants_reward"`
	Photos       []EvidenceInput `json:"-"`
	// Category and DisasterType: a citizen may say the danger is a natural
	// disaster's (a cracked slope, a leaking pond dam); what lies under
	// threat is for the officials who check it.
	Category     string `json:"category"`
	DisasterType string `json:"disaster_type"`
	ContactEmail string `json:"-"` // Open311's email; sealed with the rest
}

// MaxReportPhotos bounds the photos of one report.
const MaxReportPhotos = 6

// ReportReceipt is what the reporter gets back, once.
type ReportReceipt struct {
	TrackingCode string `json:"tracking_code"`
	Message      string `json:"message"`
}

// trackingAlphabet has 32 symbols that read aloud without confusion: no 0/O, no 1/I.
const trackingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// newTrackingCode returns 16 symbols (80 random bits) in groups of four.
func newTrackingCode() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(trackingAlphabet[x&31]) // 256 is a multiple of 32: no bias
	}
	return sb.String()
}

// normalizeCode accepts a code as people type it: any case, with or without
// dashes and spaces. ok is false if it cannot be a tracking code.
func normalizeCode(s string) (string, bool) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '　':
		case strings.ContainsRune(trackingAlphabet, r):
			sb.WriteRune(r)
		default:
			return "", false
		}
	}
	if sb.Len() != 16 {
		return "", false
	}
	c := sb.String()
	return c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16], true
}

func codeHash(code string) string {
	sum := sha256.Sum256([]byte("hazardloop-report:" + code))
	return hex.EncodeToString(sum[:])
}

// contact is what is sealed of a reporter.
type contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email,omitempty"` // given through Open311 only
}

func (e *core) aead() (cipher.AEAD, error) {
	if len(e.opts.ReportKey) != 32 {
		return nil, errors.New("workflow: report key must be 32 bytes")
	}
	block, err := aes.NewCipher(e.opts.ReportKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts a contact with AES-256-GCM, bound to the report's code hash.
func (e *core) seal(c contact, bind string) (string, error) {
	g, err := e.aead()
	if err != nil {
		return "", err
	}
	plain, _ := json.Marshal(c)
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(g.Seal(nonce, nonce, plain, []byte(bind))), nil
}

func (e *core) unseal(sealed, bind string) (contact, error) {
	var c contact
	g, err := e.aead()
	if err != nil {
		return c, err
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < g.NonceSize() {
		return c, errors.New("workflow: sealed contact is corrupt")
	}
	plain, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte(bind))
	if err != nil {
		return c, fmt.Errorf("workflow: unseal contact: %w", err)
	}
	return c, json.Unmarshal(plain, &c)
}

// RateLimit counts one request of key (already free of personal data, e.g. a hash
// of the client address) against limit per window; KindRateLimited with the time
// to wait when over. The count lives in the database, shared by all replicas.
func (e *Reports) RateLimit(ctx context.Context, key string, limit int, window time.Duration) error {
	now := e.now().UTC()
	start := now.Truncate(window)
	n, err := e.store.Hit(ctx, key, start)
	if err != nil {
		return err
	}
	if n == 1 {
		_ = e.store.ForgetWindowsBefore(ctx, start.Add(-window))
	}
	if n > int64(limit) {
		wait := start.Add(window).Sub(now)
		return &Error{Kind: KindRateLimited, Code: "rate_limited", Message: "提交过于频繁，请 " + waitText(wait) + "再试",
			RetryAfter: wait}
	}
	return nil
}

// waitText says in Chinese when a refused client may try again: "1 分钟后" at
// the least, in whole minutes rounded up, so the page never says "稍后" alone.
func waitText(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m < 1 {
		m = 1
	}
	return fmt.Sprintf("%d 分钟后", m)
}

// SubmitReport takes a public report: a hazard in state discovered with source
// public_report, its photos (location stripped), and the reporter's sealed
// contact. It returns the tracking code, which is shown once and kept only hashed.
func (e *Reports) Submit(ctx context.Context, in ReportInput) (ReportReceipt, error) {
	errs := fieldErrors{}
	desc := text(errs, "description", &in.Description, 2000)
	if utf8Len(desc) < 5 {
		errs.add("description", "请用至少5个字描述您发现的隐患")
	}
	title := text(errs, "title", &in.Title, 100)
	if title == "" {
		errs.add("title", "请用一句话简述隐患（隐患简述）")
	}
	address := text(errs, "address", &in.Address, 200)
	if address == "" {
		errs.add("address", "请填写隐患所在地址")
	}
	in.Latitude, in.Longitude = coordinates(errs, in.Latitude, in.Longitude)
	c := contact{Name: text(errs, "contact_name", &in.ContactName, 50), Phone: text(errs, "contact_phone", &in.ContactPhone, 20)}
	c.Email = text(errs, "email", &in.ContactEmail, 100)
	if c.Email != "" && (!strings.Contains(c.Email, "@") || strings.ContainsAny(c.Email, " <>")) {
		errs.add("email", "电子邮箱格式不正确")
	}
	if c.Phone != "" && !phonePattern.MatchString(c.Phone) {
		errs.add("contact_phone", "联系电话格式不正确")
	}
	if in.WantsReward && (c.Name == "" || c.Phone == "") {
		errs.add("contact_name", "申请举报奖励须实名，请填写姓名和联系电话")
	}
	if len(in.Photos) > MaxReportPhotos {
		errs.add("photos", fmt.Sprintf("照片最多%d张", MaxReportPhotos))
	}
	if err := errs.err(); err != nil {
		return ReportReceipt{}, err
	}
	var photos []*prepared
	for _, p := range in.Photos {
		p.Kind = model.EvidencePhotoBefore
		pp, err := e.prepare(ctx, p, true)
		if err != nil {
			return ReportReceipt{}, err
		}
		photos = append(photos, pp)
	}
	code := newTrackingCode()
	hash := codeHash(code)
	r := &model.Report{CodeHash: hash, Address: address, Latitude: in.Latitude, Longitude: in.Longitude,
		RealName: c.Name != "" && c.Phone != "", WantsReward: in.WantsReward, Reward: model.Reward{Status: model.RewardNone}}
	if c.Name != "" || c.Phone != "" || c.Email != "" {
		sealed, err := e.seal(c, hash)
		if err != nil {
			return ReportReceipt{}, err
		}
		r.ContactSealed = sealed
	}
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		// The reporter's coordinates are the hazard's place (the county map,
		// duplicate hints, the hazard page), kept on the report too. Where a
		// phone stood may be where its owner lives: an enterprise never sees
		// the place of a hazard reported by the public (Actor.Redact,
		// Actor.Log; 举报人保护).
		h, err := e.createIn(ctx, tx, PublicActor, HazardInput{Title: title, Description: desc, Source: string(model.SourcePublicReport),
			RegionCode: in.RegionCode, Location: address, DiscoveredAt: in.DiscoveredAt, Latitude: in.Latitude, Longitude: in.Longitude,
			DisasterInput: DisasterInput{Category: in.Category, DisasterType: in.DisasterType}})
		if err != nil {
			return err
		}
		now := e.Now()
		for _, p := range photos {
			if _, h, err = e.attach(ctx, tx, PublicActor, h, p, now); err != nil {
				return err
			}
		}
		r.HazardID, r.IntakeSeq, r.ReceivedAt = h.ID, h.LastSeq, now
		r.CheckDue = model.DateIn(now, model.Shanghai).AddDays(e.opts.Reports.CheckDays)
		return tx.CreateReport(ctx, r)
	})
	if err != nil {
		return ReportReceipt{}, err
	}
	return ReportReceipt{TrackingCode: code,
		Message: "举报已受理。请牢记查询码，它只显示这一次：凭查询码可随时查看办理进展。"}, nil
}

func utf8Len(s string) int { return len([]rune(s)) }

// PublicReportStatus is what a reporter sees with the tracking code: where the
// report stands, in plain Chinese, and nothing internal.
type PublicReportStatus struct {
	Status     string      `json:"status"` // received, checking, confirmed, rectified, not_substantiated
	StatusText string      `json:"status_text"`
	Merged     bool        `json:"merged"` // handled together with an earlier report of the same hazard
	Reason     string      `json:"reason,omitempty"`
	ReceivedOn model.Date  `json:"received_on"`
	UpdatedOn  model.Date  `json:"updated_on"`
	Answer     string      `json:"answer,omitempty"`
	Reward     *RewardNote `json:"reward,omitempty"`
}

// RewardNote tells a reporter about their reward.
type RewardNote struct {
	Status string   `json:"status"`
	Text   string   `json:"text"`
	Amount *float64 `json:"amount,omitempty"`
}

var statusWords = map[string]string{
	"received":          "已受理，等待核查",
	"checking":          "正在核查",
	"confirmed":         "经核查属实，已列入隐患清单，正在督促整改",
	"verifying":         "整改已完成，正在核实",
	"rectified":         "隐患已整改完毕，核实销号",
	"not_substantiated": "经核查不属实，不予立案",
}

// ReportStatus answers a reporter who gives the tracking code. KindNotFound for a
// code that is wrong or unknown (the two are not told apart).
func (e *Reports) Status(ctx context.Context, code string) (PublicReportStatus, error) {
	notFound := &Error{Kind: KindNotFound, Code: "not_found", Message: "查询码有误或不存在，请核对后重试"}
	code, ok := normalizeCode(code)
	if !ok {
		return PublicReportStatus{}, notFound
	}
	r, err := e.store.GetReportByCode(ctx, codeHash(code))
	if errors.Is(err, model.ErrNotFound) {
		return PublicReportStatus{}, notFound
	} else if err != nil {
		return PublicReportStatus{}, err
	}
	return e.progress(ctx, r)
}

// progress is where report r stands, as its reporter sees it.
func (e *Reports) progress(ctx context.Context, r *model.Report) (PublicReportStatus, error) {
	h, err := e.store.GetHazard(ctx, r.HazardID)
	if err != nil {
		return PublicReportStatus{}, err
	}
	out := PublicReportStatus{ReceivedOn: model.DateIn(r.ReceivedAt, model.Shanghai), Answer: r.Answer}
	// A report merged into another hazard follows that hazard's progress.
	for hops := 0; h.State == model.StateDismissed && h.DuplicateOf != nil && hops < 5; hops++ {
		if h, err = e.store.GetHazard(ctx, *h.DuplicateOf); err != nil {
			return PublicReportStatus{}, err
		}
		out.Merged = true
	}
	out.UpdatedOn = model.DateIn(h.UpdatedAt, model.Shanghai)
	switch h.State {
	case model.StateDiscovered:
		out.Status = "received"
		if h.ID != r.HazardID || h.LastSeq > r.IntakeSeq {
			out.Status = "checking"
		}
	case model.StateListed, model.StateRectifying:
		out.Status = "confirmed"
	case model.StateVerifying:
		out.Status = "verifying"
	case model.StateWrittenOff:
		out.Status = "rectified"
	case model.StateDismissed:
		out.Status = "not_substantiated"
		if out.Reason, err = e.dismissReason(ctx, h.ID); err != nil {
			return PublicReportStatus{}, err
		}
	}
	out.StatusText = statusWords[out.Status]
	if out.Merged {
		out.StatusText = "您的举报与已登记的同一隐患合并办理：" + out.StatusText
	}
	out.Reward = rewardNote(r)
	return out, nil
}

func (e *core) dismissReason(ctx context.Context, id int64) (string, error) {
	evs, err := e.store.ListEvents(ctx, id)
	if err != nil {
		return "", err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Event == model.EventDismiss {
			var p struct {
				Reason string `json:"reason"`
			}
			_ = json.Unmarshal([]byte(evs[i].Payload), &p)
			return p.Reason, nil
		}
	}
	return "", nil
}

func rewardNote(r *model.Report) *RewardNote {
	yuan := func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("¥%.2f", *v)
	}
	switch r.Reward.Status {
	case model.RewardEligible:
		return &RewardNote{Status: r.Reward.Status, Text: "您的实名举报经核查属实，符合奖励条件，奖励正在核定"}
	case model.RewardProposed:
		return &RewardNote{Status: r.Reward.Status, Text: "奖励金额已核定，正在审批"}
	case model.RewardApproved:
		return &RewardNote{Status: r.Reward.Status, Text: "已批准奖励" + yuan(r.Reward.Amount) + "，将通知您领取", Amount: r.Reward.Amount}
	case model.RewardPaid:
		return &RewardNote{Status: r.Reward.Status, Text: "奖励" + yuan(r.Reward.Amount) + "已发放", Amount: r.Reward.Amount}
	case model.RewardDeclined:
		return &RewardNote{Status: r.Reward.Status, Text: "经审核不予奖励：" + r.Reward.Note}
	}
	return nil
}

// onChecked runs when a hazard is confirmed or dismissed: the reports behind it
// count as checked (the clock for answering the reporter starts), and reward
// priority is settled.
func onChecked(c *change) {
	c.then = append(c.then, func() error {
		if err := c.tx.MarkReportsChecked(c.ctx, c.h.ID, c.now); err != nil {
			return err
		}
		target := c.h.ID
		if c.next.State == model.StateDismissed {
			if c.next.DuplicateOf == nil {
				return nil
			}
			target = *c.next.DuplicateOf
			dup, err := c.tx.GetHazard(c.ctx, target)
			if err != nil {
				return err
			}
			if dup.State == model.StateDiscovered {
				return nil // eligibility is settled when that hazard is confirmed
			}
		}
		return settleRewardPriority(c.ctx, c.tx, target)
	})
}

// settleRewardPriority makes the first real-name report asking for a reward,
// among those behind a confirmed hazard and those merged into it, the eligible
// one; a later one that was eligible loses that unless a reward is under way.
func settleRewardPriority(ctx context.Context, tx *model.Store, hazardID int64) error {
	rs, err := tx.ReportsOf(ctx, hazardID)
	if err != nil {
		return err
	}
	first := true
	for i := range rs {
		r := &rs[i]
		if !r.RealName || !r.WantsReward {
			continue
		}
		switch {
		case first && r.Reward.Status == model.RewardNone:
			r.Reward.Status = model.RewardEligible
		case !first && r.Reward.Status == model.RewardEligible:
			r.Reward.Status = model.RewardNone
		default:
			first = false
			continue
		}
		first = false
		if err := tx.UpdateReport(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// ReportQuery selects reports for staff: view is "", "unchecked", "owed" or
// "rewards".
type ReportQuery struct {
	View     string
	HazardID int64
}

// StaffReport is a report as staff see it in lists: never with the contact.
type StaffReport struct {
	model.ReportRow
	CheckOverdue bool        `json:"check_overdue"` // unchecked past its check deadline
	AnswerDue    *model.Date `json:"answer_due"`    // the outcome is owed by this day
	AnswerLate   bool        `json:"answer_late"`
}

func staffOnly(a Actor) error {
	if a.Role != model.RoleSupervisor && a.Role != model.RoleOfficer {
		return errForbidden("仅监管人员和信息员可以查看举报")
	}
	return nil
}

// Reports lists public reports in a's territory (supervisors and officers).
func (e *Reports) List(ctx context.Context, a Actor, q ReportQuery) ([]StaffReport, error) {
	if err := staffOnly(a); err != nil {
		return nil, err
	}
	f := model.ReportFilter{Scope: a.Scope(), HazardID: q.HazardID, Limit: 500}
	switch q.View {
	case "":
	case "unchecked":
		f.Unchecked = true
	case "owed":
		f.Owed = true
	case "rewards":
		f.Rewards = true
	default:
		return nil, errInvalid(map[string]string{"view": "view 只能是 unchecked、owed 或 rewards"})
	}
	rows, err := e.store.ListReports(ctx, f)
	if err != nil {
		return nil, err
	}
	today := e.Today()
	out := make([]StaffReport, 0, len(rows))
	for _, r := range rows {
		s := StaffReport{ReportRow: r}
		s.CheckOverdue = r.CheckedAt == nil && r.CheckDue.Before(today.Time)
		if r.CheckedAt != nil && r.AnsweredAt == nil {
			due := model.DateIn(*r.CheckedAt, model.Shanghai).AddDays(e.opts.Reports.AnswerDays)
			s.AnswerDue, s.AnswerLate = &due, due.Before(today.Time)
		}
		out = append(out, s)
	}
	return out, nil
}

// reportIn loads report id with its hazard, for a supervisor of its territory
// (officers too when officersToo).
func (e *core) reportIn(ctx context.Context, tx *model.Store, a Actor, id int64, officersToo bool) (*model.Report, *model.Hazard, error) {
	if a.Role != model.RoleSupervisor && !(officersToo && a.Role == model.RoleOfficer) {
		return nil, nil, errForbidden("仅监管人员可以办理此事项")
	}
	r, err := tx.GetReport(ctx, id)
	if err != nil {
		return nil, nil, notFoundOr("举报", err)
	}
	h, err := tx.LockHazard(ctx, r.HazardID)
	if err != nil {
		return nil, nil, err
	}
	if !a.Sees(h) {
		return nil, nil, errForbidden("该举报不在您的管辖范围内")
	}
	if a.ReadOnly(h) {
		return nil, nil, a.readOnlyRefusal(h)
	}
	return r, h, nil
}

// ReporterContact reveals a reporter's contact to a supervisor of the territory,
// and records the viewing in the hazard's log first.
func (e *Reports) Contact(ctx context.Context, a Actor, id int64) (map[string]string, error) {
	var c contact
	err := e.txChain(ctx, func(tx *model.Store) error {
		r, h, err := e.reportIn(ctx, tx, a, id, false)
		if err != nil {
			return err
		}
		if r.ContactSealed == "" {
			return &Error{Kind: KindNotFound, Code: "anonymous", Message: "该举报为匿名举报，未留联系方式"}
		}
		if c, err = e.unseal(r.ContactSealed, r.CodeHash); err != nil {
			return err
		}
		next := *h
		return e.commit(ctx, tx, a, h, &next, model.EventViewContact, "", map[string]any{"report_id": r.ID}, e.Now())
	})
	if err != nil {
		return nil, err
	}
	out := map[string]string{"name": c.Name, "phone": c.Phone}
	if c.Email != "" {
		out["email"] = c.Email
	}
	return out, nil
}

// ExtendCheck gives an unchecked report more time, up to CheckDaysMax after
// intake, with a reason.
func (e *Reports) ExtendCheck(ctx context.Context, a Actor, id int64, reason string) (*model.Report, error) {
	return e.updateReport(ctx, a, id, false, func(r *model.Report, _ *model.Hazard, now time.Time) (model.Event, map[string]any, error) {
		errs := fieldErrors{}
		reason = text(errs, "reason", &reason, 500)
		if reason == "" {
			errs.add("reason", "请填写延长核查期限的理由")
		}
		if err := errs.err(); err != nil {
			return "", nil, err
		}
		if r.CheckedAt != nil {
			return "", nil, &Error{Kind: KindConflict, Code: "already_done", Message: "该举报已核查完毕"}
		}
		r.CheckDue = model.DateIn(r.ReceivedAt, model.Shanghai).AddDays(e.opts.Reports.CheckDaysMax)
		r.CheckExtensionReason = reason
		return "", nil, nil
	})
}

// AnswerReporter records the answer given to the reporter (shown with their code).
func (e *Reports) Answer(ctx context.Context, a Actor, id int64, answer string) (*model.Report, error) {
	return e.updateReport(ctx, a, id, true, func(r *model.Report, _ *model.Hazard, now time.Time) (model.Event, map[string]any, error) {
		errs := fieldErrors{}
		answer = text(errs, "text", &answer, 2000)
		if answer == "" {
			errs.add("text", "请填写答复内容")
		}
		if err := errs.err(); err != nil {
			return "", nil, err
		}
		if r.CheckedAt == nil {
			return "", nil, &Error{Kind: KindNotAllowed, Code: "not_checked", Message: "举报尚未核查，核查后再答复举报人"}
		}
		r.Answer, r.AnsweredAt, r.AnsweredBy = answer, &now, actorID(a)
		return model.EventAnswerReporter, map[string]any{"report_id": r.ID}, nil
	})
}

// ProposeReward computes the reward of an eligible report from the fine (yuan)
// the supervisor records: the configured share, within the minimum and maximum.
func (e *Reports) ProposeReward(ctx context.Context, a Actor, id int64, fine float64) (*model.Report, error) {
	return e.updateReport(ctx, a, id, false, func(r *model.Report, _ *model.Hazard, now time.Time) (model.Event, map[string]any, error) {
		if math.IsNaN(fine) || fine < 0 || fine > 1e10 {
			return "", nil, errInvalid(map[string]string{"fine": "罚款金额应为不小于0的数额（元）"})
		}
		p := e.opts.Reports
		amount := math.Round(math.Min(math.Max(fine*p.RewardRate, p.RewardMin), p.RewardMax)*100) / 100
		if err := proposeReward(&r.Reward, a, amount, now, model.RewardEligible, "该举报不符合奖励条件或奖励已在办理"); err != nil {
			return "", nil, err
		}
		r.Fine = &fine
		return model.EventReward, map[string]any{"report_id": r.ID, "fine": fine, "amount": amount, "status": r.Reward.Status}, nil
	})
}

// DecideReward approves or declines a proposed reward: by a supervisor other than
// the one who proposed it.
func (e *Reports) DecideReward(ctx context.Context, a Actor, id int64, approve bool, note string) (*model.Report, error) {
	return e.updateReport(ctx, a, id, false, func(r *model.Report, _ *model.Hazard, now time.Time) (model.Event, map[string]any, error) {
		if err := decideReward(&r.Reward, a, approve, note, now); err != nil {
			return "", nil, err
		}
		return model.EventReward, map[string]any{"report_id": r.ID, "status": r.Reward.Status}, nil
	})
}

// MarkRewardPaid records that an approved reward was paid.
func (e *Reports) MarkRewardPaid(ctx context.Context, a Actor, id int64) (*model.Report, error) {
	return e.updateReport(ctx, a, id, false, func(r *model.Report, _ *model.Hazard, now time.Time) (model.Event, map[string]any, error) {
		if err := payReward(&r.Reward, now); err != nil {
			return "", nil, err
		}
		return model.EventReward, map[string]any{"report_id": r.ID, "status": r.Reward.Status}, nil
	})
}

// updateReport changes report id in one transaction; when change names an event,
// it is logged on the report's hazard.
func (e *core) updateReport(ctx context.Context, a Actor, id int64, officersToo bool,
	change func(r *model.Report, h *model.Hazard, now time.Time) (model.Event, map[string]any, error)) (*model.Report, error) {
	var out *model.Report
	err := e.txChain(ctx, func(tx *model.Store) error {
		r, h, err := e.reportIn(ctx, tx, a, id, officersToo)
		if err != nil {
			return err
		}
		now := e.Now()
		ev, payload, err := change(r, h, now)
		if err != nil {
			return err
		}
		if err := tx.UpdateReport(ctx, r); err != nil {
			return err
		}
		if ev != "" {
			next := *h
			if err := e.commit(ctx, tx, a, h, &next, ev, "", payload, now); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	return out, err
}

// IntakeAllowed applies the per-client limit of the public channel. The client
// address is keyed through an HMAC with the report key, so the counters keep no
// address a reader of the database could recover.
//
// The slot is taken before the report is read (so a flood is refused before its
// uploads are), and given back by IntakeRefund when the report is then refused:
// only accepted reports count, so a reporter's typing mistakes never lock them out.
func (e *Reports) IntakeAllowed(ctx context.Context, clientAddr string) error {
	p := e.opts.Reports
	return e.RateLimit(ctx, e.intakeKey(clientAddr), p.IntakePerWindow, p.IntakeWindow)
}

// IntakeRefund gives back the slot IntakeAllowed took for a report that was not
// accepted (refused as invalid, too large, or failed).
func (e *Reports) IntakeRefund(ctx context.Context, clientAddr string) {
	_ = e.store.Unhit(ctx, e.intakeKey(clientAddr), e.now().UTC().Truncate(e.opts.Reports.IntakeWindow))
}

func (e *Reports) intakeKey(clientAddr string) string {
	m := hmac.New(sha256.New, e.opts.ReportKey)
	m.Write([]byte("intake:" + clientAddr))
	return "intake:" + hex.EncodeToString(m.Sum(nil))[:32]
}
