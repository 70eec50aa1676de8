// Package model holds the records of hazardloop, their typed constants and the store:
// every query, the territorial scoping and the transactions. It knows nothing of who
// may do what (that is workflow) nor of HTTP.
package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// State is a stage of a hazard's lifecycle.
type State string

// The states of docs/design.md.
const (
	StateDiscovered State = "discovered"
	StateListed     State = "listed"
	StateRectifying State = "rectifying"
	StateVerifying  State = "verifying"
	StateWrittenOff State = "written_off"
	StateDismissed  State = "dismissed"
)

// States lists every state in lifecycle order.
var States = []State{StateDiscovered, StateListed, StateRectifying, StateVerifying, StateWrittenOff, StateDismissed}

// Valid reports whether s is one of States.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// Open reports whether a hazard in s still waits for rectification (can be overdue).
func (s State) Open() bool { return s == StateListed || s == StateRectifying }

// Label is the state's Chinese name as officials use it.
func (s State) Label() string {
	switch s {
	case StateDiscovered:
		return "已发现（待核查）"
	case StateListed:
		return "已列入清单（待整改）"
	case StateRectifying:
		return "整改中"
	case StateVerifying:
		return "待核实"
	case StateWrittenOff:
		return "已销号"
	case StateDismissed:
		return "不予立案"
	}
	return string(s)
}

// Event names what happened to a hazard; each is one row of its log.
type Event string

// The events of docs/design.md, plus the log-only events create and imported.
const (
	EventCreate   Event = "create"
	EventImported Event = "imported"
	EventConfirm  Event = "confirm"
	EventDismiss  Event = "dismiss"
	EventPlan     Event = "plan"
	EventSubmit   Event = "submit"
	EventApprove  Event = "approve"
	EventReject   Event = "reject"
	EventExtend   Event = "extend"
	EventEscalate Event = "escalate"
	EventReopen   Event = "reopen"
	// EventRemind is the system's reminder that a due day is near: a self-loop
	// that moves no state and no clock.
	EventRemind Event = "remind"
	// Transfers (移交/转办): self-loops that hand a hazard to another
	// department or region. transfer asks, the receiver answers with
	// accept_transfer or decline_transfer, and the sweeper records
	// transfer_overdue once when the answer is late.
	EventTransfer        Event = "transfer"
	EventAcceptTransfer  Event = "accept_transfer"
	EventDeclineTransfer Event = "decline_transfer"
	EventTransferOverdue Event = "transfer_overdue"
	// EventListSupervision raises a major hazard's listed supervision
	// (挂牌督办) to the city or the province: a self-loop.
	EventListSupervision Event = "list_supervision"
	// EventVerifyOverdue is the sweep's record that a submission has waited
	// for verification past --verify-days working days (核实超时): once per
	// submission, a self-loop on verifying.
	EventVerifyOverdue Event = "verify_overdue"
	// Production suspended and resumed (停产停业 / 复产审查), self-loops: a
	// suspension order, the written request to resume, the on-site review,
	// and the sweep's record that a request waited past its review day.
	EventSuspend         Event = "suspend"
	EventResumeRequest   Event = "resume_request"
	EventResumeReview    Event = "resume_review"
	EventResumeReviewDue Event = "resume_review_due"
	// Patrols of an open disaster hazard (常态化排查) and danger signs (险情叫应),
	// self-loops: a patrol by staff {result, note}, the sweep's record that a
	// cycle's patrol was missed, and a supervisor's response to a danger sign.
	EventPatrol    Event = "patrol"
	EventPatrolDue Event = "patrol_due"
	EventRespond   Event = "respond"
	// Log-only events of the supervision ladder: they change no state.
	EventAcknowledge Event = "acknowledge"
	EventReply       Event = "reply"
	// Log-only events of evidence and public reports.
	EventEvidence         Event = "evidence"
	EventWithdrawEvidence Event = "withdraw_evidence"
	EventViewContact      Event = "view_contact"
	EventAnswerReporter   Event = "answer_reporter"
	EventReward           Event = "reward"
	// Successful avoidance (成功避险) of a disaster hazard, log-only, and the
	// reward of a member of staff for it (proposed, decided, paid).
	EventAvoidance       Event = "avoidance"
	EventAvoidanceReward Event = "avoidance_reward"
)

// Label is the event's Chinese name.
func (e Event) Label() string {
	switch e {
	case EventCreate:
		return "登记隐患"
	case EventImported:
		return "台账导入"
	case EventConfirm:
		return "核查属实，列入清单"
	case EventDismiss:
		return "不予立案"
	case EventPlan:
		return "制定整改方案"
	case EventSubmit:
		return "提交整改"
	case EventApprove:
		return "核实通过，销号"
	case EventReject:
		return "核实不通过"
	case EventExtend:
		return "延期"
	case EventEscalate:
		return "督办升级"
	case EventReopen:
		return "撤销销号"
	case EventRemind:
		return "期限临近提醒"
	case EventTransfer:
		return "移交"
	case EventAcceptTransfer:
		return "接收移交"
	case EventDeclineTransfer:
		return "退回移交"
	case EventTransferOverdue:
		return "移交逾期未接收"
	case EventListSupervision:
		return "提级挂牌督办"
	case EventVerifyOverdue:
		return "核实超时"
	case EventSuspend:
		return "责令停产停业"
	case EventResumeRequest:
		return "申请恢复生产"
	case EventResumeReview:
		return "复产审查"
	case EventResumeReviewDue:
		return "复产审查超期"
	case EventPatrol:
		return "巡查"
	case EventPatrolDue:
		return "巡查逾期"
	case EventRespond:
		return "险情处置"
	case EventAcknowledge:
		return "签收督办文书"
	case EventReply:
		return "回复督办"
	case EventEvidence:
		return "上传佐证材料"
	case EventWithdrawEvidence:
		return "撤回佐证材料"
	case EventViewContact:
		return "查看举报人联系方式"
	case EventAnswerReporter:
		return "答复举报人"
	case EventReward:
		return "举报奖励"
	case EventAvoidance:
		return "成功避险"
	case EventAvoidanceReward:
		return "成功避险奖励"
	}
	return string(e)
}

// Level is the legal grade of a hazard: only general and major exist.
type Level string

// The two legal grades.
const (
	LevelGeneral Level = "general"
	LevelMajor   Level = "major"
)

// Valid reports whether l is a legal grade.
func (l Level) Valid() bool { return l == LevelGeneral || l == LevelMajor }

// Label is the grade's Chinese name.
func (l Level) Label() string {
	if l == LevelMajor {
		return "重大"
	}
	return "一般"
}

// Source is the channel through which a hazard was found.
type Source string

// The channels of docs/design.md (who finds a hazard).
const (
	SourceSelfInspection   Source = "self_inspection"
	SourceSupervisoryCheck Source = "supervisory_check"
	SourcePublicReport     Source = "public_report"
	SourceOfficerReport    Source = "officer_report"
)

// Valid reports whether s is a known channel.
func (s Source) Valid() bool {
	switch s {
	case SourceSelfInspection, SourceSupervisoryCheck, SourcePublicReport, SourceOfficerReport:
		return true
	}
	return false
}

// Label is the channel's Chinese name.
func (s Source) Label() string {
	switch s {
	case SourceSelfInspection:
		return "企业自查"
	case SourceSupervisoryCheck:
		return "督导检查"
	case SourcePublicReport:
		return "群众举报"
	case SourceOfficerReport:
		return "信息员上报"
	}
	return string(s)
}

// Role is what a user is in the system.
type Role string

// The roles of docs/design.md. RoleSystem acts for the service itself (the sweeper).
const (
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleOfficer    Role = "officer"
	RoleEnterprise Role = "enterprise"
	RoleSystem     Role = "system"
	RolePublic     Role = "public" // an anonymous reporter, through the public channel
)

// Roles lists the roles a user account can have.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleOfficer, RoleEnterprise}

// Valid reports whether r is a role a user account can have.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Label is the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "系统管理员"
	case RoleSupervisor:
		return "监管人员"
	case RoleOfficer:
		return "信息员"
	case RoleEnterprise:
		return "企业用户"
	case RoleSystem:
		return "系统"
	case RolePublic:
		return "举报人"
	}
	return string(r)
}

// Date is a calendar day without a time of day. It is kept as midnight UTC so that
// comparisons in SQL are plain comparisons, and shows as 2006-01-02.
type Date struct{ time.Time }

// NewDate returns the day y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DateIn returns the calendar day that t falls on in loc.
func DateIn(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return NewDate(y, m, d)
}

// String formats the day as 2006-01-02.
func (d Date) String() string { return d.Format("2006-01-02") }

// AddDays returns the day n days later.
func (d Date) AddDays(n int) Date { return Date{d.Time.AddDate(0, 0, n)} }

// MarshalJSON writes "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "2006-01-02".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return err
	}
	*d = Date{t}
	return nil
}

// Value stores the day as midnight UTC.
func (d Date) Value() (driver.Value, error) { return d.Time, nil }

// Scan reads a day stored by Value (time or text, as the driver hands it over).
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		y, m, dd := x.UTC().Date()
		*d = NewDate(y, m, dd)
		return nil
	case string:
		return d.scanText(x)
	case []byte:
		return d.scanText(string(x))
	}
	return fmt.Errorf("model: cannot scan %T into Date", v)
}

// digitsDate reads "2006-01-02" as numbers (not checked as a day).
func digitsDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	for i, c := range []byte(s) {
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, 0, 0, false
		}
	}
	n := func(a, b int) int {
		v := 0
		for _, c := range []byte(s[a:b]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	return n(0, 4), n(5, 7), n(8, 10), true
}

func (d *Date) scanText(s string) error {
	if len(s) < 10 {
		return fmt.Errorf("model: bad date %q", s)
	}
	if y, m, dd, ok := digitsDate(s[:10]); ok { // what the databases hand over; no layout to interpret
		if t := time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC); t.Day() == dd && m >= 1 && m <= 12 {
			*d = Date{t}
			return nil
		}
	}
	t, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return fmt.Errorf("model: bad date %q: %w", s, err)
	}
	*d = Date{t}
	return nil
}

// Department is a competent department (行业主管部门) of a region's government:
// the emergency bureau, the comprehensive supervisor, or one of the industry
// departments. "" is none: an account that is not a supervisor's, a hazard not
// yet listed.
type Department string

// The departments of docs/design.md.
const (
	DeptEmergency        Department = "emergency"
	DeptHousing          Department = "housing"
	DeptTransport        Department = "transport"
	DeptWater            Department = "water"
	DeptNaturalResources Department = "natural_resources"
	DeptForestry         Department = "forestry"
	DeptFireRescue       Department = "fire_rescue"
	DeptMarketRegulation Department = "market_regulation"
	DeptAgriculture      Department = "agriculture"
	DeptEducation        Department = "education"
)

// Departments lists every department, the emergency bureau first.
var Departments = []Department{DeptEmergency, DeptHousing, DeptTransport, DeptWater, DeptNaturalResources,
	DeptForestry, DeptFireRescue, DeptMarketRegulation, DeptAgriculture, DeptEducation}

// Valid reports whether d is one of Departments ("" is not).
func (d Department) Valid() bool {
	for _, v := range Departments {
		if d == v {
			return true
		}
	}
	return false
}

// Label is the department's Chinese name, as in 住房和城乡建设 (without the
// region and the 局: workflow.DepartmentOffice composes those).
func (d Department) Label() string {
	switch d {
	case DeptEmergency:
		return "应急管理"
	case DeptHousing:
		return "住房和城乡建设"
	case DeptTransport:
		return "交通运输"
	case DeptWater:
		return "水利"
	case DeptNaturalResources:
		return "自然资源"
	case DeptForestry:
		return "林业"
	case DeptFireRescue:
		return "消防救援"
	case DeptMarketRegulation:
		return "市场监督管理"
	case DeptAgriculture:
		return "农业农村"
	case DeptEducation:
		return "教育"
	case "":
		return "未定"
	}
	return string(d)
}

// ListLevel is the level that put a major hazard under listed supervision
// (挂牌督办): the county, the city or the province. Only that level or above
// lifts it (摘牌).
type ListLevel string

// The levels of listed supervision.
const (
	ListCounty   ListLevel = "county"
	ListCity     ListLevel = "city"
	ListProvince ListLevel = "province"
)

// Valid reports whether l is one of the three levels ("" is not).
func (l ListLevel) Valid() bool { return l == ListCounty || l == ListCity || l == ListProvince }

// RegionLevel is the region level (RegionProvince, RegionCity, RegionCounty)
// of l; 0 for none.
func (l ListLevel) RegionLevel() int {
	switch l {
	case ListProvince:
		return RegionProvince
	case ListCity:
		return RegionCity
	case ListCounty:
		return RegionCounty
	}
	return 0
}

// Label is the level's Chinese name (省级, 市级, 县级).
func (l ListLevel) Label() string {
	switch l {
	case ListProvince:
		return "省级"
	case ListCity:
		return "市级"
	case ListCounty:
		return "县级"
	}
	return ""
}

// Category is what kind of hidden hazard a record is: an accident hazard
// (事故隐患, of production and business) or a disaster hazard (灾害隐患, of
// natural disasters: 地质灾害, 洪涝, 森林火灾 …).
type Category string

// The categories; every hazard has one, accident unless registered otherwise.
const (
	CategoryAccident Category = "accident"
	CategoryDisaster Category = "disaster"
)

// Valid reports whether c is one of the two categories.
func (c Category) Valid() bool { return c == CategoryAccident || c == CategoryDisaster }

// Label is the category's Chinese name.
func (c Category) Label() string {
	switch c {
	case CategoryAccident:
		return "事故隐患"
	case CategoryDisaster:
		return "灾害隐患"
	}
	return string(c)
}

// DisasterType is the type of a disaster hazard ("" for an accident hazard).
type DisasterType string

// The disaster types of issue #15 (docs/design.md).
const (
	DisasterGeological     DisasterType = "geological"       // 地质灾害
	DisasterFlood          DisasterType = "flood"            // 洪涝
	DisasterForestFire     DisasterType = "forest_fire"      // 森林火灾
	DisasterEarthquake     DisasterType = "earthquake"       // 地震
	DisasterSlopeBuilding  DisasterType = "slope_building"   // 切坡建房
	DisasterRailWater      DisasterType = "rail_water"       // 涉铁水利工程
	DisasterForestOilDepot DisasterType = "forest_oil_depot" // 林区油库
	DisasterOther          DisasterType = "other"            // 其他
)

// DisasterTypes lists every disaster type, in the order the pages offer them.
var DisasterTypes = []DisasterType{DisasterGeological, DisasterFlood, DisasterForestFire, DisasterEarthquake,
	DisasterSlopeBuilding, DisasterRailWater, DisasterForestOilDepot, DisasterOther}

// Valid reports whether t is one of DisasterTypes ("" is not).
func (t DisasterType) Valid() bool {
	for _, v := range DisasterTypes {
		if t == v {
			return true
		}
	}
	return false
}

// Label is the type's Chinese name.
func (t DisasterType) Label() string {
	switch t {
	case DisasterGeological:
		return "地质灾害"
	case DisasterFlood:
		return "洪涝"
	case DisasterForestFire:
		return "森林火灾"
	case DisasterEarthquake:
		return "地震"
	case DisasterSlopeBuilding:
		return "切坡建房"
	case DisasterRailWater:
		return "涉铁水利工程"
	case DisasterForestOilDepot:
		return "林区油库"
	case DisasterOther:
		return "其他"
	}
	return string(t)
}

// Subtype is one kind within a disaster type: code and Chinese name.
type Subtype struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// Subtypes are the kinds a disaster type divides into (none for the types
// that do not): geological hazards by the phenomenon, floods by the work or
// place at risk.
func (t DisasterType) Subtypes() []Subtype {
	switch t {
	case DisasterGeological:
		return []Subtype{{"landslide", "滑坡"}, {"collapse", "崩塌"}, {"debris_flow", "泥石流"}, {"subsidence", "地面塌陷"}}
	case DisasterFlood:
		return []Subtype{{"dyke", "堤防"}, {"reservoir", "水库"}, {"pond", "山塘"}, {"waterlogging", "城乡内涝"}}
	}
	return nil
}

// SubtypeLabel is the Chinese name of subtype code s of t, s itself when unknown.
func (t DisasterType) SubtypeLabel(s string) string {
	for _, v := range t.Subtypes() {
		if v.Code == s {
			return v.Label
		}
	}
	return s
}

// PartyType is who rectifies a hazard (整改责任主体): an enterprise (生产经营
// 单位), a township's government (乡镇人民政府/街道办事处), a village's committee
// (村（居）民委员会), a department of the government (行业部门) or the owner of
// a house or a piece of land (产权人/业主, who has no account: staff act on the
// owner's behalf).
type PartyType string

// The party types of issue #15 (docs/design.md, "Who rectifies").
const (
	PartyEnterprise PartyType = "enterprise"
	PartyTownship   PartyType = "township"
	PartyVillage    PartyType = "village"
	PartyDepartment PartyType = "department"
	PartyOwner      PartyType = "owner"
)

// PartyTypes lists every party type, in the order the pages offer them.
var PartyTypes = []PartyType{PartyEnterprise, PartyTownship, PartyVillage, PartyDepartment, PartyOwner}

// Valid reports whether p is one of PartyTypes ("" is not).
func (p PartyType) Valid() bool {
	for _, v := range PartyTypes {
		if p == v {
			return true
		}
	}
	return false
}

// Label is the party type's Chinese name.
func (p PartyType) Label() string {
	switch p {
	case PartyEnterprise:
		return "生产经营单位"
	case PartyTownship:
		return "乡镇（街道）"
	case PartyVillage:
		return "村（社区）"
	case PartyDepartment:
		return "行业部门"
	case PartyOwner:
		return "产权人（业主）"
	}
	return string(p)
}

// RegionLength is the length of the region code a party of type p is named
// by (responsible_region_code): 9 for a township, 12 for a village, 0 for the
// types named by something else.
func (p PartyType) RegionLength() int {
	switch p {
	case PartyTownship:
		return 9
	case PartyVillage:
		return 12
	}
	return 0
}
