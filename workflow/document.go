package workflow

import (
	"fmt"
	"strings"

	"hazardloop/model"
)

// Document is a supervision document (督办文书) ready to render: the step, its
// hazard, and the formal wording of its kind.
type Document struct {
	E        *model.Escalation
	H        *model.Hazard
	Title    string
	Step     string
	Region   string
	Place    string // the region's full name and the place as given (ComposePlace)
	Level    string
	Kind     string // 事故隐患 or 灾害隐患
	Law      string // the law cited (LawFor)
	Deadline string // the rectification deadline, 2026年12月1日
	Issued   string
	ReplyDue string
	Action   string   // what the authority does
	Required []string // what the addressee must do, numbered
	Warning  string   // what follows if they do not
	Numerals []string
}

// ChineseDate formats a day as 2026年11月28日.
func ChineseDate(d model.Date) string { return d.Format("2006年1月2日") }

type wording struct {
	title, action, warning string
	required               []string
}

// wordings is the formal text of each step; {reply} stands for the reply deadline.
var wordings = map[int]wording{
	StepNotice: {
		title:  "事故隐患整改督办函",
		action: "现予函告，请你单位：",
		required: []string{
			"立即落实整改措施、责任、资金、时限和应急预案，确保尽快完成整改；",
			"整改期间采取有效的安全防范措施，防止发生生产安全事故；",
			"于{reply}前将整改进展情况书面报送我局。",
		},
		warning: "逾期不报或整改不到位的，我局将依规予以通报。",
	},
	StepCircular: {
		title:  "关于事故隐患逾期未整改的通报",
		action: "现对你单位予以通报，并要求：",
		required: []string{
			"深刻反思隐患逾期未整改的原因，主要负责人亲自部署整改工作；",
			"立即采取有效措施完成整改，必要时局部或全部停产停业；",
			"于{reply}前将整改情况及内部责任追究情况书面报送我局。",
		},
		warning: "逾期仍未整改到位的，我局将依规约谈你单位主要负责人。",
	},
	StepInterview: {
		title:  "安全生产约谈通知书",
		action: "我局决定约谈你单位主要负责人，请你单位：",
		required: []string{
			"主要负责人按通知的时间、地点接受约谈，汇报隐患整改情况；",
			"约谈后立即落实整改，于{reply}前书面报送整改落实情况。",
		},
		warning: "约谈后仍未整改到位的，我局将依规向社会公开曝光，并依法予以处理。",
	},
	StepExposure: {
		title:  "事故隐患公开曝光决定书",
		action: "经函告、通报、约谈，你单位仍未完成整改。我局决定将该隐患向社会公开曝光，并要求你单位：",
		required: []string{
			"立即停止存在重大风险的作业活动，全力完成隐患整改；",
			"于{reply}前将整改完成情况书面报送我局，经核实销号后撤出曝光台。",
		},
		warning: "拒不整改的，我局将依法责令停产停业整顿，并依法追究相关单位和人员的法律责任。",
	},
}

func newDocument(esc *model.Escalation, h *model.Hazard, region *model.Region, place string) Document {
	w := wordings[esc.Step]
	reply := ChineseDate(esc.ReplyDue)
	d := Document{
		E: esc, H: h, Title: w.title, Step: StepLabel(esc.Step), Region: region.Name, Place: place, Level: h.Level.Label(),
		Kind: model.CategoryAccident.Label(), Law: LawFor(h),
		Issued: ChineseDate(model.DateIn(esc.CreatedAt, model.Shanghai)), ReplyDue: reply,
		Action: w.action, Warning: w.warning,
		Numerals: []string{"一", "二", "三", "四", "五"},
	}
	if esc.DueOn != nil {
		d.Deadline = ChineseDate(*esc.DueOn)
	}
	for _, r := range w.required {
		d.Required = append(d.Required, strings.ReplaceAll(r, "{reply}", reply))
	}
	if h.Category == model.CategoryDisaster {
		// A disaster hazard's letter says so and warns of a disaster, not of
		// a production accident.
		d.Kind = model.CategoryDisaster.Label()
		d.Title = strings.ReplaceAll(d.Title, "事故隐患", d.Kind)
		d.Title = strings.ReplaceAll(d.Title, "安全生产约谈", "灾害隐患治理约谈")
		for i, r := range d.Required {
			d.Required[i] = strings.ReplaceAll(r, "防止发生生产安全事故", "防止发生灾害造成人员伤亡")
		}
	}
	return d
}

// RegionPrint is a region document (对地区和部门的督办) ready to render: the
// document, its formal wording, and each target's figures as sentences.
type RegionPrint struct {
	RegionDocument
	Title      string
	Issued     string
	ReplyDue   string
	Action     string
	Required   []string
	Warning    string
	Situations []string // one sentence per target: its hazards on the day of issue
	Numerals   []string
	Checkpoint string // the log's latest checkpoint when printed (Checkpoints.Stamp), "" when none
}

// regionWordings is the formal text of each step of a region document; {reply}
// stands for the reply deadline, {we} for the issuer (我局, 我厅).
var regionWordings = map[int]wording{
	StepNotice: {
		title:  "关于督促加快事故隐患排查治理工作的函",
		action: "现予函告，请你们：",
		required: []string{
			"高度重视事故隐患排查治理工作，主要负责同志亲自研究部署，逐项落实逾期隐患的整改责任、措施、资金、时限和应急预案；",
			"对逾期未整改的事故隐患逐项督促整改，重大事故隐患严格落实挂牌督办，确保按期整改到位；",
			"于{reply}前将整改进展情况书面报送{we}。",
		},
		warning: "逾期不报或整改进展仍然缓慢的，{we}将依规予以通报。",
	},
	StepCircular: {
		title:  "关于事故隐患治理进展缓慢地区（部门）的通报",
		action: "现将有关情况予以通报，并要求：",
		required: []string{
			"深刻反思隐患治理进展缓慢的原因，主要负责同志专题研究，压实属地和行业监管责任；",
			"立即组织对逾期事故隐患逐项攻坚，限期整改销号，重大事故隐患落实“一患一档”；",
			"于{reply}前将整改情况及责任追究情况书面报送{we}。",
		},
		warning: "通报后仍无明显改观的，{we}将依规约谈有关负责同志。",
	},
	StepInterview: {
		title:  "安全生产约谈通知书",
		action: "{we}决定约谈你单位主要负责同志，请你们：",
		required: []string{
			"主要负责同志按通知的时间、地点接受约谈，汇报事故隐患治理情况和下一步措施；",
			"约谈后立即落实整改，于{reply}前书面报送整改落实情况。",
		},
		warning: "约谈后仍未整改到位的，{we}将依规向社会公开曝光。",
	},
	StepExposure: {
		title:  "关于事故隐患治理进展缓慢情况的曝光",
		action: "经函告、通报、约谈，有关事故隐患仍未有效整改。{we}决定将有关情况向社会公开曝光，并要求你们：",
		required: []string{
			"全力推进逾期事故隐患整改销号，整改期间落实有效的安全防范措施；",
			"于{reply}前将整改完成情况书面报送{we}，经核实后撤出曝光台。",
		},
		warning: "仍不整改到位的，{we}将提请有关机关依规依纪依法追究相关单位和人员的责任。",
	},
}

// NewRegionPrint words region document d for printing.
func NewRegionPrint(d RegionDocument) RegionPrint {
	w := regionWordings[d.RegionSupervision.Step]
	name := []rune(d.IssuerName)
	we := "我局"
	if len(name) > 0 {
		we = "我" + string(name[len(name)-1])
	}
	var reply string
	if len(d.Targets) > 0 {
		reply = ChineseDate(d.Targets[0].ReplyDue)
	}
	fill := func(s string) string {
		return strings.NewReplacer("{reply}", reply, "{we}", we).Replace(s)
	}
	p := RegionPrint{RegionDocument: d, Title: w.title, Issued: ChineseDate(model.DateIn(d.CreatedAt, model.Shanghai)), ReplyDue: reply,
		Action: fill(w.action), Warning: fill(w.warning), Numerals: []string{"一", "二", "三", "四", "五"}}
	for _, r := range w.required {
		p.Required = append(p.Required, fill(r))
	}
	for _, t := range d.Targets {
		s := fmt.Sprintf("在办事故隐患%d项，其中逾期未整改%d项", t.OpenHazards, t.OverdueHazards)
		if len(d.Targets) > 1 {
			s = t.Addressee + "：" + s
		}
		if t.MajorOverdue > 0 {
			s += fmt.Sprintf("（重大事故隐患%d项）", t.MajorOverdue)
		}
		if t.OpenHazards > 0 || t.RectificationRate > 0 {
			s += fmt.Sprintf("，整改率%.1f%%", t.RectificationRate*100)
		}
		s += "。"
		p.Situations = append(p.Situations, s)
	}
	return p
}
