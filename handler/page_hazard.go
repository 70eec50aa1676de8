package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

type option struct{ Value, Label string }

type hazardsView struct {
	base
	Q       workflow.ListQuery
	Items   []workflow.HazardItem
	Next    string // the next page's address, "" on the last
	First   string // the first page's address, with the filters
	Export  string // the ledger export's address, with the filters
	States  []option
	Levels  []option
	Sources []option
	Depts   []option
	Types   []option          // disaster types
	Parties []option          // party types (who rectifies)
	Regions map[string]string // region names by code, for the list's column
}

func stateOptions() []option {
	out := []option{}
	for _, s := range model.States {
		out = append(out, option{string(s), s.Label()})
	}
	return out
}

// departmentOptions are the departments to choose from, the emergency bureau first.
func departmentOptions() []option {
	var out []option
	for _, d := range workflow.Departments() {
		out = append(out, option{string(d.Code), d.Name})
	}
	return out
}

var levelOptions = []option{{"general", "一般"}, {"major", "重大"}}

// disasterOptions are the disaster types, for the list's filter.
func disasterOptions() []option {
	var out []option
	for _, t := range model.DisasterTypes {
		out = append(out, option{string(t), t.Label()})
	}
	return out
}

// partyOptions are the party types (who rectifies), for the list's filter
// and the forms.
func partyOptions() []option {
	var out []option
	for _, p := range model.PartyTypes {
		out = append(out, option{string(p), p.Label()})
	}
	return out
}

var sourceOptions = []option{
	{string(model.SourceSelfInspection), model.SourceSelfInspection.Label()},
	{string(model.SourceSupervisoryCheck), model.SourceSupervisoryCheck.Label()},
	{string(model.SourcePublicReport), model.SourcePublicReport.Label()},
	{string(model.SourceOfficerReport), model.SourceOfficerReport.Label()},
}

// findingSources are the sources a supervisor picks from when logging a
// finding: those the workflow lets the role register, its default first (so
// that the form's preselected choice is the one the API would take).
func findingSources(role model.Role) []option {
	var out []option
	for _, s := range workflow.SourcesFor(role) {
		out = append(out, option{string(s), s.Label()})
	}
	return out
}

func filterValues(q workflow.ListQuery) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"state": q.State, "level": q.Level, "source": q.Source, "region": q.Region,
		"enterprise_id": q.EnterpriseID, "department": q.Department, "industry": q.Industry, "from": q.From, "to": q.To,
		"category": q.Category, "disaster_type": q.DisasterType, "responsible_party_type": q.ResponsiblePartyType, "overdue": q.Overdue, "q": q.Q, "limit": q.Limit} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// withQuery is path with v as its query. The page links to the whole address:
// html/template escapes a query string spliced after "?" in an href once more
// (state%3dlisted), but only normalises a whole URL.
func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// hazardsPage is the hazard list: the API's filters, search and keyset pages.
func (u *ui) hazardsPage(c *gin.Context) {
	q := listQuery(c)
	v := hazardsView{base: u.base(c, "隐患清单", "/hazards"), Q: q, States: stateOptions(), Levels: levelOptions,
		Sources: sourceOptions, Depts: departmentOptions(), Types: disasterOptions(), Parties: partyOptions(), First: withQuery("/hazards", filterValues(q)),
		Export: withQuery("/hazards/export.xlsx", filterValues(q))}
	p, err := u.s.hazards.List(c.Request.Context(), actor(c), q)
	if err != nil {
		p := u.refusal(c, err)
		v.Error = p.Message
		u.render(c, p.Status, "hazards", v)
		return
	}
	v.Items = p.Items
	var codes []string
	for _, it := range p.Items {
		codes = append(codes, it.RegionCode)
	}
	slices.Sort(codes)
	if v.Regions, err = u.s.directory.RegionNames(c.Request.Context(), slices.Compact(codes)); err != nil {
		u.fail(c, err)
		return
	}
	if p.NextCursor != "" {
		nv := filterValues(q)
		nv.Set("cursor", p.NextCursor)
		v.Next = withQuery("/hazards", nv)
	}
	u.render(c, http.StatusOK, "hazards", v)
}

// The downloads and the printable document of the pages are the API's handlers
// on page routes: the same workflow call and the same file. A refusal or a
// failure before the first byte is still a page, never JSON: fail renders by the
// route (markPage), not by the handler.

// exportLedger: the list's export button.
func (u *ui) exportLedger(c *gin.Context) { u.s.exportLedger(c) }

func (u *ui) ledgerTemplate(c *gin.Context) { u.s.ledgerTemplate(c) }

// statisticsWorkbook: the dashboard's download of the period's statistics.
func (u *ui) statisticsWorkbook(c *gin.Context) { u.s.statisticsWorkbook(c) }

func (u *ui) importErrors(c *gin.Context) { u.s.importErrors(c) }

// evidenceFile serves a file of a hazard with the API's authorisation.
func (u *ui) evidenceFile(c *gin.Context) { u.s.downloadEvidence(c) }

// hazardRecord shows a record of the hazard, printable.
func (u *ui) hazardRecord(c *gin.Context) { u.s.hazardRecord(c) }

// escalationDocument shows a supervision document, printable.
func (u *ui) escalationDocument(c *gin.Context) { u.s.escalationDocument(c) }

// ---- the hazard page ----

// eventForm is the form of one event the user may fire now.
type eventForm struct {
	Event    model.Event
	Label    string
	Inputs   map[string]bool
	Values   map[string]string
	Errors   map[string]string
	Open     bool // shown unfolded: the role's first main action, or the form just posted with problems
	Primary  bool // a main action of the caller's role (workflow.Offer)
	OnBehalf bool // done for the party that rectifies (代为), a reason required
}

// Has says whether the form shows the input name.
func (f eventForm) Has(name string) bool { return f.Inputs[name] }

// V is the value to show in input name.
func (f eventForm) V(name string) string { return f.Values[name] }

// E is the problem with input name, if any.
func (f eventForm) E(name string) string { return f.Errors[name] }

// formInputs are the inputs event ev's form shows, by their API names: the
// fields the workflow takes for ev, and a comment. The enterprise is asked for
// only while the hazard has none, the department only of those who choose it. How each input looks is the template's.
func formInputs(ev model.Event, d workflow.HazardDetail) map[string]bool {
	in := map[string]bool{"comment": true}
	for _, name := range workflow.EventFields(ev) {
		in[name] = true
	}
	if d.EnterpriseID != nil {
		delete(in, "enterprise_id")
	}
	if !d.ChoosesDepartment {
		delete(in, "department")
	}
	return in
}

// newForm is the empty form of ev on d: a main action of the caller's role
// is shown open (the first of them), one on the party's behalf is labelled
// 代为… and asks for the reason.
func newForm(ev model.Event, d workflow.HazardDetail) eventForm {
	f := eventForm{Event: ev, Label: ev.Label(), Inputs: formInputs(ev, d), Values: map[string]string{},
		Primary: slices.Contains(d.PrimaryEvents, ev), OnBehalf: slices.Contains(d.OnBehalfEvents, ev)}
	if f.OnBehalf {
		f.Label = workflow.OnBehalfLabel(ev)
	}
	f.Open = f.Primary && len(d.PrimaryEvents) > 0 && d.PrimaryEvents[0] == ev
	return f
}

type hazardView struct {
	base
	D           workflow.HazardDetail
	Departments []option
	Parties     []option // who rectifies, for the confirm form
	Forms       []eventForm
	Upload      uploadForm
	Timeline    []timelineItem
	Today       string
	KindLabels  map[string]string
	Withdraw    map[int64]bool     // evidence the user may withdraw (workflow.CanWithdraw)
	Picker      *basisPicker       // the catalogue of criteria at confirm; nil when the user may not confirm
	Chain       *model.ChainReport // the chain check asked for (校验记录链); nil when not asked
	// Similar are the open hazards alike in text or within 200 m, shown to
	// whoever may dismiss this one as a duplicate of one of them.
	Similar []workflow.SimilarHazard
	// Avoid is a disaster hazard's successful avoidances and their rewards
	// (staff only); RewardForm the reward proposal as posted, kept on a
	// refusal; Supervises whether the user may propose, decide and pay.
	Avoid      *workflow.AvoidanceView
	RewardForm rewardForm
	Supervises bool
	// Patrol is the patrol form (nil for those who may not patrol), Respond
	// the response to a standing danger sign (nil for those who may not
	// answer it), Patrols the patrol history, newest first.
	Patrol  *eventForm
	Respond *eventForm
	Patrols []patrolItem
	Results []option
}

// rewardForm is a posted proposal of an avoidance reward with its errors.
type rewardForm struct {
	AvoidanceID    int64
	UserID, Amount string
	Errors         map[string]string
}

// patrolItem is one patrol, a missed cycle or a response to a danger sign,
// for the hazard page's patrol history.
type patrolItem struct {
	At       time.Time  // when it was made (a patrol's patrolled_at, else the event's time)
	Sent     *time.Time // when a patrol made earlier reached the service (the offline queue)
	Who      string
	Event    model.Event
	Result   string // normal, changed, danger (patrols)
	Label    string
	Note     string
	Photos   int
	Lat, Lng string
}

// patrolHistory reads the patrol history from the log, newest first.
func patrolHistory(evs []model.HazardEvent) []patrolItem {
	var out []patrolItem
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i]
		if ev.Event != model.EventPatrol && ev.Event != model.EventPatrolDue && ev.Event != model.EventRespond {
			continue
		}
		var p struct {
			Result      string     `json:"result"`
			PatrolledAt *time.Time `json:"patrolled_at"`
			Note        string     `json:"note"`
			Measures    string     `json:"measures"`
			DueOn       string     `json:"due_on"`
			Photos      []int64    `json:"photos"`
			Latitude    *float64   `json:"latitude"`
			Longitude   *float64   `json:"longitude"`
		}
		_ = json.Unmarshal([]byte(ev.Payload), &p)
		it := patrolItem{At: ev.CreatedAt, Who: ev.ActorName, Event: ev.Event, Result: p.Result, Note: p.Note, Photos: len(p.Photos)}
		if p.PatrolledAt != nil {
			it.At = *p.PatrolledAt
			if sent := ev.CreatedAt; sent.Sub(it.At) >= time.Minute {
				it.Sent = &sent
			}
		}
		switch ev.Event {
		case model.EventPatrol:
			it.Label, _, _ = strings.Cut(workflow.PatrolResultLabel(p.Result), "（")
		case model.EventPatrolDue:
			it.Label, it.Note = "巡查逾期", "应于 "+p.DueOn+" 前巡查，未巡查"
		case model.EventRespond:
			it.Label, it.Note = "险情处置", p.Measures
		}
		if p.Latitude != nil && p.Longitude != nil {
			it.Lat, it.Lng = strconv.FormatFloat(*p.Latitude, 'f', 6, 64), strconv.FormatFloat(*p.Longitude, 'f', 6, 64)
		}
		out = append(out, it)
	}
	return out
}

// NearM is the distance within which hazards count as nearby.
func (hazardView) NearM() int { return workflow.NearMeters }

type uploadForm struct {
	Kind, Note, Error string
}

type timelineItem struct {
	model.HazardEvent
	Details []string
}

// payloadNames label the parts of an event's payload worth showing on the
// timeline.
var payloadNames = []struct{ key, label string }{
	{"level", "等级"}, {"department", "主管部门"}, {"responsible_unit", "责任单位"},
	{"responsible_party_type", "责任主体类型"}, {"responsible_region_code", "责任区划"}, {"responsible_person", "责任人"},
	{"measures", "整改措施"}, {"deadline", "整改期限"}, {"previous_deadline", "原期限"}, {"reason", "理由"},
	{"duplicate_code", "合并至"}, {"step", "督办等级"}, {"doc_number", "文号"}, {"text", "回复"}, {"kind", "材料"},
	{"due_on", "到期日"}, {"days_left", "剩余天数"},
	{"order_no", "停产停业指令"}, {"approved", "同意恢复生产"}, {"note", "审查意见"},
	{"list_level", "挂牌层级"}, {"previous_level", "原挂牌层级"}, {"listed_level", "挂牌层级"},
	{"on_behalf", "代为办理"}, {"paper", "纸质回执"}, {"paper_note", "纸质回执说明"},
	{"occurred_at", "险情发生"}, {"people_evacuated", "转移人数"}, {"casualties", "伤亡人数"}, {"what", "避险经过"},
	{"user_name", "奖励对象"}, {"amount", "奖励金额（元）"},
	{"result", "巡查结果"}, {"patrolled_at", "巡查时间"}, {"next_due_on", "下次巡查期限"},
	{"from_department", "原主管部门"}, {"from_region_code", "原区划"}, {"to_department", "移交至部门"}, {"to_region_code", "移交至区划"},
}

func timeline(evs []model.HazardEvent) []timelineItem {
	out := make([]timelineItem, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i]
		it := timelineItem{HazardEvent: ev}
		var p map[string]any
		_ = json.Unmarshal([]byte(ev.Payload), &p)
		for _, pn := range payloadNames {
			v, ok := p[pn.key]
			if !ok || v == "" {
				continue
			}
			s := strings.TrimSpace(toText(v))
			label := pn.label
			switch {
			case ev.Event == model.EventPatrol && pn.key == "note":
				label = "巡查情况"
			case ev.Event == model.EventRespond && pn.key == "measures":
				label = "处置措施"
			}
			switch pn.key {
			case "result":
				s = workflow.PatrolResultLabel(s)
			case "level":
				s = model.Level(s).Label()
			case "department", "from_department", "to_department":
				s = model.Department(s).Label()
			case "list_level", "previous_level", "listed_level":
				s = model.ListLevel(s).Label()
			case "responsible_party_type":
				s = model.PartyType(s).Label()
			case "step":
				if n, err := strconv.Atoi(s); err == nil {
					s = workflow.StepLabel(n)
				}
			case "kind":
				s = evidenceKinds[s]
			case "occurred_at", "patrolled_at":
				// A moment as the pages show one: Beijing time to the minute.
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
					s = t.In(model.Shanghai).Format("2006-01-02 15:04")
				}
			case "on_behalf":
				s = "监管人员代整改责任单位办理"
			case "paper":
				s = "监管人员代录主送单位的纸质回执"
			}
			it.Details = append(it.Details, label+"："+s)
		}
		out = append(out, it)
	}
	return out
}

// defaultEvidenceKind is the kind of file a hazard in state st most likely
// receives next: photos of the hazard as found until rectification starts,
// photos of the result while it is rectified or checked, documents after.
func defaultEvidenceKind(st model.State) string {
	switch st {
	case model.StateDiscovered, model.StateListed:
		return model.EvidencePhotoBefore
	case model.StateRectifying, model.StateVerifying:
		return model.EvidencePhotoAfter
	}
	return model.EvidenceDocument
}

var evidenceKinds = map[string]string{
	model.EvidencePhotoBefore: "整改前照片", model.EvidencePhotoAfter: "整改后照片", model.EvidenceDocument: "文件",
	model.EvidenceAssessment: "评估报告",
}

// forms builds one form per allowed event, as the workflow offers them
// (Offer): the role's own main actions first and open, its other means
// folded, and last what it may do only for the party that rectifies, marked
// 代为 and asking for the reason. posted, when not nil, is the form that came
// back with problems.
func forms(d workflow.HazardDetail, posted *eventForm, pick string) []eventForm {
	out := []eventForm{}
	rank := func(ev model.Event) int {
		switch {
		case slices.Contains(d.PrimaryEvents, ev):
			return 0
		case slices.Contains(d.OnBehalfEvents, ev):
			return 2
		}
		return 1
	}
	// Patrols and responses to danger signs have forms of their own (the
	// patrol card, the danger banner).
	evs := slices.DeleteFunc(slices.Clone(d.AllowedEvents), func(ev model.Event) bool {
		return ev == model.EventPatrol || ev == model.EventRespond
	})
	slices.SortStableFunc(evs, func(a, b model.Event) int { return rank(a) - rank(b) })
	for _, ev := range evs {
		if posted != nil && posted.Event == ev {
			out = append(out, *posted)
			continue
		}
		f := newForm(ev, d)
		// Start from what the hazard already says.
		f.Values["level"] = string(d.Level)
		f.Values["department"] = string(d.Department)
		if d.Department == "" {
			f.Values["department"] = string(workflow.DefaultDepartment(d.Hazard))
		}
		if ev == model.EventConfirm && d.SuggestedLevel != "" {
			// A disaster hazard's grade defaults to what its threat suggests.
			f.Values["level"] = string(d.SuggestedLevel)
		}
		f.Values["responsible_unit"] = d.ResponsibleUnit
		// The party type is asked as a change: left at 不变, linking an
		// enterprise makes it the enterprise's (workflow/party.go).
		f.Values["responsible_region_code"] = d.ResponsibleRegionCode
		f.Values["production_suspended"] = strconv.FormatBool(d.ProductionSuspended)
		if ev == model.EventConfirm && pick != "" {
			f.Values["basis_pick"], f.Values["level"], f.Open = pick, string(model.LevelMajor), true
		}
		if ev == model.EventPlan {
			f.Values["responsible_person"] = d.ResponsiblePerson
			f.Values["responsible_phone"] = d.ResponsiblePhone
			f.Values["measures"] = d.Measures
			if d.Deadline != nil {
				f.Values["deadline"] = d.Deadline.String()
			}
		}
		out = append(out, f)
	}
	return out
}

func (u *ui) hazardPage(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		u.fail(c, err)
		return
	}
	d, err := u.s.hazards.Detail(c.Request.Context(), actor(c), id)
	if err != nil {
		u.fail(c, err)
		return
	}
	v := u.hazardData(c, d, nil, uploadForm{})
	if c.Query("verify") != "" {
		// 校验记录链: the API's chain check (GET /api/v1/hazards/:id/verify),
		// read to the official in words.
		r, err := u.s.hazards.Verify(c.Request.Context(), actor(c), id)
		if err != nil {
			u.fail(c, err)
			return
		}
		v.Chain = &r
	}
	if v.Patrol != nil {
		c.Header(offlineHeader, "patrol")
	}
	u.render(c, http.StatusOK, "hazard", v)
}

func (u *ui) hazardData(c *gin.Context, d workflow.HazardDetail, posted *eventForm, up uploadForm) hazardView {
	if up.Kind == "" {
		up.Kind = defaultEvidenceKind(d.State)
	}
	a, withdraw := actor(c), map[int64]bool{}
	for _, ev := range d.Evidence {
		withdraw[ev.ID] = workflow.CanWithdraw(a, &ev, d.Hazard)
	}
	v := hazardView{base: u.base(c, d.Code+" "+d.Title, "/hazards"), D: d, Departments: departmentOptions(), Parties: partyOptions(), Forms: forms(d, posted, c.Query("pick")), Upload: up,
		Timeline: timeline(d.Events), Today: u.s.hazards.Today().String(), KindLabels: evidenceKinds, Withdraw: withdraw}
	for _, ev := range []model.Event{model.EventPatrol, model.EventRespond} {
		if !slices.Contains(d.AllowedEvents, ev) {
			continue
		}
		f := newForm(ev, d)
		if posted != nil && posted.Event == ev {
			f = *posted
		}
		if ev == model.EventPatrol {
			v.Patrol = &f
		} else {
			v.Respond = &f
		}
	}
	if d.Category == model.CategoryDisaster {
		v.Patrols = patrolHistory(d.Events)
		for _, r := range workflow.PatrolResults {
			v.Results = append(v.Results, option{Value: r.Code, Label: r.Label})
		}
	}
	if slices.Contains(d.AllowedEvents, model.EventDismiss) {
		sim, err := u.s.hazards.Similar(c.Request.Context(), a, d.ID)
		if err != nil {
			v.Error = "相似隐患暂时无法读取：" + u.refusal(c, err).Message
		}
		v.Similar = sim
	}
	if d.Category == model.CategoryDisaster && a.Role != model.RoleEnterprise {
		av, err := u.s.hazards.Avoidances(c.Request.Context(), a, d.ID)
		if err != nil {
			v.Error = "成功避险记录暂时无法读取：" + u.refusal(c, err).Message
		} else {
			v.Avoid = &av
		}
		v.Supervises = a.Role == model.RoleSupervisor && !d.ReadOnly
	}
	if slices.Contains(d.AllowedEvents, model.EventConfirm) {
		p, err := u.picker(c, d)
		if err != nil {
			v.Error = "判定标准目录暂时无法读取：" + u.refusal(c, err).Message
		}
		v.Picker = p
	}
	return v
}

// idForm reads the path's :id and the posted form (its token checked); on a bad
// id or form it answers with the error page and ok is false.
func (u *ui) idForm(c *gin.Context) (id int64, f map[string]string, ok bool) {
	id, err := idParam(c, "id")
	if err == nil {
		f, _, err = u.form(c, 0)
	}
	if err != nil {
		u.fail(c, err)
		return 0, nil, false
	}
	return id, f, true
}

// toHazard sends the browser back to a hazard's page after a successful post,
// with the flash message named by flash (a key of flashes, optionally #anchor).
func toHazard(c *gin.Context, hazardID int64, flash string) {
	c.Redirect(http.StatusSeeOther, "/hazards/"+strconv.FormatInt(hazardID, 10)+"?ok="+flash)
}

// withdrawEvidence withdraws a file (it stays on record, marked withdrawn).
func (u *ui) withdrawEvidence(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	ev, err := u.s.evidence.Withdraw(c.Request.Context(), actor(c), id, f["reason"])
	if err != nil {
		u.fail(c, err)
		return
	}
	toHazard(c, ev.HazardID, "withdrawn#evidence")
}

// fireEvent applies the posted event. A refusal shows the hazard as it is now
// (fresh, after a stale-version conflict) with the form as the user filled it.
func (u *ui) fireEvent(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	ev := model.Event(f["event"])
	in, bad := eventFromForm(ev, f)
	var err error
	if len(bad) == 0 {
		_, err = u.s.hazards.Apply(c.Request.Context(), actor(c), id, in)
		if err == nil {
			toHazard(c, id, "event")
			return
		}
	} else {
		err = &httpError{http.StatusBadRequest, "invalid_fields", "请检查填写内容", bad}
	}
	u.eventRefused(c, id, ev, f, err, func(msg string) string {
		if errors.Is(err, workflow.ErrStale) {
			// What the page did about it: the form below is on the fresh version.
			return "该隐患刚刚已被他人更新，页面已显示最新状态。您填写的内容已保留，请确认后重新提交。"
		}
		return msg
	})
}

// eventRefused shows hazard id's page again after err refused the form of ev
// posted as f: the hazard as it is now, that form open as typed with the
// fields' messages, and the refusal's message as say words it (say adds what
// else the user has to do, such as choosing the photos again).
func (u *ui) eventRefused(c *gin.Context, id int64, ev model.Event, f map[string]string, err error, say func(msg string) string) {
	p := u.refusal(c, err)
	d, derr := u.s.hazards.Detail(c.Request.Context(), actor(c), id)
	if derr != nil {
		u.fail(c, derr)
		return
	}
	pf := newForm(ev, d)
	pf.Values, pf.Errors, pf.Open = f, p.Fields, true
	v := u.hazardData(c, d, &pf, uploadForm{})
	v.Error = say(p.Message)
	u.render(c, p.Status, "hazard", v)
}

// recordPatrol records a patrol from the hazard page: its result, note,
// position and photos in one transaction (workflow.Hazards.Patrol). A
// refusal shows the page again with the form as typed (the photos to be
// chosen again). The offline queue's send (JSON asked, an Idempotency-Key)
// answers 201 with the hazard, or the API's JSON refusal; it carries the
// capture time as patrolled_at.
func (u *ui) recordPatrol(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		u.fail(c, err)
		return
	}
	f, files, err := u.form(c, workflow.MaxReportPhotos)
	if errors.Is(err, errCSRF) || err != nil && f == nil {
		u.fail(c, err)
		return
	}
	in, bad := eventFromForm(model.EventPatrol, f)
	if wantsJSON(c) {
		// The offline queue's send: not tied to the version of the page it
		// was saved on, hours ago perhaps (workflow.Hazards.Patrol).
		in.Version = 0
		delete(bad, "version")
	}
	var photos []workflow.EvidenceInput
	for _, p := range files {
		if len(p.data) > 0 {
			photos = append(photos, workflow.EvidenceInput{Filename: p.filename, Data: p.data})
		}
	}
	upload := err
	if err == nil && len(bad) > 0 {
		err = &httpError{http.StatusBadRequest, "invalid_fields", "请检查填写内容", bad}
	}
	if err == nil {
		var h workflow.HazardView
		if h, err = u.s.hazards.Patrol(c.Request.Context(), actor(c), id, in, photos); err == nil {
			if wantsJSON(c) {
				c.JSON(http.StatusCreated, queuedAnswer{ID: h.ID, Code: h.Code, URL: "/hazards/" + strconv.FormatInt(h.ID, 10)})
				return
			}
			toHazard(c, id, "patrol#patrols")
			return
		}
	}
	if wantsJSON(c) {
		u.fail(c, err) // JSON, with the fields' messages: the queue shows why
		return
	}
	u.eventRefused(c, id, model.EventPatrol, f, err, func(msg string) string {
		switch {
		case errors.Is(err, workflow.ErrStale):
			return "该隐患刚刚已被他人更新，页面已显示最新状态。您填写的内容已保留，请重新选择照片后提交。"
		case upload != nil:
			return "照片未能上传：" + msg + "。已填写的内容已保留，请重新选择照片后提交"
		case len(photos) > 0:
			return msg + "（照片需重新选择）"
		}
		return msg
	})
}

// eventFromForm reads an event's form: empty inputs are "not given"; numbers and
// yes/no are parsed here, everything else is the workflow's to judge.
func eventFromForm(ev model.Event, f map[string]string) (workflow.EventInput, map[string]string) {
	bad := map[string]string{}
	version, err := strconv.Atoi(f["version"])
	if err != nil {
		bad["version"] = "页面版本号缺失，请刷新页面"
	}
	in := workflow.EventInput{Event: ev, Version: version, Comment: f["comment"]}
	accepts := map[string]bool{}
	for _, name := range workflow.EventFields(ev) {
		accepts[name] = true
	}
	str := func(name string) *string {
		v := strings.TrimSpace(f[name])
		if !accepts[name] || v == "" {
			return nil
		}
		return &v
	}
	num := func(name string, msg string) *int64 {
		s := str(name)
		if s == nil {
			return nil
		}
		n, err := strconv.ParseInt(*s, 10, 64)
		if err != nil || n <= 0 {
			bad[name] = msg
			return nil
		}
		return &n
	}
	in.Level = str("level")
	in.Department = str("department")
	in.ToDepartment, in.ToRegionCode = str("to_department"), str("to_region_code")
	in.ListLevel = str("list_level")
	in.OrderNo, in.Note = str("order_no"), str("note")
	in.OccurredAt, in.What = str("occurred_at"), str("what")
	count := func(name string) *int {
		s := str(name)
		if s == nil {
			return nil
		}
		n, err := strconv.Atoi(*s)
		if err != nil || n < 0 {
			bad[name] = map[string]string{"people_evacuated": "转移人数", "casualties": "伤亡人数"}[name] + "应为不小于0的整数（没有填0）"
			return nil
		}
		return &n
	}
	in.PeopleEvacuated, in.Casualties = count("people_evacuated"), count("casualties")
	in.Result, in.PatrolledAt = str("result"), str("patrolled_at")
	if accepts["latitude"] {
		in.Latitude, in.Longitude = formDegrees(f["latitude"]), formDegrees(f["longitude"])
	}
	if s := str("approved"); s != nil {
		b := *s == "true"
		in.Approved = &b
	}
	in.BasisStandard, in.BasisClause = str("basis_standard"), str("basis_clause")
	in.BasisStandardID, in.BasisClauseRef = str("basis_standard_id"), str("basis_clause_ref")
	if id, ref, ok := strings.Cut(strings.TrimSpace(f["basis_pick"]), "|"); ok && accepts["basis_standard_id"] {
		// A clause picked from the catalogue: its title and text are the
		// catalogue's, whatever the free-text inputs hold.
		in.BasisStandardID, in.BasisClauseRef, in.BasisStandard, in.BasisClause = &id, &ref, nil, nil
	}
	in.Measures, in.ResponsibleUnit = str("measures"), str("responsible_unit")
	in.ResponsiblePartyType, in.ResponsibleRegionCode = str("responsible_party_type"), str("responsible_region_code")
	in.ResponsiblePerson, in.ResponsiblePhone = str("responsible_person"), str("responsible_phone")
	in.FundsSource, in.Deadline, in.EmergencyPlan, in.Reason = str("funds_source"), str("deadline"), str("emergency_plan"), str("reason")
	in.EnterpriseID = num("enterprise_id", "请选择生产经营单位")
	dup := str("duplicate_of")
	if v := strings.TrimSpace(f["duplicate_pick"]); dup == nil && v != "" && accepts["duplicate_of"] {
		dup = &v // one of the similar hazards listed, picked (a code typed wins)
	}
	if s := dup; s != nil {
		if ref, ok := workflow.ParseHazardRef(*s); ok {
			in.DuplicateOf = &ref
		} else {
			bad["duplicate_of"] = "重复的隐患应填写隐患编号（YH-…）"
		}
	}
	if s := str("funds"); s != nil {
		x, err := strconv.ParseFloat(strings.ReplaceAll(*s, ",", ""), 64)
		if err != nil {
			bad["funds"] = "整改资金应为数字（万元）"
		} else {
			in.Funds = &x
		}
	}
	if s := str("production_suspended"); s != nil {
		b := *s == "true"
		in.ProductionSuspended = &b
	}
	return in, bad
}

// uploadEvidence adds a file to the hazard from its page.
func (u *ui) uploadEvidence(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		u.fail(c, err)
		return
	}
	f, files, err := u.form(c, 1)
	if err == nil {
		in := workflow.EvidenceInput{Kind: f["kind"], Note: f["note"]}
		if len(files) == 1 {
			in.Filename, in.Data = files[0].filename, files[0].data
		}
		if _, err = u.s.evidence.Add(c.Request.Context(), actor(c), id, in); err == nil {
			toHazard(c, id, "evidence#evidence")
			return
		}
	}
	if errors.Is(err, errCSRF) {
		u.fail(c, err)
		return
	}
	p := u.refusal(c, err)
	d, derr := u.s.hazards.Detail(c.Request.Context(), actor(c), id)
	if derr != nil {
		u.fail(c, derr)
		return
	}
	v := u.hazardData(c, d, nil, uploadForm{Kind: f["kind"], Note: f["note"], Error: p.Message})
	v.Error = "上传失败：" + p.Message
	u.render(c, p.Status, "hazard", v)
}

func (u *ui) acknowledge(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	esc, err := u.s.supervision.Acknowledge(c.Request.Context(), actor(c), id, paperAnswer(f))
	if err != nil {
		u.fail(c, err)
		return
	}
	toHazard(c, esc.HazardID, "ack")
}

// paperAnswer reads staff's record of a paper answer from a form.
func paperAnswer(f map[string]string) workflow.PaperAnswer {
	return workflow.PaperAnswer{Paper: f["paper"] == "true", Note: f["note"]}
}

// replyEscalation records the addressee's written reply to a supervision step
// (it signs for the step too, if nobody has).
func (u *ui) replyEscalation(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	esc, err := u.s.supervision.Reply(c.Request.Context(), actor(c), id, f["text"], paperAnswer(f))
	if err != nil {
		u.fail(c, err)
		return
	}
	toHazard(c, esc.HazardID, "reply")
}

// ---- logging a finding ----

type findingView struct {
	base
	In      workflow.HazardInput
	Errors  map[string]string
	Sources []option
	Fixed   bool // the region is the user's enterprise's, not chosen
	// Lat and Lng are the coordinates as typed, shown again on a refusal;
	// so are the numbers of a disaster hazard's threat.
	Lat, Lng                     string
	Households, People, Property string
	Types                        []workflow.DisasterTypeInfo
	Parties                      []option // who rectifies
	MajorPeople                  int
	MajorProperty                float64
	// Dupes are the open hazards the finding may repeat, shown again when
	// the form comes back (part_duplicates.html).
	Dupes []workflow.SimilarHazard
}

// NearM is the distance within which hazards count as nearby.
func (findingView) NearM() int { return workflow.NearMeters }

func (u *ui) findingTitle(c *gin.Context) string {
	switch currentUser(c).Role {
	case model.RoleEnterprise:
		return "自查上报隐患"
	case model.RoleOfficer:
		return "上报隐患"
	}
	return "登记隐患"
}

func (u *ui) findingPage(c *gin.Context) {
	user := currentUser(c)
	if len(workflow.SourcesFor(user.Role)) == 0 {
		u.fail(c, workflow.Forbidden(user.Role.Label()+"不登记隐患：隐患由企业自查、监管人员检查、信息员上报或群众举报登记"))
		return
	}
	v := findingView{base: u.base(c, u.findingTitle(c), "/hazards/new"), Fixed: user.Role == model.RoleEnterprise,
		In: workflow.HazardInput{RegionCode: user.Region(), DiscoveredAt: u.s.hazards.Today().String()}}
	u.disasterChoices(&v)
	if user.Role == model.RoleSupervisor {
		v.Sources = findingSources(user.Role)
	}
	c.Header(offlineHeader, "finding")
	u.render(c, http.StatusOK, "finding", v)
}

// queuedAnswer is the answer to the offline queue's send: the hazard a
// finding registered, or the one a patrol was recorded on.
type queuedAnswer struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
	URL  string `json:"url"`
}

// findingLimit bounds the finding form's body (and the patrol form's, with as
// many photos): its photos and 1 MiB of fields (what form reads), for the
// Idempotency-Key's comparison of a retry.
func (u *ui) findingLimit() int64 {
	return int64(workflow.MaxReportPhotos)*int64(u.s.evidence.MaxUpload()) + 1<<20
}

// createFinding registers a hazard with its site photos, from a phone or a desk.
func (u *ui) createFinding(c *gin.Context) {
	f, files, err := u.form(c, workflow.MaxReportPhotos)
	if errors.Is(err, errCSRF) || err != nil && f == nil {
		u.fail(c, err)
		return
	}
	user := currentUser(c)
	in := workflow.HazardInput{Title: f["title"], Description: f["description"], Source: f["source"], Level: f["level"],
		Industry: f["industry"], RegionCode: f["region_code"], Location: f["location"], DiscoveredAt: f["discovered_at"],
		Latitude: formDegrees(f["latitude"]), Longitude: formDegrees(f["longitude"])}
	in.DisasterInput = workflow.DisasterInput{Category: f["category"], DisasterType: f["disaster_type"], Subtype: f["subtype"],
		ThreatenedHouseholds: formCount(f["threatened_households"]), ThreatenedPeople: formCount(f["threatened_people"]),
		ThreatenedProperty: formDegrees(f["threatened_property"]), MonitorName: f["monitor_name"],
		MonitorPhone: f["monitor_phone"], EvacuationPlan: f["evacuation_plan"]}
	in.PartyInput = workflow.PartyInput{ResponsiblePartyType: f["responsible_party_type"], ResponsibleUnit: f["responsible_unit"],
		ResponsibleRegionCode: f["responsible_region_code"]}
	if user.Role == model.RoleEnterprise {
		in.RegionCode = ""
		in.PartyInput = workflow.PartyInput{}
	}
	var photos []workflow.EvidenceInput
	for _, p := range files {
		if len(p.data) > 0 {
			photos = append(photos, workflow.EvidenceInput{Filename: p.filename, Data: p.data})
		}
	}
	// A refused upload (a photo over the limit) shows the form again as typed,
	// the photos to be chosen again, like any other refusal.
	upload := err
	if err == nil {
		var h workflow.HazardView
		if h, err = u.s.hazards.LogFinding(c.Request.Context(), actor(c), in, photos); err == nil {
			if wantsJSON(c) { // the offline queue: where the hazard is, kept for a retry
				c.JSON(http.StatusCreated, queuedAnswer{ID: h.ID, Code: h.Code, URL: "/hazards/" + strconv.FormatInt(h.ID, 10)})
				return
			}
			toHazard(c, h.ID, "created")
			return
		}
	}
	if wantsJSON(c) {
		u.fail(c, err) // JSON, with the fields' messages: the queue shows why
		return
	}
	p := u.refusal(c, err)
	msg := p.Message
	if upload != nil {
		msg = "照片未能上传：" + msg + "。已填写的内容已保留，请重新选择照片后提交"
	}
	v := findingView{base: u.base(c, u.findingTitle(c), "/hazards/new"), In: in, Errors: p.Fields, Fixed: user.Role == model.RoleEnterprise,
		Lat: f["latitude"], Lng: f["longitude"],
		Households: f["threatened_households"], People: f["threatened_people"], Property: f["threatened_property"]}
	u.disasterChoices(&v)
	if user.Role == model.RoleSupervisor {
		v.Sources = findingSources(user.Role)
	}
	if len(photos) > 0 && upload == nil {
		msg += "（照片需重新选择）"
	}
	v.Error = msg
	// The hint is a help, not a condition: a lookup that fails shows none;
	// coordinates refused with the form are left out of it.
	probe := workflow.Probe{Title: in.Title, Description: in.Description, Location: in.Location, RegionCode: in.RegionCode,
		Latitude: in.Latitude, Longitude: in.Longitude}
	if v.Dupes, err = u.s.hazards.SimilarTo(c.Request.Context(), actor(c), probe); err != nil {
		probe.Latitude, probe.Longitude = nil, nil
		v.Dupes, _ = u.s.hazards.SimilarTo(c.Request.Context(), actor(c), probe)
	}
	u.render(c, p.Status, "finding", v)
}

// similarHint is the finding form's hint as it is typed: the open hazards it
// may repeat (Hazards.SimilarTo), the part of the page that lists them
// (part_duplicates.html), empty when none or refused.
func (u *ui) similarHint(c *gin.Context) {
	var v findingView
	if p, err := probeFromQuery(c.Query); err == nil {
		v.Dupes, _ = u.s.hazards.SimilarTo(c.Request.Context(), actor(c), p)
	}
	u.hint(c, "finding", "duplicates-list", v)
}

// disasterChoices fills what the finding form offers a disaster hazard: the
// types and subtypes, and the thresholds of the suggested grade.
func (u *ui) disasterChoices(v *findingView) {
	v.Types = workflow.DisasterTypes()
	v.Parties = partyOptions()
	p := u.s.hazards.DisasterPolicy()
	v.MajorPeople, v.MajorProperty = p.MajorPeople, p.MajorProperty
}

// formCount reads a whole number typed in a form: nil when left empty, -1
// (refused by the workflow with the field's message) when not one.
func formCount(s string) *int {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = -1
	}
	return &n
}

// formDegrees reads a coordinate typed in a form: nil when left empty, NaN
// (refused by the workflow with the field's message) when not a number.
func formDegrees(s string) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		v = math.NaN()
	}
	return &v
}

func toText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// proposeAvoidanceReward proposes a reward for one avoidance (成功避险奖励);
// a refusal shows the hazard page again with the proposal as typed.
func (u *ui) proposeAvoidanceReward(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	ctx, a := c.Request.Context(), actor(c)
	rf := rewardForm{AvoidanceID: id, UserID: f["user_id"], Amount: f["amount"], Errors: map[string]string{}}
	user, uerr := strconv.ParseInt(strings.TrimSpace(rf.UserID), 10, 64)
	if uerr != nil {
		rf.Errors["user_id"] = "请选择奖励对象"
	}
	amount, aerr := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(rf.Amount, ",", "")), 64)
	if aerr != nil {
		rf.Errors["amount"] = "请填写奖励金额（元），只填数字"
	}
	var err error
	var r *model.AvoidanceReward
	if len(rf.Errors) == 0 {
		if r, err = u.s.hazards.ProposeAvoidanceReward(ctx, a, id, user, amount); err == nil {
			toHazard(c, r.HazardID, "avoid_proposed#avoidance")
			return
		}
	} else {
		err = &httpError{http.StatusBadRequest, "invalid_fields", "请检查填写内容", rf.Errors}
	}
	u.avoidanceRefused(c, f["hazard_id"], err, rf)
}

// avoidanceRewardStep decides (decision: approve or decline, note) or pays
// (paid) an avoidance reward.
func (u *ui) avoidanceRewardStep(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	ctx, a := c.Request.Context(), actor(c)
	var r *model.AvoidanceReward
	var err error
	flash := "avoid_decided"
	switch c.Param("step") {
	case "decision":
		switch f["decision"] {
		case "approve", "decline":
			r, err = u.s.hazards.DecideAvoidanceReward(ctx, a, id, f["decision"] == "approve", f["note"])
		default:
			err = &httpError{http.StatusBadRequest, "invalid_fields", "请选择批准或不予奖励", map[string]string{"decision": "请选择"}}
		}
	case "paid":
		flash = "avoid_paid"
		r, err = u.s.hazards.PayAvoidanceReward(ctx, a, id)
	default:
		u.fail(c, &httpError{http.StatusNotFound, "not_found", "没有这项操作", nil})
		return
	}
	if err == nil {
		toHazard(c, r.HazardID, flash+"#avoidance")
		return
	}
	u.avoidanceRefused(c, f["hazard_id"], err, rewardForm{})
}

// avoidanceRefused shows the page of the hazard the form came from (its
// hazard_id, seen as the user may see it) with err's message and rf as typed;
// the error page when there is none.
func (u *ui) avoidanceRefused(c *gin.Context, hazardID string, err error, rf rewardForm) {
	p := u.refusal(c, err)
	id, perr := strconv.ParseInt(hazardID, 10, 64)
	if perr != nil {
		u.fail(c, err)
		return
	}
	d, derr := u.s.hazards.Detail(c.Request.Context(), actor(c), id)
	if derr != nil {
		u.fail(c, err)
		return
	}
	v := u.hazardData(c, d, nil, uploadForm{})
	if rf.Errors == nil {
		rf.Errors = map[string]string{}
	}
	for k, m := range p.Fields {
		rf.Errors[k] = m
	}
	v.RewardForm, v.Error = rf, p.Message
	u.render(c, p.Status, "hazard", v)
}
