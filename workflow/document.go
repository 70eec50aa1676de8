package workflow

import (
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
	Level    string
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

func newDocument(esc *model.Escalation, h *model.Hazard, region *model.Region) Document {
	w := wordings[esc.Step]
	reply := ChineseDate(esc.ReplyDue)
	d := Document{
		E: esc, H: h, Title: w.title, Step: StepLabel(esc.Step), Region: region.Name, Level: h.Level.Label(),
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
	return d
}
