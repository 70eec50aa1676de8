package workflow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hazardloop/metrics"
	"hazardloop/model"
)

// The workflow is a set of services over one store and one clock. Each
// service is a capability with the methods its handlers need; they share the
// core (the store, the clock, the options, the holiday calendars and the
// session cache), and with it the lifecycle's one way of changing a hazard
// (applyIn, commit), which use cases over the workflow (the ledger) reach
// through Hazards.InTx (tx.go). All state lives in the database: every service
// is safe for concurrent use.
type core struct {
	store    *model.Store
	now      func() time.Time
	opts     Options
	calendar atomic.Pointer[Calendar]
	sessions sessionCache
	regions  regionIndexCache // the divisions in memory, for the search by name
}

// Hazards is the lifecycle: register hazards, fire events, read, list, queue
// and count them.
type Hazards struct{ *core }

// Supervision is the ladder (督办): its sweep, documents, replies, the holiday
// calendars it counts working days with, and the public exposure board.
type Supervision struct{ *core }

// Reports is the public reporting channel (举报): intake, tracking codes, the
// staff's answers and the rewards.
type Reports struct{ *core }

// Evidence is the files attached to hazards.
type Evidence struct{ *core }

// Directory is regions, enterprises, accounts and sessions.
type Directory struct{ *core }

// Notifications is the outbox of messages (叫应) delivered after commit.
type Notifications struct{ *core }

// Services are the workflow's capabilities, made together by New over one
// store. The embedded core gives each the shared clock (Now, Today).
type Services struct {
	*core
	Hazards       *Hazards
	Supervision   *Supervision
	Reports       *Reports
	Evidence      *Evidence
	Directory     *Directory
	Notifications *Notifications
	Standards     *Catalogue
	Idempotency   *Idempotency
	Checkpoints   *Checkpoints
}

// Options tune the services; zero values take the defaults.
type Options struct {
	Now           func() time.Time      // the clock; time.Now by default
	SessionTTL    time.Duration         // how long a login lasts; 12h by default
	BcryptCost    int                   // 10 by default (the floor OWASP sets)
	Ladder        LadderPolicy          // DefaultLadder when its thresholds are zero
	Blobs         Blobs                 // where evidence files are kept
	MaxUpload     int                   // size limit of one evidence file; DefaultMaxUpload when zero
	ReportKey     []byte                // 32-byte AES key that seals reporters' contacts
	Reports       ReportPolicy          // DefaultReportPolicy when its rate is zero
	Metrics       *metrics.Set          // optional
	Webhooks      []string              // where notifications go (none: no outbox rows)
	WebhookSecret []byte                // signs them
	Slow          SlowPolicy            // when a region or department is slow; DefaultSlowPolicy when zero
	MapThresholds map[string][3]float64 // the county map's cuts per metric, over DefaultMapThresholds
	SignIn        SignInPolicy          // when sign-in is refused for guessing; DefaultSignIn when zero
	Signer        note.Signer           // signs the log's checkpoints (none: no checkpoints)
	VerifierKey   string                // Signer's verifier key, note's text form
	Disaster      DisasterPolicy        // when a disaster hazard is suggested major; DefaultDisasterPolicy when zero
	Patrol        PatrolPolicy          // disaster hazards' patrol cycle; DefaultPatrolPolicy when its days are zero
}

// New returns the services over store.
func New(store *model.Store, o Options) *Services {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.SignIn.AccountFailures <= 0 {
		o.SignIn = DefaultSignIn
	}
	if o.BcryptCost < 10 {
		o.BcryptCost = 10
	}
	if o.Patrol.FloodDays <= 0 || o.Patrol.Days <= 0 {
		byType := o.Patrol.ByType
		o.Patrol = DefaultPatrolPolicy
		o.Patrol.ByType = byType
	}
	if o.Patrol.SeasonFrom.Month == 0 {
		o.Patrol.SeasonFrom, o.Patrol.SeasonTo = DefaultPatrolPolicy.SeasonFrom, DefaultPatrolPolicy.SeasonTo
	}
	if o.Ladder.General[0] == 0 {
		o.Ladder = DefaultLadder
	}
	if o.Ladder.TransferDays <= 0 {
		o.Ladder.TransferDays = DefaultTransferDays
	}
	if o.Ladder.VerifyDays <= 0 {
		o.Ladder.VerifyDays = DefaultVerifyDays
	}
	if o.Ladder.ResumeReviewDays <= 0 {
		o.Ladder.ResumeReviewDays = DefaultResumeReviewDays
	}
	if o.Disaster.MajorPeople <= 0 && o.Disaster.MajorProperty <= 0 {
		o.Disaster.MajorPeople, o.Disaster.MajorProperty = DefaultDisasterPolicy.MajorPeople, DefaultDisasterPolicy.MajorProperty
	}
	if o.Disaster.RewardMax <= 0 {
		o.Disaster.RewardMin, o.Disaster.RewardMax = DefaultDisasterPolicy.RewardMin, DefaultDisasterPolicy.RewardMax
	}
	if o.Reports.RewardRate == 0 {
		o.Reports = DefaultReportPolicy
	}
	if o.Reports.HintPerWindow == 0 {
		o.Reports.HintPerWindow = DefaultReportPolicy.HintPerWindow
	}
	e := &core{store: store, now: o.Now, opts: o}
	store.SetInbox(fanOut)
	shipped, err := ShippedCalendars()
	if err != nil {
		panic(err) // the embedded files are checked by tests; this cannot happen in a build
	}
	e.calendar.Store(NewCalendar(shipped...))
	return &Services{core: e, Hazards: &Hazards{e}, Supervision: &Supervision{e}, Reports: &Reports{e},
		Evidence: &Evidence{e}, Directory: &Directory{e}, Notifications: &Notifications{e}, Standards: &Catalogue{e},
		Checkpoints: &Checkpoints{e}, Idempotency: &Idempotency{e}}
}

// Now is the services' clock, in UTC with the microseconds both databases keep.
func (e *core) Now() time.Time { return e.now().UTC().Truncate(time.Microsecond) }

// Today is the current calendar day in Asia/Shanghai.
func (e *core) Today() model.Date { return model.DateIn(e.now(), model.Shanghai) }

// MaxComment is the longest comment an event takes, in characters: it is kept
// for good in the append-only log.
const MaxComment = 2000

// HazardView is a hazard as a caller sees it: with its derived overdue flag,
// the events the caller may fire now, and whether the caller sees it only
// through the shared major-hazard register (read_only: no events).
type HazardView struct {
	*model.Hazard
	Overdue       bool          `json:"overdue"`
	ReadOnly      bool          `json:"read_only"`
	AllowedEvents []model.Event `json:"allowed_events"`
	// PrimaryEvents are those of AllowedEvents the caller's role is expected
	// to take now; OnBehalfEvents those it may take only for the party that
	// rectifies (代为, a reason required in the comment). See Offer.
	PrimaryEvents  []model.Event `json:"primary_events"`
	OnBehalfEvents []model.Event `json:"on_behalf_events"`
	// PendingTransfer is the transfer waiting for its receiver (移交), null
	// when none; Receiving says the caller is that receiver.
	PendingTransfer *model.Transfer `json:"pending_transfer"`
	Receiving       bool            `json:"receiving_transfer"`
	// ListedBy is the level and region of its listed supervision (挂牌督办),
	// null when it is not under it.
	ListedBy *model.ListedBy `json:"listed_by"`
	// VerifyDue is the last day its submission may wait for verification
	// (while verifying), VerifyOverdue that the day has passed (核实超时).
	VerifyDue     *model.Date `json:"verify_due,omitempty"`
	VerifyOverdue bool        `json:"verify_overdue"`
	// Suspension is the standing suspension order (停产停业) and the request
	// to resume waiting for review, null when no order stands.
	Suspension *model.Suspension `json:"suspension"`
	// BasisCatalogued says whether the basis of grading cites the catalogue
	// of criteria (false: 未收录); absent while the hazard names no basis.
	BasisCatalogued *bool `json:"basis_catalogued,omitempty"`
	// SuggestedLevel is the grade a disaster hazard's threat suggests
	// (DisasterPolicy), the default of the grade when it is listed; absent
	// on an accident hazard.
	SuggestedLevel model.Level `json:"suggested_level,omitempty"`
	// The patrols of an open disaster hazard (常态化排查): the day the
	// current cycle's patrol is due and the last patrol (absent when none);
	// PatrolOverdue that a cycle's patrol was missed and none made since
	// (巡查逾期); DangerOpen that a danger sign (险情) stands unanswered
	// since DangerSince (险情叫应, until respond).
	NextPatrolDue *model.Date `json:"next_patrol_due,omitempty"`
	LastPatrolAt  *time.Time  `json:"last_patrol_at,omitempty"`
	PatrolOverdue bool        `json:"patrol_overdue"`
	DangerOpen    bool        `json:"danger_open"`
	DangerSince   *time.Time  `json:"danger_since,omitempty"`
}

func (e *core) view(a Actor, h *model.Hazard) HazardView {
	today := e.Today()
	due := e.ladder().verifyDue(h)
	primary, onBehalf := Offer(a, h)
	return HazardView{Hazard: a.Redact(h), Overdue: h.Overdue(today), ReadOnly: a.ReadOnly(h), AllowedEvents: allowedEvents(a, h),
		PrimaryEvents: primary, OnBehalfEvents: onBehalf,
		PendingTransfer: h.PendingTransfer(today), Receiving: a.receives(h), ListedBy: h.ListedBy(),
		VerifyDue: due, VerifyOverdue: due != nil && due.Before(today.Time), Suspension: h.Suspension(today),
		BasisCatalogued: catalogued(h), SuggestedLevel: e.SuggestLevel(h),
		NextPatrolDue: h.PatrolDueOn, LastPatrolAt: h.LastPatrolAt, PatrolOverdue: h.PatrolMissedOn != nil,
		DangerOpen: h.DangerAt != nil, DangerSince: h.DangerAt}
}

func catalogued(h *model.Hazard) *bool {
	if h.BasisStandard == "" {
		return nil
	}
	ok := h.BasisStandardID != nil
	return &ok
}

// HazardInput is what a new hazard is registered with.
type HazardInput struct {
	Title        string `json:"title"`
	Description  string `json:"description"`
	Source       string `json:"source"`
	Level        string `json:"level"`
	Industry     string `json:"industry"`
	RegionCode   string `json:"region_code"`
	EnterpriseID *int64 `json:"enterprise_id"`
	Location     string `json:"location"`
	DiscoveredAt string `json:"discovered_at"`
	// Latitude and Longitude (WGS-84 degrees) say where the hazard is: both
	// or neither.
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	// The category (accident by default) and a disaster hazard's fields.
	DisasterInput
	// Who rectifies (party.go); by default its enterprise, else the body of
	// its place (model.DefaultParty).
	PartyInput
}

// sourcesByRole: the channels each role registers hazards through; the first is
// the default when none is given.
var sourcesByRole = map[model.Role][]model.Source{
	model.RoleEnterprise: {model.SourceSelfInspection},
	model.RoleOfficer:    {model.SourceOfficerReport, model.SourcePublicReport},
	model.RoleSupervisor: {model.SourceSupervisoryCheck, model.SourcePublicReport, model.SourceSelfInspection},
	model.RoleSystem:     {model.SourcePublicReport},
	model.RolePublic:     {model.SourcePublicReport},
}

// SourcesFor are the sources a user of role may register a hazard with, the
// default (taken when none is given) first; none for a role that registers no
// hazards.
func SourcesFor(role model.Role) []model.Source { return slices.Clone(sourcesByRole[role]) }

// CanRegister reports whether role registers hazards found through source.
func CanRegister(role model.Role, source model.Source) bool {
	return slices.Contains(sourcesByRole[role], source)
}

// CreateHazard registers a hazard in state discovered, with its code and the first
// event of its log, in one transaction.
func (e *Hazards) CreateHazard(ctx context.Context, a Actor, in HazardInput) (HazardView, error) {
	var out HazardView
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		h, err := e.createIn(ctx, tx, a, in)
		if err != nil {
			return err
		}
		out = e.view(a, h)
		return nil
	})
	return out, err
}

// createIn is CreateHazard inside the caller's transaction.
func (e *core) createIn(ctx context.Context, tx *model.Store, a Actor, in HazardInput) (*model.Hazard, error) {
	h, err := e.newHazard(ctx, tx, a, in)
	if err != nil {
		return nil, err
	}
	now := h.CreatedAt
	n, err := tx.NextNumber(ctx, "hazard", model.HazardCodePeriod(h.RegionCode, now.In(model.Shanghai)))
	if err != nil {
		return nil, err
	}
	h.Code = hazardCode(h.RegionCode, now, n)
	if err := tx.CreateHazard(ctx, h); err != nil {
		return nil, err
	}
	ev := e.createEvent(a, h)
	if err := tx.AppendEvent(ctx, ev); err != nil {
		return nil, err
	}
	if err := tx.AppendFeed(ctx, FeedRows(nil, h, ev)...); err != nil {
		return nil, err
	}
	if err := e.queueNotifications(ctx, tx, a, h, ev); err != nil {
		return nil, err
	}
	if err := summarise(ctx, tx, nil, h); err != nil {
		return nil, err
	}
	// The chain head lives on the row so that the next event links without a
	// lookup.
	h.LastSeq, h.ChainHead = ev.Seq, ev.Hash
	if err := tx.SetChainHead(ctx, h.ID, ev.Seq, ev.Hash); err != nil {
		return nil, err
	}
	return h, nil
}

// hazardCode is the code of the n-th hazard registered in region on the day of
// at (Asia/Shanghai).
// hazardCode names the hazard's county, also for a hazard of a township or
// village (numbered in the county's day, see model.HazardCodePeriod).
func hazardCode(region string, at time.Time, n int64) string {
	return fmt.Sprintf("YH-%s-%s-%04d", model.CodeCounty(region), at.In(model.Shanghai).Format("20060102"), n)
}

// createEvent is the first event of h's log (h has its ID and code), sealed.
func (e *core) createEvent(a Actor, h *model.Hazard) *model.HazardEvent {
	payload := map[string]any{
		"code": h.Code, "title": h.Title, "source": string(h.Source), "level": string(h.Level),
		"region_code": h.RegionCode, "discovered_at": h.DiscoveredAt.Format(time.RFC3339Nano),
	}
	if h.EnterpriseID != nil {
		payload["enterprise_id"] = *h.EnterpriseID
	}
	if h.Latitude != nil {
		payload["latitude"], payload["longitude"] = *h.Latitude, *h.Longitude
	}
	disasterPayload(payload, h)
	if h.ResponsiblePartyType != model.PartyEnterprise || h.ResponsibleUnit != "" {
		partyPayload(payload, h)
		if h.ResponsibleUnit != "" {
			payload["responsible_unit"] = h.ResponsibleUnit
		}
	}
	ev := e.newEvent(a, h, model.EventCreate, "", model.StateDiscovered, "", payload, h.CreatedAt)
	ev.Seal(0, "")
	return ev
}

// PlaceLookup is what placing a new hazard reads: the store, or a cache over it
// (Tx.NewHazard), with model.ErrNotFound, wrapped, for what does not exist.
type PlaceLookup interface {
	GetEnterprise(ctx context.Context, id int64) (*model.Enterprise, error)
	GetRegion(ctx context.Context, code string) (*model.Region, error)
}

// newHazard validates in and returns the hazard CreateHazard would register, at
// the clock (CreatedAt), without its code and without writing anything.
// KindForbidden or KindInvalid as CreateHazard.
func (e *core) newHazard(ctx context.Context, tx PlaceLookup, a Actor, in HazardInput) (*model.Hazard, error) {
	allowedSources, ok := sourcesByRole[a.Role]
	if !ok {
		return nil, errForbidden(a.Role.Label() + "不能登记隐患")
	}
	now := e.Now()
	errs := fieldErrors{}
	h := &model.Hazard{
		Title:       text(errs, "title", &in.Title, 200),
		Description: text(errs, "description", &in.Description, 5000),
		Industry:    text(errs, "industry", &in.Industry, 100),
		Location:    text(errs, "location", &in.Location, 500),
		State:       model.StateDiscovered,
		Version:     1,
		Level:       model.LevelGeneral,
		Source:      allowedSources[0],
		CreatedBy:   actorID(a),
		CreatedAt:   now,
		// Whose region registered it: an officer's finding is checked by
		// someone of that region or above (reporterRegionOrAbove).
		CreatedRegion: a.Region,
		// A department's supervisor registers for that department; anyone
		// else's finding has none until it is listed.
		Department: a.registersFor(),
		UpdatedAt:  now,
	}
	if h.Title == "" {
		errs.add("title", required("title"))
	}
	if s := strings.TrimSpace(in.Source); s != "" {
		h.Source = model.Source(s)
		if !h.Source.Valid() {
			errs.add("source", "隐患来源只能是 self_inspection、supervisory_check、public_report 或 officer_report")
		} else if !slices.Contains(allowedSources, h.Source) {
			errs.add("source", fmt.Sprintf("%s不能登记来源为“%s”的隐患", a.Role.Label(), h.Source.Label()))
		}
	}
	if strings.TrimSpace(in.Level) != "" {
		h.Level = parseLevel(errs, in.Level)
	}
	h.DiscoveredAt = now
	if in.DiscoveredAt != "" {
		t, ok := parseInstant(in.DiscoveredAt)
		switch {
		case !ok:
			errs.add("discovered_at", "发现时间格式应为 YYYY-MM-DD 或 RFC 3339")
		case t.After(now.Add(10 * time.Minute)):
			errs.add("discovered_at", "发现时间不能晚于现在")
		case t.Year() < 2000:
			errs.add("discovered_at", "发现时间不能早于2000年")
		default:
			h.DiscoveredAt = t.Truncate(time.Microsecond)
		}
	}
	h.Latitude, h.Longitude = coordinates(errs, in.Latitude, in.Longitude)
	misplaced := fieldErrors{}
	disasterFields(errs, misplaced, &in.DisasterInput, h)

	if err := e.placeHazard(ctx, tx, a, in, h, errs); err != nil {
		return nil, err
	}
	h.ResponsibleUnit = text(errs, "responsible_unit", &in.ResponsibleUnit, 200)
	if p := strings.TrimSpace(in.ResponsiblePartyType); a.Role == model.RoleEnterprise && p != "" && p != string(model.PartyEnterprise) {
		errs.add("responsible_party_type", "企业自查隐患的整改责任主体只能是本单位")
	} else if h.RegionCode != "" {
		if err := settleParty(ctx, tx, errs, h, in.ResponsiblePartyType, in.ResponsibleRegionCode); err != nil {
			return nil, err
		}
	}
	if len(misplaced) > 0 {
		return nil, errNotApplicable(misplaced)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	e.opts.Patrol.settle(h, now)
	return h, nil
}

// coordinates checks a point given as latitude and longitude (WGS-84
// degrees): both or neither, each in its range; nil, nil when none or wrong.
func coordinates(errs fieldErrors, lat, lng *float64) (*float64, *float64) {
	switch {
	case lat == nil && lng == nil:
		return nil, nil
	case lat == nil:
		errs.add("latitude", "填写经度时须同时填写纬度")
	case lng == nil:
		errs.add("longitude", "填写纬度时须同时填写经度")
	case math.IsNaN(*lat) || *lat < -90 || *lat > 90:
		errs.add("latitude", "纬度应为 -90 到 90 之间的度数（WGS-84，如 28.6829）")
	case math.IsNaN(*lng) || *lng < -180 || *lng > 180:
		errs.add("longitude", "经度应为 -180 到 180 之间的度数（WGS-84，如 115.8582）")
	default:
		return lat, lng
	}
	return nil, nil
}

// placeHazard settles the hazard's region and enterprise against the actor's
// territory.
func (e *core) placeHazard(ctx context.Context, tx PlaceLookup, a Actor, in HazardInput, h *model.Hazard, errs fieldErrors) error {
	region := strings.TrimSpace(in.RegionCode)
	if a.Role == model.RoleEnterprise {
		if in.EnterpriseID != nil && *in.EnterpriseID != a.EnterpriseID {
			return errForbidden("企业用户只能登记本单位的隐患")
		}
		ent, err := tx.GetEnterprise(ctx, a.EnterpriseID)
		if err != nil {
			return notFoundOr("所属企业", err)
		}
		id := ent.ID
		h.EnterpriseID = &id
		if region != "" && region != ent.RegionCode {
			errs.add("region_code", "企业自查隐患的区划须为本单位所在区划")
		}
		h.RegionCode = ent.RegionCode
		return nil
	}
	if in.EnterpriseID != nil {
		ent, err := tx.GetEnterprise(ctx, *in.EnterpriseID)
		switch {
		case errors.Is(err, model.ErrNotFound):
			errs.add("enterprise_id", "生产经营单位不存在")
		case err != nil:
			return err
		case !a.anywhere() && !model.Within(ent.RegionCode, a.Region):
			return errForbidden("该生产经营单位不在您的辖区内")
		default:
			id := ent.ID
			h.EnterpriseID = &id
			if region == "" {
				region = ent.RegionCode
			}
		}
	}
	if region == "" {
		errs.add("region_code", required("region_code"))
		return nil
	}
	if _, err := tx.GetRegion(ctx, region); errors.Is(err, model.ErrNotFound) {
		errs.add("region_code", "区划代码不存在")
		return nil
	} else if err != nil {
		return err
	}
	if !a.anywhere() && !model.Within(region, a.Region) {
		return errForbidden("该区划不在您的辖区内")
	}
	h.RegionCode = region
	return nil
}

func (e *core) newEvent(a Actor, h *model.Hazard, ev model.Event, from, to model.State, comment string, payload map[string]any, now time.Time) *model.HazardEvent {
	return &model.HazardEvent{
		HazardID: h.ID, Event: ev, FromState: from, ToState: to,
		ActorID: actorID(a), ActorName: a.Name, Role: a.Role,
		Comment: comment, Payload: marshalPayload(payload), CreatedAt: now,
	}
}

// Apply fires in.Event on hazard id for a, in one transaction: the hazard moves to
// version+1 and the event is appended to its chained log, or nothing is written.
//
// Refusals: KindNotFound (no such hazard), KindForbidden (outside a's territory,
// or a's role may not fire the event here), KindConflict (in.Version is stale),
// KindNotAllowed (the event cannot happen in this state; Allowed lists what a may
// fire), KindInvalid (fields missing or malformed, each named).
func (e *Hazards) Apply(ctx context.Context, a Actor, id int64, in EventInput) (HazardView, error) {
	var out HazardView
	err := e.txChain(ctx, func(tx *model.Store) error {
		h, err := tx.LockHazard(ctx, id)
		if err != nil {
			return notFoundOr("隐患", err)
		}
		if h, err = e.applyIn(ctx, tx, a, h, in, e.now()); err != nil {
			return err
		}
		out = e.view(a, h)
		return nil
	})
	return out, err
}

// errChainMoved is the cause of a stale refusal that lost only the race for
// the chain's next position (commit), not for the hazard's version.
var errChainMoved = errors.New("workflow: chain moved on")

// chainRetries is how often txChain runs its transaction again.
const chainRetries = 4

// txChain runs fn in a transaction, again (up to chainRetries times) while it
// loses only the race for the chain's next position: a reporter-trail entry
// (a contact viewed, say) took it, which changes nothing the caller's version
// guards, so the caller is not refused for it. A race for the version itself
// is refused as stale, the retry reading the hazard anew.
func (e *core) txChain(ctx context.Context, fn func(tx *model.Store) error) error {
	var err error
	for range chainRetries + 1 {
		if err = e.store.Tx(ctx, fn); !errors.Is(err, errChainMoved) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// applyIn is Apply inside the caller's transaction, at the moment now, to h as
// just read in that transaction. It returns the hazard's next version.
func (e *core) applyIn(ctx context.Context, tx *model.Store, a Actor, h *model.Hazard, in EventInput, now time.Time) (*model.Hazard, error) {
	if !a.Sees(h) {
		return nil, errForbidden("该隐患不在您的管辖范围内")
	}
	if a.ReadOnly(h) && !(answersTransfer(in.Event) && a.receives(h)) {
		return nil, a.readOnlyRefusal(h)
	}
	if in.Version != h.Version {
		e.opts.Metrics.Conflict()
		return nil, errStale(fmt.Sprintf("该隐患已被他人更新（当前版本 %d，您提交的版本 %d），请刷新后重试", h.Version, in.Version), nil)
	}
	if _, known := steps[in.Event]; !known {
		// Never echoed: the name is the client's, of any length.
		return nil, &Error{Kind: KindNotAllowed, Code: "event_not_allowed",
			Message: fmt.Sprintf("隐患当前状态为“%s”，没有这项操作", h.State.Label()), Allowed: allowedEvents(a, h)}
	}
	to, ok := fire(h.State, in.Event)
	if !ok {
		return nil, &Error{Kind: KindNotAllowed, Code: "event_not_allowed",
			Message: fmt.Sprintf("隐患当前状态为“%s”，不能执行“%s”", h.State.Label(), in.Event.Label()),
			Allowed: allowedEvents(a, h)}
	}
	if !fitsCategory(h, in.Event) {
		return nil, &Error{Kind: KindNotAllowed, Code: "event_not_allowed",
			Message: fmt.Sprintf("“%s”只适用于灾害隐患，本隐患是事故隐患", in.Event.Label()), Allowed: allowedEvents(a, h)}
	}
	// Who may: the grade that counts is the one after the event.
	level := h.Level
	if in.Event == model.EventConfirm && in.Level != nil {
		if l := parseLevel(fieldErrors{}, *in.Level); l != "" {
			level = l
		}
	}
	if reasons := unmet(a, h, in.Event, level); len(reasons) > 0 {
		return nil, &Error{Kind: KindForbidden, Code: "forbidden",
			Message: "不能执行“" + in.Event.Label() + "”：" + strings.Join(reasons, "；"),
			Allowed: allowedEvents(a, h)}
	}
	next := *h
	now = now.UTC().Truncate(time.Microsecond)
	c := &change{ctx: ctx, tx: tx, lad: e.ladder(), patrol: e.opts.Patrol, metrics: e.opts.Metrics, actor: a, in: &in, h: h, next: &next,
		now: now, today: model.DateIn(now, model.Shanghai), errs: fieldErrors{}, payload: map[string]any{}}
	in.Comment = text(c.errs, "comment", &in.Comment, MaxComment)
	validateFields(in.Event, &in.Fields, c.errs)
	if OnBehalf(a, h, in.Event) {
		// Staff doing the party's part say why, and the log says it was
		// done for the party (代为办理), not by it.
		if in.Comment == "" {
			c.errs.add("comment", fmt.Sprintf("“%s”须填写理由：说明为何由您代责任单位办理", OnBehalfLabel(in.Event)))
		}
		c.payload["on_behalf"] = true
	}
	steps[in.Event].apply(c)
	if err := c.errs.err(); err != nil {
		return nil, err
	}
	if c.err != nil {
		return nil, c.err
	}
	next.State = to
	settleTransfer(c)
	if err := e.commit(ctx, tx, a, h, &next, in.Event, in.Comment, c.payload, now); err != nil {
		return nil, err
	}
	for _, then := range c.then {
		if err := then(); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

// commit writes next over h (which must still be at its version) and appends the
// event to the chain, after settling the ladder's dates for the new state, and
// to the major-hazard feed when h or next is major.
//
// An entry of the reporter trail (view_contact, answer_reporter, reward; see
// redact.go) changes nothing of the hazard: it is appended to the chain without
// moving the hazard's version or updated_at, only its chain position. An
// enterprise fires its events against the version (optimistic concurrency), so
// the version must move with what it may see and nothing else; and the trail
// needs no guard of the version, since it changes none of what the version
// guards. The chain stays single either way: the trail's append must find the
// chain where it read it (last_seq), and a state change racing a trail entry
// meets the (hazard_id, seq) unique index; both losers are refused as stale,
// with errChainMoved as the cause, which txChain retries.
func (e *core) commit(ctx context.Context, tx *model.Store, a Actor, h, next *model.Hazard, event model.Event, comment string, payload map[string]any, now time.Time) error {
	ev := e.chain(a, h, next, event, comment, payload, now)
	var err error
	if reporterTrail[event] {
		*next = *h
		next.LastSeq, next.ChainHead = ev.Seq, ev.Hash
		err = tx.AdvanceChain(ctx, h.ID, h.LastSeq, ev.Seq, ev.Hash)
	} else {
		err = tx.UpdateHazard(ctx, next, h.Version)
	}
	if err != nil {
		if errors.Is(err, model.ErrConflict) {
			e.opts.Metrics.Conflict()
			if reporterTrail[event] {
				err = fmt.Errorf("%w: %w", errChainMoved, err)
			}
			return errStale("该隐患已被他人更新，请刷新后重试", err)
		}
		return err
	}
	if err := tx.AppendEvent(ctx, ev); err != nil {
		if errors.Is(err, model.ErrDuplicate) {
			e.opts.Metrics.Conflict()
			return errStale("该隐患已被他人更新，请刷新后重试", fmt.Errorf("%w: %w", errChainMoved, err))
		}
		return err
	}
	if err := tx.AppendFeed(ctx, FeedRows(h, next, ev)...); err != nil {
		return err
	}
	if err := summarise(ctx, tx, h, next); err != nil {
		return err
	}
	e.opts.Metrics.Event(string(event))
	return e.queueNotifications(ctx, tx, a, next, ev)
}

// chain settles next (h after event, at now) and returns the event that links it
// to h's log, sealed; next carries the new chain head.
func (e *core) chain(a Actor, h, next *model.Hazard, event model.Event, comment string, payload map[string]any, now time.Time) *model.HazardEvent {
	e.ladder().settle(next)
	e.opts.Patrol.settle(next, now)
	next.UpdatedAt = now
	ev := e.newEvent(a, h, event, h.State, next.State, comment, payload, now)
	ev.Seal(h.LastSeq, h.ChainHead)
	next.LastSeq, next.ChainHead = ev.Seq, ev.Hash
	return ev
}

// Hazard returns hazard id as a sees it. KindNotFound, or KindForbidden outside a's
// territory.
func (e *Hazards) Hazard(ctx context.Context, a Actor, id int64) (HazardView, error) {
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return HazardView{}, err
	}
	return e.view(a, h), nil
}

func (e *core) visible(ctx context.Context, a Actor, id int64) (*model.Hazard, error) {
	h, err := e.store.GetHazard(ctx, id)
	if err != nil {
		return nil, notFoundOr("隐患", err)
	}
	if !a.Sees(h) {
		return nil, errForbidden("该隐患不在您的管辖范围内")
	}
	return h, nil
}

// Events returns the log of hazard id, oldest first, as a sees it (Actor.Log:
// an enterprise user does not see the entries about public reporters).
// KindNotFound, or KindForbidden outside a's territory.
func (e *Hazards) Events(ctx context.Context, a Actor, id int64) ([]model.HazardEvent, error) {
	if _, err := e.visible(ctx, a, id); err != nil {
		return nil, err
	}
	evs, err := e.store.ListEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.Log(evs), nil
}

// Verify checks the whole hash chain of hazard id against the head recorded on
// it, and reports it as a may read it (Actor.Verdict).
func (e *Hazards) Verify(ctx context.Context, a Actor, id int64) (model.ChainReport, error) {
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return model.ChainReport{}, err
	}
	evs, err := e.store.ListEvents(ctx, id)
	if err != nil {
		return model.ChainReport{}, err
	}
	return a.Verdict(model.VerifyChain(evs, h.ChainHead), len(a.Log(evs))), nil
}

// Ready reports whether the database answers and every migration is applied.
func (e *Services) Ready(ctx context.Context) error {
	if err := e.store.Ping(ctx); err != nil {
		return err
	}
	pending, err := e.store.MigrationsPending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return errors.New("workflow: migrations pending")
	}
	if e.opts.Blobs != nil {
		return e.opts.Blobs.Ping(ctx)
	}
	return nil
}
