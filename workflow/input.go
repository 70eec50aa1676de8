package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hazardloop/model"
)

// Fields are the values an event may carry. They use the hazard's own names; nil
// means "not given". Which fields an event takes is the event's own business (see
// accepts); any other field given is refused rather than ignored.
type Fields struct {
	Level         *string `json:"level,omitempty"`
	BasisStandard *string `json:"basis_standard,omitempty"`
	BasisClause   *string `json:"basis_clause,omitempty"`
	// BasisStandardID and BasisClauseRef cite the catalogue of criteria
	// (Catalogue): the standard's id and the clause's ref, its text filled in.
	BasisStandardID *string `json:"basis_standard_id,omitempty"`
	BasisClauseRef  *string `json:"basis_clause_ref,omitempty"`
	Measures        *string `json:"measures,omitempty"`
	ResponsibleUnit *string `json:"responsible_unit,omitempty"`
	// Who rectifies (party.go): the type, and a township's or village's region.
	ResponsiblePartyType  *string    `json:"responsible_party_type,omitempty"`
	ResponsibleRegionCode *string    `json:"responsible_region_code,omitempty"`
	ResponsiblePerson     *string    `json:"responsible_person,omitempty"`
	ResponsiblePhone      *string    `json:"responsible_phone,omitempty"`
	Funds                 *float64   `json:"funds,omitempty"`
	FundsSource           *string    `json:"funds_source,omitempty"`
	Deadline              *string    `json:"deadline,omitempty"`
	EmergencyPlan         *string    `json:"emergency_plan,omitempty"`
	ProductionSuspended   *bool      `json:"production_suspended,omitempty"`
	Reason                *string    `json:"reason,omitempty"`
	DuplicateOf           *HazardRef `json:"duplicate_of,omitempty"`
	EnterpriseID          *int64     `json:"enterprise_id,omitempty"`
	Department            *string    `json:"department,omitempty"`
	ToDepartment          *string    `json:"to_department,omitempty"`
	ToRegionCode          *string    `json:"to_region_code,omitempty"`
	ListLevel             *string    `json:"list_level,omitempty"`
	OrderNo               *string    `json:"order_no,omitempty"`
	Approved              *bool      `json:"approved,omitempty"`
	Note                  *string    `json:"note,omitempty"`
	// A successful avoidance (avoidance): when the danger came (RFC 3339 or
	// 2006-01-02T15:04, Asia/Shanghai), what happened, the people moved out
	// of its way and the casualties.
	OccurredAt      *string `json:"occurred_at,omitempty"`
	What            *string `json:"what,omitempty"`
	PeopleEvacuated *int    `json:"people_evacuated,omitempty"`
	Casualties      *int    `json:"casualties,omitempty"`
	// A patrol's result (normal, changed, danger), where it was made and,
	// when it reaches the service later than it was made (the offline
	// queue), when (RFC 3339 or 2006-01-02T15:04, Asia/Shanghai).
	Result      *string  `json:"result,omitempty"`
	PatrolledAt *string  `json:"patrolled_at,omitempty"`
	Latitude    *float64 `json:"latitude,omitempty"`
	Longitude   *float64 `json:"longitude,omitempty"`
}

// given lists the JSON names of the fields that are set.
func (f *Fields) given() []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(f.Level != nil, "level")
	add(f.BasisStandard != nil, "basis_standard")
	add(f.BasisClause != nil, "basis_clause")
	add(f.BasisStandardID != nil, "basis_standard_id")
	add(f.BasisClauseRef != nil, "basis_clause_ref")
	add(f.Measures != nil, "measures")
	add(f.ResponsibleUnit != nil, "responsible_unit")
	add(f.ResponsiblePartyType != nil, "responsible_party_type")
	add(f.ResponsibleRegionCode != nil, "responsible_region_code")
	add(f.ResponsiblePerson != nil, "responsible_person")
	add(f.ResponsiblePhone != nil, "responsible_phone")
	add(f.Funds != nil, "funds")
	add(f.FundsSource != nil, "funds_source")
	add(f.Deadline != nil, "deadline")
	add(f.EmergencyPlan != nil, "emergency_plan")
	add(f.ProductionSuspended != nil, "production_suspended")
	add(f.Reason != nil, "reason")
	add(f.DuplicateOf != nil, "duplicate_of")
	add(f.EnterpriseID != nil, "enterprise_id")
	add(f.Department != nil, "department")
	add(f.ToDepartment != nil, "to_department")
	add(f.ToRegionCode != nil, "to_region_code")
	add(f.ListLevel != nil, "list_level")
	add(f.OrderNo != nil, "order_no")
	add(f.Approved != nil, "approved")
	add(f.Note != nil, "note")
	add(f.OccurredAt != nil, "occurred_at")
	add(f.What != nil, "what")
	add(f.PeopleEvacuated != nil, "people_evacuated")
	add(f.Casualties != nil, "casualties")
	add(f.Result != nil, "result")
	add(f.PatrolledAt != nil, "patrolled_at")
	add(f.Latitude != nil, "latitude")
	add(f.Longitude != nil, "longitude")
	return out
}

// EventInput is one request to move a hazard.
type EventInput struct {
	Event   model.Event
	Version int
	Comment string
	Fields
	photos []int64 // a patrol's photos, attached just before it (Patrol)
}

// fieldNames are the Chinese names of fields, for messages.
var fieldNames = map[string]string{
	"title": "隐患名称", "description": "隐患描述", "source": "隐患来源", "level": "隐患等级",
	"industry": "行业领域", "department": "主管部门", "region_code": "所属区划", "enterprise_id": "生产经营单位",
	"location": "隐患地点", "discovered_at": "发现时间", "basis_standard": "判定依据",
	"basis_clause": "具体条款", "measures": "整改措施", "responsible_unit": "整改责任单位",
	"responsible_person": "整改责任人", "responsible_phone": "联系电话", "funds": "整改资金",
	"funds_source": "资金来源", "deadline": "整改期限", "emergency_plan": "应急预案或临时管控措施",
	"production_suspended": "是否停产停业", "reason": "理由", "duplicate_of": "重复的隐患",
	"comment": "意见", "event": "操作", "version": "版本号",
	"code": "区划代码", "name": "名称", "parent_code": "上级区划", "credit_code": "统一社会信用代码",
	"username": "用户名", "password": "密码", "role": "角色", "display_name": "姓名", "active": "启用状态",
	"kind": "材料类别", "note": "说明", "file": "文件", "text": "内容", "address": "地址",
	"contact_name": "联系人姓名", "contact_phone": "联系电话", "latitude": "纬度", "longitude": "经度",
	"fine": "罚款金额", "to_department": "移交至部门", "to_region_code": "移交至区划",
	"list_level": "挂牌层级", "principal_name": "主要负责人", "period": "统计期", "order_no": "停产停业指令文号", "approved": "审查结论",
	"basis_standard_id": "判定标准", "basis_clause_ref": "判定条款", "paper": "纸质回执", "result": "巡查结果", "patrolled_at": "巡查时间",
	"occurred_at": "险情发生时间", "what": "险情及避险经过", "people_evacuated": "转移人数", "casualties": "伤亡人数",
	"responsible_party_type": "整改责任主体类型", "responsible_region_code": "责任区划",
}

func required(field string) string { return fieldNames[field] + "不能为空" }

// ValidPhone reports whether s is written as a phone number (digits, spaces and
// dashes, an optional leading +), as events and reports check it.
func ValidPhone(s string) bool { return phonePattern.MatchString(s) }

// text is the one normalisation of every text field of a hazard, an event, a
// report or an account: "" if not given; else the value without whitespace,
// zero-width characters and byte-order marks at its ends (so that "\u200b\ufeff"
// is empty and a required field refuses it), refused when it holds a control
// character other than a line break or a tab, a bidirectional override (it
// makes text read differently than it is stored) or invalid UTF-8, or when it
// is longer than max characters. (Unicode normalisation, NFC, would need
// golang.org/x/text; the store keeps what was typed.)
func text(errs fieldErrors, field string, v *string, max int) string {
	if v == nil {
		return ""
	}
	s := trimText(*v)
	switch {
	case !utf8.ValidString(s):
		errs.add(field, fieldNames[field]+"含有无法识别的字符")
	case strings.IndexFunc(s, hiddenControl) >= 0:
		errs.add(field, fieldNames[field]+"含有不可见的控制字符，请删除后重新输入")
	case utf8.RuneCountInString(s) > max:
		errs.add(field, fmt.Sprintf("%s不能超过%d个字", fieldNames[field], max))
	}
	return s
}

// textField is text for a field given as a plain string.
func textField(errs fieldErrors, field, v string, max int) string { return text(errs, field, &v, max) }

// trimText trims whitespace, zero-width characters and byte-order marks from
// both ends of s.
func trimText(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || zeroWidth(r) })
}

// zeroWidth: the characters that take no room on screen and carry nothing in a
// name or a title (zero-width space, non-joiner and joiner, word joiner, BOM).
func zeroWidth(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}

// hiddenControl: a control character other than a line break or a tab, or a
// bidirectional mark, embedding, override or isolate.
func hiddenControl(r rune) bool {
	switch {
	case r == '\n' || r == '\r' || r == '\t':
		return false
	case unicode.IsControl(r):
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
		return true
	}
	return false
}

// printable is s without any control or format character (Unicode Cc and Cf:
// NUL, line breaks, bidirectional controls, zero-width characters): for a name
// that is shown on one line and never refused, such as an uploaded file's.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf) {
			return -1
		}
		return r
	}, s)
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 \-]{5,19}$`)

// parseDay reads a calendar day: 2006-01-02, or an RFC 3339 time (its day in
// Asia/Shanghai).
func parseDay(s string) (model.Date, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return model.Date{Time: t}, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return model.DateIn(t, model.Shanghai), true
	}
	return model.Date{}, false
}

// parseInstant reads a moment: RFC 3339, 2006-01-02T15:04 (a page's
// datetime-local, in Asia/Shanghai), or 2006-01-02 (midnight in Asia/Shanghai).
func parseInstant(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, model.Shanghai); err == nil {
		return t.UTC(), true
	}
	if t, err := time.ParseInLocation("2006-01-02", s, model.Shanghai); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// deadline reads a deadline field that must be a day from today on, within five
// years.
func deadline(errs fieldErrors, field string, v *string, today model.Date) *model.Date {
	if v == nil {
		return nil
	}
	d, ok := parseDay(*v)
	switch {
	case !ok:
		errs.add(field, fieldNames[field]+"格式应为 YYYY-MM-DD")
		return nil
	case d.Before(today.Time):
		errs.add(field, fieldNames[field]+"不能早于今天")
		return nil
	case d.After(today.AddDays(5 * 366).Time):
		errs.add(field, fieldNames[field]+"不能超过五年")
		return nil
	}
	return &d
}

func parseLevel(errs fieldErrors, v string) model.Level {
	switch strings.TrimSpace(v) {
	case "general", "一般":
		return model.LevelGeneral
	case "major", "重大":
		return model.LevelMajor
	}
	errs.add("level", "隐患等级只能是一般（general）或重大（major）")
	return ""
}

// HazardRef names a hazard either way staff know it: the number (42) or the
// code a page shows (YH-360102-20261128-0001), so that dismissing a finding as
// a duplicate takes what the user sees.
type HazardRef struct {
	ID   int64
	Code string
}

// Ref is the reference to hazard id.
func Ref(id int64) *HazardRef { return &HazardRef{ID: id} }

// ParseHazardRef reads a reference typed in a form: a positive number or a
// hazard code (case and surrounding spaces ignored); ok is false otherwise.
func ParseHazardRef(s string) (HazardRef, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return HazardRef{ID: n}, n > 0
	}
	if code := strings.ToUpper(s); strings.HasPrefix(code, "YH-") && len(code) <= 64 {
		return HazardRef{Code: code}, true
	}
	return HazardRef{}, false
}

// UnmarshalJSON takes a number or a code string.
func (r *HazardRef) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		ref, ok := ParseHazardRef(s)
		if !ok {
			// A type error, so the decoder names the field in its answer.
			return &json.UnmarshalTypeError{Value: "string", Type: reflect.TypeFor[HazardRef]()}
		}
		*r = ref
		return nil
	}
	var n int64
	if err := json.Unmarshal(bytes.TrimSpace(b), &n); err != nil {
		return err
	}
	*r = HazardRef{ID: n}
	return nil
}

// MarshalJSON writes the code when that is what was given, else the number.
func (r HazardRef) MarshalJSON() ([]byte, error) {
	if r.Code != "" {
		return json.Marshal(r.Code)
	}
	return json.Marshal(r.ID)
}
