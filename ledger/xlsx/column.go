// Package xlsx is the Excel codec of the rectification ledger (整改清单 / 隐患台账):
// the column table, the streaming encoder, the template, the decoder that turns an
// uploaded workbook into row drafts with {row, column, message} errors, and the
// error report. It knows neither the database nor HTTP: it reads an io.Reader and
// writes an io.Writer.
package xlsx

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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
	// A disaster hazard's columns (灾害隐患) and every hazard's coordinates.
	ColCategory             = "category"
	ColDisasterType         = "disaster_type"
	ColSubtype              = "subtype"
	ColThreatenedHouseholds = "threatened_households"
	ColThreatenedPeople     = "threatened_people"
	ColThreatenedProperty   = "threatened_property"
	ColMonitorName          = "monitor_name"
	ColMonitorPhone         = "monitor_phone"
	ColEvacuationPlan       = "evacuation_plan"
	ColLongitude            = "longitude"
	ColLatitude             = "latitude"
	// Who rectifies (整改责任主体) and a township's or village's region.
	ColPartyType   = "responsible_party_type"
	ColPartyRegion = "responsible_region_code"
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
	// After the accident ledger's columns, so that a county's accident ledger
	// keeps its shape: a disaster hazard's, then the coordinates.
	{Key: ColCategory, Header: "隐患类别", Aliases: []string{"隐患分类"}, Kind: KindEnum, Words: categoryWords(), Width: 10,
		Note: "事故隐患或灾害隐患；留空时填写了灾害类型的为灾害隐患，否则为事故隐患"},
	{Key: ColDisasterType, Header: "灾害类型", Aliases: []string{"灾种", "灾害种类", "灾害隐患类型"}, Kind: KindEnum, Words: disasterWords(), Width: 14,
		Note: "灾害隐患必填：地质灾害、洪涝、森林火灾、地震、切坡建房、涉铁水利工程、林区油库或其他"},
	{Key: ColSubtype, Header: "灾害子类", Aliases: []string{"灾害亚类", "灾害隐患子类"}, Width: 10, Max: 20,
		Note: "地质灾害：滑坡、崩塌、泥石流、地面塌陷；洪涝：堤防、水库、山塘、城乡内涝；其他类型留空"},
	{Key: ColThreatenedHouseholds, Header: "威胁户数", Aliases: []string{"受威胁户数", "威胁户数（户）"}, Kind: KindInt, Width: 10,
		Note: "灾害隐患：受威胁的户数"},
	{Key: ColThreatenedPeople, Header: "威胁人数", Aliases: []string{"受威胁人数", "威胁人口", "威胁人数（人）"}, Kind: KindInt, Width: 10,
		Note: "灾害隐患：受威胁的人数；达到阈值（默认100人）建议判定为重大"},
	{Key: ColThreatenedProperty, Header: "威胁财产（万元）", Aliases: []string{"威胁财产", "受威胁财产（万元）", "威胁资产（万元）"}, Kind: KindNumber, Width: 14,
		Note: "灾害隐患：受威胁的财产，单位万元；达到阈值（默认500万元）建议判定为重大"},
	{Key: ColMonitorName, Header: "监测责任人", Aliases: []string{"监测人", "群测群防员", "监测员"}, Width: 12, Max: 50,
		Note: "灾害隐患：监测责任人或群测群防员"},
	{Key: ColMonitorPhone, Header: "监测人联系电话", Aliases: []string{"监测责任人联系电话", "监测责任人电话", "监测人电话", "群测群防员电话"}, Width: 16, Max: 20,
		Note: "灾害隐患：监测责任人的联系电话（“联系电话”列是整改责任人的）"},
	{Key: ColEvacuationPlan, Header: "避险转移路线", Aliases: []string{"避险转移路线及安置点", "转移路线", "避险路线", "撤离路线"}, Width: 30, Max: 2000,
		Note: "灾害隐患：避险转移路线和安置点"},
	{Key: ColLongitude, Header: "经度", Aliases: []string{"东经"}, Kind: KindNumber, Width: 12,
		Note: "WGS-84 度数，如 115.858200；经度、纬度同时填写"},
	{Key: ColLatitude, Header: "纬度", Aliases: []string{"北纬"}, Kind: KindNumber, Width: 12,
		Note: "WGS-84 度数，如 28.682900"},
	// Last, so that the ledgers written before keep their shape.
	{Key: ColPartyType, Header: "责任主体类型", Aliases: []string{"整改责任主体", "责任主体", "整改责任主体类型"}, Kind: KindEnum, Words: partyWords(), Width: 14,
		Note: "生产经营单位、乡镇（街道）、村（社区）、行业部门或产权人（业主）；留空为关联企业，否则为隐患所在的村、乡镇"},
	{Key: ColPartyRegion, Header: "责任区划", Aliases: []string{"责任区划代码"}, Width: 14, Max: 12,
		Note: "责任主体为乡镇（9位）或村（12位）时的区划代码；留空为隐患所在区划"},
}

func partyWords() []string {
	out := make([]string, len(model.PartyTypes))
	for i, p := range model.PartyTypes {
		out[i] = p.Label()
	}
	return out
}

func categoryWords() []string {
	return []string{model.CategoryAccident.Label(), model.CategoryDisaster.Label()}
}

func disasterWords() []string {
	out := make([]string, len(model.DisasterTypes))
	for i, t := range model.DisasterTypes {
		out[i] = t.Label()
	}
	return out
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

// headerIndex maps each normalised header and alias to its column, as
// written and with its brackets' contents dropped (整改资金（万元） is also
// 整改资金).
var headerIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range Columns {
		for _, name := range append([]string{c.Header}, c.Aliases...) {
			n := normalize(name)
			m[n] = i
			if b := stripBrackets(n); b != n {
				if _, taken := m[b]; !taken {
					m[b] = i
				}
			}
		}
	}
	return m
}()

// knownName is one name a header may hold among other words: a column's
// header or alias, normalised without brackets.
type knownName struct {
	text []rune
	col  int
}

var knownNames = func() []knownName {
	var out []knownName
	seen := map[string]bool{}
	for _, c := range Columns {
		for _, name := range append([]string{c.Header}, c.Aliases...) {
			n := stripBrackets(normalize(name))
			if utf8.RuneCountInString(n) < 2 || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, knownName{[]rune(n), headerIndex[n]})
		}
	}
	return out
}()

// How a header was read as a column.
const (
	MatchExact     = "exact"     // its name, an alias, or one with a note in brackets
	MatchContains  = "contains"  // a known name among other words
	MatchOrdered   = "ordered"   // a known name's characters in order, words between
	MatchMapped    = "mapped"    // the official's mapping
	MatchIgnored   = "ignored"   // no column
	MatchAmbiguous = "ambiguous" // two columns fit equally: asked, not guessed
)

// headerMatch is how one header cell reads: its column (-1 for none), how, and
// for an ambiguous one the columns it could be.
type headerMatch struct {
	col   int
	how   string
	cands []int
}

// maxHeaderRunes: a longer cell is a note, not a header.
const maxHeaderRunes = 60

// matchHeader reads a header cell as people write them: normalised (widths,
// spaces and line breaks, brackets), then a known name or alias, with or
// without what its brackets hold (整改期限（年月日）); else the known names
// the header contains (具体条款 in 《…判定标准》具体条款); else the known names
// whose characters it holds in order with other words between (整改完成时限
// holds 整改时限, three characters at least). Among several, the longest, and
// at equal length the one ending nearer the header's end (Chinese puts the
// head noun last); two columns still equal are ambiguous.
func matchHeader(cell string) headerMatch {
	n := normalize(cell)
	if n == "" || utf8.RuneCountInString(n) > maxHeaderRunes {
		return headerMatch{col: -1, how: MatchIgnored}
	}
	if i, ok := headerIndex[n]; ok {
		return headerMatch{col: i, how: MatchExact}
	}
	b := stripBrackets(n)
	if i, ok := headerIndex[b]; ok {
		return headerMatch{col: i, how: MatchExact}
	}
	h := []rune(b)
	if m := bestName(h, containsAt, 2); m.col >= 0 || m.how == MatchAmbiguous {
		if m.how == "" {
			m.how = MatchContains
		}
		return m
	}
	if m := bestName(h, orderedAt, 3); m.col >= 0 || m.how == MatchAmbiguous {
		if m.how == "" {
			m.how = MatchOrdered
		}
		return m
	}
	return headerMatch{col: -1, how: MatchIgnored}
}

// bestName picks among the known names of at least min characters that at
// finds in h (at returns where the name ends in h, or -1) the longest, then
// the one ending last; a tie between two columns is ambiguous.
func bestName(h []rune, at func(h, k []rune) int, min int) headerMatch {
	best, bestLen, bestEnd := -1, 0, -1
	var tied []int
	for _, k := range knownNames {
		if len(k.text) < min || len(k.text) > len(h) {
			continue
		}
		end := at(h, k.text)
		if end < 0 {
			continue
		}
		switch {
		case len(k.text) > bestLen || len(k.text) == bestLen && end > bestEnd:
			best, bestLen, bestEnd, tied = k.col, len(k.text), end, nil
		case len(k.text) == bestLen && end == bestEnd && k.col != best && !slices.Contains(tied, k.col):
			tied = append(tied, k.col)
		}
	}
	if len(tied) > 0 {
		return headerMatch{col: -1, how: MatchAmbiguous, cands: append([]int{best}, tied...)}
	}
	return headerMatch{col: best}
}

// containsAt is where the last occurrence of k in h ends, or -1.
func containsAt(h, k []rune) int {
	for i := len(h) - len(k); i >= 0; i-- {
		if slices.Equal(h[i:i+len(k)], k) {
			return i + len(k)
		}
	}
	return -1
}

// orderedAt is where k's characters, found in order in h as late as they can
// be, end (the last character's position plus one), or -1.
func orderedAt(h, k []rune) int {
	j, end := len(k)-1, -1
	for i := len(h) - 1; i >= 0 && j >= 0; i-- {
		if h[i] == k[j] {
			if j == len(k)-1 {
				end = i + 1
			}
			j--
		}
	}
	if j >= 0 {
		return -1
	}
	return end
}

// stripBrackets drops what round brackets hold (units, formats, notes), the
// brackets with it; an unclosed bracket is kept as text.
func stripBrackets(n string) string {
	if !strings.ContainsRune(n, '(') {
		return n
	}
	var b strings.Builder
	depth := 0
	for _, r := range n {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	if depth > 0 {
		return n
	}
	return b.String()
}

// NormalizeHeader is a header as the reader compares it (see normalize).
func NormalizeHeader(h string) string { return normalize(h) }

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
