// Package xlsx is the Excel codec of the rectification ledger (整改清单 / 隐患台账):
// the column table, the streaming encoder, the template, the decoder that turns an
// uploaded workbook into row drafts with {row, column, message} errors, and the
// error report. It knows neither the database nor HTTP: it reads an io.Reader and
// writes an io.Writer.
package xlsx

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"hazardloop/model"
)

// Kind is how a column's cells are written and read.
type Kind int

// The kinds of cell.
const (
	KindText     Kind = iota
	KindDate          // a day: a date cell on export; serials and typed forms on import
	KindDateTime      // a moment, shown in Asia/Shanghai
	KindNumber        // a decimal number
	KindInt           // a whole number
	KindBool          // 是/否
	KindEnum          // one of Words
)

// Column is one column of the ledger.
type Column struct {
	Key     string   // the hazard's field name (English, as in the API)
	Header  string   // the Chinese header authorities use
	Aliases []string // other headers people type for it
	Kind    Kind
	Words   []string // KindEnum: the words of the drop-down, in order
	Width   float64  // column width in characters
	Max     int      // KindText: most characters accepted (0: no limit of the codec's own)
	Output  bool     // derived by the system: exported, ignored on import
	Note    string   // what the template's explanation sheet says of it
}

// Keys of the columns, for callers that address a column by name.
const (
	ColCode                = "code"
	ColTitle               = "title"
	ColDescription         = "description"
	ColSource              = "source"
	ColLevel               = "level"
	ColBasisStandard       = "basis_standard"
	ColBasisClause         = "basis_clause"
	ColIndustry            = "industry"
	ColDepartment          = "department"
	ColRegionName          = "region_name"
	ColRegionCode          = "region_code"
	ColEnterprise          = "enterprise"
	ColCreditCode          = "credit_code"
	ColLocation            = "location"
	ColDiscoveredAt        = "discovered_at"
	ColMeasures            = "measures"
	ColResponsibleUnit     = "responsible_unit"
	ColResponsiblePerson   = "responsible_person"
	ColResponsiblePhone    = "responsible_phone"
	ColFunds               = "funds"
	ColFundsSource         = "funds_source"
	ColDeadline            = "deadline"
	ColEmergencyPlan       = "emergency_plan"
	ColProductionSuspended = "production_suspended"
	ColState               = "state"
	ColOverdueDays         = "overdue_days"
	ColEscalation          = "escalation"
	ColListedSupervision   = "listed_supervision"
	ColListedLevel         = "listed_level"
	ColVerifier            = "verifier"
	ColVerifiedAt          = "verified_at"
	ColClosedAt            = "closed_at"
	ColRemark              = "remark"
)

var yesNo = []string{"是", "否"}

// Columns are the ledger's columns in the order of the issue; export and template
// write them in this order, import finds them by name in any order.
var Columns = []Column{
	{Key: ColCode, Header: "隐患编号", Aliases: []string{"隐患编码", "编号"}, Width: 26,
		Note: "系统生成的编号。新登记的隐患留空；填写已有编号则更新该隐患"},
	{Key: ColTitle, Header: "隐患名称", Aliases: []string{"隐患标题", "问题名称", "隐患问题"}, Width: 30, Max: 200,
		Note: "必填，不超过200字"},
	{Key: ColDescription, Header: "隐患描述", Aliases: []string{"隐患内容", "问题描述", "隐患情况", "隐患描述及位置"}, Width: 40, Max: 5000,
		Note: "不超过5000字"},
	{Key: ColSource, Header: "隐患来源", Aliases: []string{"来源", "发现途径", "发现方式"}, Kind: KindEnum,
		Words: sourceWords(), Width: 12, Note: "企业自查、督导检查、群众举报或信息员上报；留空按导入人的默认来源"},
	{Key: ColLevel, Header: "隐患等级", Aliases: []string{"隐患级别", "等级", "级别"}, Kind: KindEnum,
		Words: []string{"一般", "重大"}, Width: 10, Note: "一般或重大；留空为一般"},
	{Key: ColBasisStandard, Header: "判定依据", Aliases: []string{"判定标准", "依据标准", "重大隐患判定依据"}, Width: 36, Max: 200,
		Note: "重大事故隐患必填：判定标准名称"},
	{Key: ColBasisClause, Header: "具体条款", Aliases: []string{"依据条款", "条款", "判定条款"}, Width: 20, Max: 500,
		Note: "重大事故隐患必填：判定标准的具体条款"},
	{Key: ColIndustry, Header: "行业领域", Aliases: []string{"行业", "所属行业", "行业类别"}, Width: 14, Max: 100},
	{Key: ColDepartment, Header: "主管部门", Aliases: []string{"行业主管部门", "监管部门", "主管单位"}, Kind: KindEnum, Words: departmentWords(), Width: 16,
		Note: "应急管理、住房和城乡建设、交通运输等（可带“局”字）；留空按行业领域确定。仅在登记列入清单及以后状态的隐患时填写，已有隐患的主管部门台账不能修改"},
	{Key: ColRegionName, Header: "所属区划", Aliases: []string{"所属地区", "所在区划", "行政区划", "所属区域", "区划", "区县"}, Width: 14,
		Note: "区划名称；填写了区划代码或生产经营单位时可留空"},
	{Key: ColRegionCode, Header: "区划代码", Aliases: []string{"行政区划代码", "区划编码"}, Width: 10,
		Note: "6位行政区划代码（GB/T 2260），优先于区划名称"},
	{Key: ColEnterprise, Header: "生产经营单位", Aliases: []string{"企业名称", "单位名称", "生产经营单位名称", "隐患单位", "企业"}, Width: 30, Max: 200},
	{Key: ColCreditCode, Header: "统一社会信用代码", Aliases: []string{"社会信用代码", "信用代码"}, Width: 22,
		Note: "18位，校验位须正确；系统中尚无的单位将按名称和信用代码一并登记"},
	{Key: ColLocation, Header: "隐患地点", Aliases: []string{"隐患部位", "隐患位置", "具体位置", "地点"}, Width: 20, Max: 500},
	{Key: ColDiscoveredAt, Header: "发现时间", Aliases: []string{"发现日期", "排查时间", "排查日期", "检查时间", "检查日期"}, Kind: KindDateTime, Width: 18,
		Note: "日期或日期时间，如 2026-03-05、2026/3/5、2026年3月5日；留空为导入时间"},
	{Key: ColMeasures, Header: "整改措施", Aliases: []string{"整改方案", "整改措施及方案"}, Width: 36, Max: 5000},
	{Key: ColResponsibleUnit, Header: "整改责任单位", Aliases: []string{"责任单位"}, Width: 24, Max: 200,
		Note: "留空为生产经营单位"},
	{Key: ColResponsiblePerson, Header: "整改责任人", Aliases: []string{"责任人"}, Width: 12, Max: 50},
	{Key: ColResponsiblePhone, Header: "联系电话", Aliases: []string{"电话", "联系方式", "责任人电话"}, Width: 16, Max: 20},
	{Key: ColFunds, Header: "整改资金（万元）", Aliases: []string{"整改资金", "资金（万元）", "整改资金（元）", "投入资金（万元）"}, Kind: KindNumber, Width: 14,
		Note: "单位万元"},
	{Key: ColFundsSource, Header: "资金来源", Width: 14, Max: 200},
	{Key: ColDeadline, Header: "整改期限", Aliases: []string{"整改时限", "整改完成期限", "完成时限", "整改截止日期", "整改截止时间", "限改日期"}, Kind: KindDate, Width: 12,
		Note: "日期；已有隐患的期限只能在系统中申请延期变更"},
	{Key: ColEmergencyPlan, Header: "应急预案", Aliases: []string{"应急预案或临时管控措施", "临时管控措施", "应急措施"}, Width: 30, Max: 5000,
		Note: "重大事故隐患整改须有应急预案或临时管控措施"},
	{Key: ColProductionSuspended, Header: "是否停产停业", Aliases: []string{"停产停业", "是否停产"}, Kind: KindBool, Words: yesNo, Width: 12},
	{Key: ColState, Header: "当前状态", Aliases: []string{"状态", "整改状态", "隐患状态", "整改情况"}, Kind: KindEnum, Words: stateWords(), Width: 18,
		Note: "留空为已发现（待核查）；迁移已有台账时可填写其他状态，系统记为台账导入"},
	{Key: ColOverdueDays, Header: "逾期天数", Kind: KindInt, Width: 10, Output: true, Note: "系统计算，导入时忽略"},
	{Key: ColEscalation, Header: "督办措施", Aliases: []string{"督办情况"}, Kind: KindEnum, Words: []string{"无", "函告", "通报", "约谈", "曝光"}, Width: 10, Output: true,
		Note: "系统记录，导入时忽略"},
	{Key: ColListedSupervision, Header: "是否挂牌督办", Aliases: []string{"挂牌督办"}, Kind: KindBool, Words: yesNo, Width: 12, Output: true,
		Note: "重大事故隐患列入清单即挂牌督办；导入时忽略"},
	{Key: ColListedLevel, Header: "挂牌层级", Aliases: []string{"挂牌督办层级", "督办层级"}, Kind: KindEnum, Words: []string{"县级", "市级", "省级"}, Width: 10, Output: true,
		Note: "县级、市级或省级挂牌督办（提级由市、省办理）；导入时忽略"},
	{Key: ColVerifier, Header: "核实人", Aliases: []string{"验收人", "核查人"}, Width: 12, Max: 50,
		Note: "导入已销号的隐患时记入日志"},
	{Key: ColVerifiedAt, Header: "核实时间", Aliases: []string{"核实日期", "验收时间", "验收日期"}, Kind: KindDateTime, Width: 18},
	{Key: ColClosedAt, Header: "销号时间", Aliases: []string{"销号日期"}, Kind: KindDateTime, Width: 18},
	{Key: ColRemark, Header: "备注", Aliases: []string{"说明"}, Width: 24, Max: 2000},
}

func departmentWords() []string {
	out := make([]string, len(model.Departments))
	for i, d := range model.Departments {
		out[i] = d.Label()
	}
	return out
}

func sourceWords() []string {
	return []string{
		model.SourceSelfInspection.Label(), model.SourceSupervisoryCheck.Label(),
		model.SourcePublicReport.Label(), model.SourceOfficerReport.Label(),
	}
}

func stateWords() []string {
	out := make([]string, len(model.States))
	for i, s := range model.States {
		out[i] = s.Label()
	}
	return out
}

// ColumnIndex returns the position of key in Columns, or -1.
func ColumnIndex(key string) int {
	for i := range Columns {
		if Columns[i].Key == key {
			return i
		}
	}
	return -1
}

// HeaderOf returns the Chinese header of the column key ("" if none).
func HeaderOf(key string) string {
	if i := ColumnIndex(key); i >= 0 {
		return Columns[i].Header
	}
	return ""
}

// headerIndex maps each normalised header and alias to its column.
var headerIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range Columns {
		m[normalize(c.Header)] = i
		for _, a := range c.Aliases {
			m[normalize(a)] = i
		}
	}
	return m
}()

// matchHeader returns the column a header cell names, or -1.
func matchHeader(cell string) int {
	n := normalize(cell)
	if n == "" {
		return -1
	}
	if i, ok := headerIndex[n]; ok {
		return i
	}
	// "隐患名称（必填）", "整改期限(年月日)": a note in brackets after the name.
	if j := strings.IndexByte(n, '('); j > 0 {
		if i, ok := headerIndex[n[:j]]; ok {
			return i
		}
	}
	return -1
}

// normalize folds what people type differently: full-width letters, digits and
// brackets to their narrow forms, every kind of space removed, the asterisk of a
// required column and trailing colons dropped, Latin letters lower-cased.
func normalize(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '*', r == '\u200b', r == '\ufeff':
			continue
		case r == '【' || r == '〔':
			r = '('
		case r == '】' || r == '〕':
			r = ')'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimRight(b.String(), ":")
}
