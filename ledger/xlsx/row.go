package xlsx

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/width"

	"hazardloop/model"
)

// Row is one line of the ledger with typed values. On import a blank cell (or a
// column the file lacks) leaves the value at its zero: "", nil or false.
type Row struct {
	Code                string
	Title               string
	Description         string
	Source              model.Source
	Level               model.Level
	BasisStandard       string
	BasisClause         string
	Industry            string
	Department          model.Department
	RegionName          string
	RegionCode          string
	Enterprise          string
	CreditCode          string
	Location            string
	DiscoveredAt        *time.Time
	Measures            string
	ResponsibleUnit     string
	ResponsiblePerson   string
	ResponsiblePhone    string
	Funds               *float64
	FundsSource         string
	Deadline            *model.Date
	EmergencyPlan       string
	ProductionSuspended *bool
	State               model.State
	OverdueDays         int // export only
	Escalation          int // export only: the ladder step
	ListedSupervision   bool
	ListedLevel         string // export only: 县级, 市级 or 省级
	Verifier            string
	VerifiedAt          *time.Time
	ClosedAt            *time.Time
	Remark              string
	// A disaster hazard's (category "" on import: by the disaster type).
	Category             model.Category
	PartyType            model.PartyType // who rectifies; "" when the cell is empty
	PartyRegion          string          // a township's or village's code
	DisasterType         model.DisasterType
	Subtype              string // as written (code or Chinese name); on export the Chinese name
	ThreatenedHouseholds *int
	ThreatenedPeople     *int
	ThreatenedProperty   *float64
	MonitorName          string
	MonitorPhone         string
	EvacuationPlan       string
	Longitude, Latitude  *float64

	ChainHead string // the hazard's event-chain head, carried by the hidden sheet
}

// CellError is one problem of an uploaded ledger: the sheet's row number (as Excel
// shows it), the column's Chinese header ("" for the whole row) and a Chinese
// message.
type CellError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// MaxCellChars is Excel's limit of characters in one cell.
const MaxCellChars = 32767

// model.Shanghai is China Standard Time: ledger times are wall-clock times there.

// ParseRow turns the cells of one data row into a Row. cols[i] is the column
// (index into Columns) of cell i, or -1 for a column the ledger does not know;
// line is the row number for the errors; date1904 says which epoch serial dates
// count from. It never panics, whatever the cells hold.
func ParseRow(cols []int, cells []string, line int, date1904 bool) (Row, []CellError) {
	p := rowParser{line: line, date1904: date1904}
	for i, raw := range cells {
		if i >= len(cols) || cols[i] < 0 || cols[i] >= len(Columns) {
			continue
		}
		p.cell(&Columns[cols[i]], raw)
	}
	p.row.BasisStandard, p.row.BasisClause = SplitBasis(p.row.BasisStandard, p.row.BasisClause)
	// A subtype written by its Chinese name (滑坡) is kept by its code; one
	// that is not of the type stays as written, for the workflow to refuse.
	if r := &p.row; r.Subtype != "" && r.DisasterType != "" {
		for _, st := range r.DisasterType.Subtypes() {
			if normalize(r.Subtype) == normalize(st.Label) || normalize(r.Subtype) == st.Code {
				r.Subtype = st.Code
			}
		}
	}
	return p.row, p.errs
}

// SplitBasis splits a basis of grading written in one cell, 《…判定标准》第四条
// 第（一）项, at the end of the title, when no clause is given apart; a clause
// given apart leaves both as they are.
func SplitBasis(standard, clause string) (string, string) {
	if clause != "" {
		return standard, clause
	}
	i := strings.LastIndex(standard, "》")
	if i < 0 || !strings.HasPrefix(strings.TrimSpace(standard), "《") {
		return standard, clause
	}
	rest := strings.TrimLeft(standard[i+len("》"):], " \t\u3000，,：:；;、")
	title := strings.TrimSpace(standard[:i+len("》")])
	// A note in brackets after the title (its order number) stays with it.
	for _, br := range [][2]string{{"（", "）"}, {"(", ")"}} {
		if strings.HasPrefix(rest, br[0]) {
			if j := strings.Index(rest, br[1]); j > 0 {
				title, rest = title+rest[:j+len(br[1])], strings.TrimLeft(rest[j+len(br[1]):], " \t\u3000，,：:；;、")
			}
		}
	}
	if rest == "" {
		return standard, clause
	}
	return title, strings.TrimSpace(rest)
}

type rowParser struct {
	row      Row
	errs     []CellError
	line     int
	date1904 bool
}

func (p *rowParser) fail(c *Column, format string, args ...any) {
	p.errs = append(p.errs, CellError{Row: p.line, Column: c.Header, Message: fmt.Sprintf(format, args...)})
}

func (p *rowParser) cell(c *Column, raw string) {
	if utf8.RuneCountInString(raw) > MaxCellChars && utf16Len(raw) > MaxCellChars {
		p.fail(c, "单元格内容超过Excel上限%d个字符", MaxCellChars)
		return
	}
	if !utf8.ValidString(raw) {
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	v := strings.TrimSpace(strings.ReplaceAll(raw, "\u3000", " "))
	if v == "" || c.Output {
		return
	}
	if c.Max > 0 && utf8.RuneCountInString(v) > c.Max {
		p.fail(c, "%s不能超过%d个字", c.Header, c.Max)
		return
	}
	r := &p.row
	switch c.Key {
	case ColCode:
		r.Code = strings.ToUpper(normalize(v))
	case ColTitle:
		r.Title = v
	case ColDescription:
		r.Description = v
	case ColSource:
		if s, ok := parseSource(v); ok {
			r.Source = s
		} else {
			p.fail(c, "隐患来源“%s”无法识别，应为企业自查、督导检查、群众举报或信息员上报", clip(v))
		}
	case ColLevel:
		if l, ok := parseLevel(v); ok {
			r.Level = l
		} else {
			p.fail(c, "隐患等级“%s”无法识别，只能是一般或重大", clip(v))
		}
	case ColBasisStandard:
		r.BasisStandard = v
	case ColBasisClause:
		r.BasisClause = v
	case ColIndustry:
		r.Industry = v
	case ColDepartment:
		if d, ok := parseDepartment(v); ok {
			r.Department = d
		} else {
			p.fail(c, "主管部门“%s”无法识别，应为应急管理、住房和城乡建设、交通运输、水利、自然资源、林业、消防救援、市场监督管理、农业农村或教育", clip(v))
		}
	case ColRegionName:
		r.RegionName = v
	case ColRegionCode:
		code := normalize(v)
		if f, err := strconv.ParseFloat(code, 64); err == nil && f == math.Trunc(f) && f >= 100000 && f < 1e12 {
			code = strconv.FormatInt(int64(f), 10) // typed as a number: 360402, 360402.0 or 360102001001
		}
		if !model.ValidRegionCode(code) {
			p.fail(c, "区划代码应为6位（省、市、县）、9位（乡镇、街道）或12位（村、社区）数字")
			return
		}
		r.RegionCode = code
	case ColEnterprise:
		r.Enterprise = v
	case ColCreditCode:
		r.CreditCode = strings.ToUpper(normalize(v))
	case ColLocation:
		r.Location = v
	case ColDiscoveredAt, ColVerifiedAt, ColClosedAt:
		t, ok := ParseTime(v, p.date1904)
		if !ok {
			p.fail(c, "%s“%s”无法识别，请填写日期，如 2026-03-05 或 2026年3月5日", c.Header, clip(v))
			return
		}
		switch c.Key {
		case ColDiscoveredAt:
			r.DiscoveredAt = &t
		case ColVerifiedAt:
			r.VerifiedAt = &t
		default:
			r.ClosedAt = &t
		}
	case ColMeasures:
		r.Measures = v
	case ColResponsibleUnit:
		r.ResponsibleUnit = v
	case ColResponsiblePerson:
		r.ResponsiblePerson = v
	case ColResponsiblePhone:
		r.ResponsiblePhone = phoneCell(v)
	case ColFunds:
		f, ok := parseAmount(v)
		if !ok {
			p.fail(c, "整改资金“%s”应为数字（单位万元）", clip(v))
			return
		}
		r.Funds = &f
	case ColFundsSource:
		r.FundsSource = v
	case ColDeadline:
		t, ok := ParseTime(v, p.date1904)
		if !ok {
			p.fail(c, "整改期限“%s”无法识别，请填写日期，如 2026-03-05 或 2026年3月5日", clip(v))
			return
		}
		y, m, d := t.In(model.Shanghai).Date()
		day := model.NewDate(y, m, d)
		r.Deadline = &day
	case ColEmergencyPlan:
		r.EmergencyPlan = v
	case ColProductionSuspended:
		b, ok := parseBool(v)
		if !ok {
			p.fail(c, "是否停产停业只能填“是”或“否”")
			return
		}
		r.ProductionSuspended = &b
	case ColState:
		if s, ok := parseState(v); ok {
			r.State = s
		} else {
			p.fail(c, "当前状态“%s”无法识别，应为%s之一", clip(v), strings.Join(stateWords(), "、"))
		}
	case ColVerifier:
		r.Verifier = v
	case ColRemark:
		r.Remark = v
	case ColCategory:
		switch n := normalize(v); n {
		case "事故隐患", "事故", string(model.CategoryAccident):
			r.Category = model.CategoryAccident
		case "灾害隐患", "灾害", "自然灾害隐患", "自然灾害", string(model.CategoryDisaster):
			r.Category = model.CategoryDisaster
		default:
			p.fail(c, "隐患类别“%s”无法识别，只能是事故隐患或灾害隐患", clip(v))
		}
	case ColPartyType:
		n := normalize(v)
		for _, t := range model.PartyTypes {
			if n == normalize(t.Label()) || n == string(t) || n == strings.Split(t.Label(), "（")[0] {
				r.PartyType = t
			}
		}
		if r.PartyType == "" {
			p.fail(c, "责任主体类型“%s”无法识别，应为%s之一", clip(v), strings.Join(partyWords(), "、"))
		}
	case ColPartyRegion:
		r.PartyRegion = v
	case ColDisasterType:
		if t, ok := parseDisasterType(v); ok {
			r.DisasterType = t
		} else {
			p.fail(c, "灾害类型“%s”无法识别，应为%s之一", clip(v), strings.Join(disasterWords(), "、"))
		}
	case ColSubtype:
		r.Subtype = v
	case ColThreatenedHouseholds, ColThreatenedPeople:
		f, ok := parseAmount(strings.TrimSuffix(strings.TrimSuffix(normalize(v), "户"), "人"))
		if !ok || f != math.Trunc(f) || f < 0 || f > 1e9 {
			p.fail(c, "%s“%s”应为不小于0的整数", c.Header, clip(v))
			return
		}
		n := int(f)
		if c.Key == ColThreatenedHouseholds {
			r.ThreatenedHouseholds = &n
		} else {
			r.ThreatenedPeople = &n
		}
	case ColThreatenedProperty:
		f, ok := parseAmount(v)
		if !ok {
			p.fail(c, "威胁财产“%s”应为数字（单位万元）", clip(v))
			return
		}
		r.ThreatenedProperty = &f
	case ColMonitorName:
		r.MonitorName = v
	case ColMonitorPhone:
		r.MonitorPhone = phoneCell(v)
	case ColEvacuationPlan:
		r.EvacuationPlan = v
	case ColLongitude, ColLatitude:
		f, err := strconv.ParseFloat(strings.TrimRight(normalize(v), "°"), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			p.fail(c, "%s“%s”应为度数（WGS-84），如 115.858200", c.Header, clip(v))
			return
		}
		if c.Key == ColLongitude {
			r.Longitude = &f
		} else {
			r.Latitude = &f
		}
	}
}

// parseDisasterType reads a disaster type by its Chinese name, a common
// shorter one, or its code.
func parseDisasterType(v string) (model.DisasterType, bool) {
	n := normalize(v)
	for _, t := range model.DisasterTypes {
		if n == string(t) || n == normalize(t.Label()) {
			return t, true
		}
	}
	switch n {
	case "地灾", "滑坡", "崩塌", "泥石流", "地面塌陷":
		return model.DisasterGeological, true
	case "洪涝灾害", "防汛", "山洪", "内涝":
		return model.DisasterFlood, true
	case "森林火灾隐患", "森林防火", "林火":
		return model.DisasterForestFire, true
	case "地震灾害":
		return model.DisasterEarthquake, true
	case "其它":
		return model.DisasterOther, true
	}
	return "", false
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 20 {
		return s
	}
	return string([]rune(s)[:20]) + "…"
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func parseSource(v string) (model.Source, bool) {
	n := normalize(v)
	for _, s := range []model.Source{model.SourceSelfInspection, model.SourceSupervisoryCheck, model.SourcePublicReport, model.SourceOfficerReport} {
		if n == string(s) || n == normalize(s.Label()) {
			return s, true
		}
	}
	switch n {
	case "自查", "企业自查上报", "自查自报", "企业自查自报":
		return model.SourceSelfInspection, true
	case "督导检查发现", "监督检查", "执法检查", "督查检查", "检查发现":
		return model.SourceSupervisoryCheck, true
	case "举报", "群众举报查实", "投诉举报":
		return model.SourcePublicReport, true
	case "信息员", "信息员报告", "网格员上报":
		return model.SourceOfficerReport, true
	}
	return "", false
}

// parseDepartment reads a department by its name, with or without the
// office's suffix (住建局, 住房和城乡建设局, 市场监管局), or by its code.
func parseDepartment(v string) (model.Department, bool) {
	n := normalize(v)
	for _, suffix := range []string{"部门", "局", "厅"} {
		n = strings.TrimSuffix(n, suffix)
	}
	short := map[string]model.Department{"应急": model.DeptEmergency, "住建": model.DeptHousing, "交通": model.DeptTransport,
		"自然资源和规划": model.DeptNaturalResources, "消防": model.DeptFireRescue, "消防救援大队": model.DeptFireRescue,
		"消防救援支队": model.DeptFireRescue, "市场监管": model.DeptMarketRegulation, "农业": model.DeptAgriculture,
		"农业农村": model.DeptAgriculture, "教体": model.DeptEducation, "教育体育": model.DeptEducation}
	if d, ok := short[n]; ok {
		return d, true
	}
	for _, d := range model.Departments {
		if n == d.Label() || n == string(d) {
			return d, true
		}
	}
	return "", false
}

func parseLevel(v string) (model.Level, bool) {
	switch normalize(v) {
	case "一般", "一般隐患", "一般事故隐患", "general":
		return model.LevelGeneral, true
	case "重大", "重大隐患", "重大事故隐患", "major":
		return model.LevelMajor, true
	}
	return "", false
}

func parseState(v string) (model.State, bool) {
	n := normalize(v)
	for _, s := range model.States {
		if n == string(s) || n == normalize(s.Label()) {
			return s, true
		}
	}
	switch n {
	case "已发现", "待核查", "待核实查证":
		return model.StateDiscovered, true
	case "待整改", "已列入清单", "列入清单", "已登记", "未整改":
		return model.StateListed, true
	case "正在整改", "整改中(未完成)":
		return model.StateRectifying, true
	case "已整改待核实", "待验收", "整改完成待核实":
		return model.StateVerifying, true
	case "销号", "已销号", "已完成销号", "已验收销号":
		return model.StateWrittenOff, true
	case "不予立案", "已撤销", "已合并":
		return model.StateDismissed, true
	}
	return "", false
}

func parseBool(v string) (bool, bool) {
	switch normalize(v) {
	case "是", "y", "yes", "true", "1", "√", "已停产", "停产":
		return true, true
	case "否", "n", "no", "false", "0", "×", "无", "未停产":
		return false, true
	}
	return false, false
}

func parseAmount(v string) (float64, bool) {
	n := normalize(v)
	n = strings.TrimSuffix(strings.TrimSuffix(n, "万元"), "万")
	n = strings.ReplaceAll(n, ",", "")
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

var dateText = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:\s+|t)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?$`)

// ParseTime reads a date or date-time as ledgers hold it: an Excel serial number
// (1900 or 1904 epoch), 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305,
// each with or without a time of day, or RFC 3339. Times without a zone are
// Asia/Shanghai. The year must lie between 1950 and 2200.
func ParseTime(v string, date1904 bool) (time.Time, bool) {
	// Spaces stay: they part the day from the time.
	n := strings.ToLower(strings.TrimSpace(width.Fold.String(v)))
	if n == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(n, 64); err == nil && !strings.ContainsAny(n, "eEnN") {
		if len(n) == 8 && !strings.Contains(n, ".") && f >= 19500101 {
			if t, err := time.ParseInLocation("20060102", n, model.Shanghai); err == nil {
				return t.UTC(), true
			}
		}
		return fromSerial(f, date1904)
	}
	if t, err := time.Parse(time.RFC3339, strings.ToUpper(n)); err == nil {
		return inRange(t.UTC())
	}
	r := strings.NewReplacer("年", "-", "月", "-", "日", " ", "号", " ", "/", "-", ".", "-", "时", ":", "分", ":", "秒", "")
	s := strings.TrimSpace(r.Replace(n))
	s = strings.TrimRight(s, ":")
	m := dateText.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	num := func(i int) int {
		if m[i] == "" {
			return 0
		}
		x, _ := strconv.Atoi(m[i])
		return x
	}
	y, mo, d, h, mi, sec := num(1), num(2), num(3), num(4), num(5), num(6)
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, model.Shanghai)
	if t.Day() != d { // 2026-02-30
		return time.Time{}, false
	}
	return inRange(t.UTC())
}

// fromSerial converts an Excel serial date (days since the epoch, the fraction
// being the time of day) in Shanghai wall-clock time.
func fromSerial(f float64, date1904 bool) (time.Time, bool) {
	if math.IsNaN(f) || f < 1 || f > 200000 {
		return time.Time{}, false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, model.Shanghai)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, model.Shanghai)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	return inRange(t.UTC())
}

func inRange(t time.Time) (time.Time, bool) {
	if y := t.Year(); y < 1950 || y > 2200 {
		return time.Time{}, false
	}
	return t, true
}

// excelTime is t as Shanghai wall-clock time, the form excelize turns into a
// serial number.
func excelTime(t time.Time) time.Time {
	y, m, d := t.In(model.Shanghai).Date()
	h, mi, s := t.In(model.Shanghai).Clock()
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

// phoneCell is a phone number as a cell holds it: one typed as a number
// (1.3907910001E10, 13907910001.0) is written back as its digits.
func phoneCell(v string) string {
	if f, err := strconv.ParseFloat(v, 64); err == nil && f == math.Trunc(f) && f > 0 && f < 1e15 && strings.ContainsAny(v, ".eE") {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return v
}
