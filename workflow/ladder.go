package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"hazardloop/model"
)

// The supervision ladder (督办): 0 none → 1 notice letter → 2 circular →
// 3 interview → 4 exposure.
const (
	StepNotice    = 1 // 函告
	StepCircular  = 2 // 通报
	StepInterview = 3 // 约谈
	StepExposure  = 4 // 曝光
)

// StepLabel is the Chinese name of a ladder step.
func StepLabel(step int) string {
	switch step {
	case StepNotice:
		return "函告"
	case StepCircular:
		return "通报"
	case StepInterview:
		return "约谈"
	case StepExposure:
		return "曝光"
	}
	return "无"
}

// LadderPolicy says when the ladder moves. Days are calendar days, or working days
// (by the holiday calendar) when WorkingDays is set.
type LadderPolicy struct {
	// General and Major: how many days overdue a hazard of that grade must be for
	// steps 1 to 4.
	General [4]int
	Major   [4]int
	// PlanDays: a listed hazard without a deadline counts as overdue this many
	// days after it was listed (no plan yet).
	PlanDays    int
	WorkingDays bool
	// ReplyDays: working days the addressee has to reply to each step (e.g. the
	// written reply within 5 working days of an interview).
	ReplyDays [4]int
	// RemindDays: an open hazard whose due day is this many calendar days away or
	// fewer gets one reminder (期限临近提醒) per due day; 0 sends none.
	RemindDays int
	// TransferDays: working days the receiver of a transfer (移交) has to sign
	// for it or send it back; 0 takes DefaultTransferDays.
	TransferDays int
	// VerifyDays: working days a submission may wait for verification before
	// it is late (核实超时); 0 takes DefaultVerifyDays.
	VerifyDays int
	// ResumeReviewDays: calendar days a request to resume production waits for
	// its on-site review (复产审查); 0 takes DefaultResumeReviewDays.
	ResumeReviewDays int
}

// DefaultVerifyDays is how many working days a submission waits for
// verification before it is late, unless configured otherwise.
const DefaultVerifyDays = 5

func (p LadderPolicy) verifyDays() int {
	if p.VerifyDays <= 0 {
		return DefaultVerifyDays
	}
	return p.VerifyDays
}

// verifyDue is the last day h's submission may wait for verification, nil when
// h is not waiting for it.
func (l ladder) verifyDue(h *model.Hazard) *model.Date {
	if h.State != model.StateVerifying || h.SubmittedAt == nil {
		return nil
	}
	d := l.cal.AddWorkingDays(model.DateIn(*h.SubmittedAt, model.Shanghai), l.policy.verifyDays())
	return &d
}

// verifyCutoff is the instant before which a submission still waiting on
// today is late: the start (Asia/Shanghai) of the day after the last
// submission day whose verification was due before today.
func (l ladder) verifyCutoff(today model.Date) time.Time {
	d := today.AddDays(-1)
	for i := 0; i < 400 && !l.cal.AddWorkingDays(d, l.policy.verifyDays()).Before(today.Time); i++ {
		d = d.AddDays(-1)
	}
	next := d.AddDays(1)
	return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, model.Shanghai).UTC()
}

// DefaultTransferDays is how many working days a transfer waits for its answer
// unless configured otherwise.
const DefaultTransferDays = 3

func (p LadderPolicy) transferDays() int {
	if p.TransferDays <= 0 {
		return DefaultTransferDays
	}
	return p.TransferDays
}

// DefaultLadder is the policy unless configured otherwise.
var DefaultLadder = LadderPolicy{
	General:          [4]int{1, 7, 15, 30},
	Major:            [4]int{1, 3, 7, 15},
	PlanDays:         7,
	ReplyDays:        [4]int{5, 5, 5, 10},
	RemindDays:       3,
	TransferDays:     DefaultTransferDays,
	VerifyDays:       DefaultVerifyDays,
	ResumeReviewDays: DefaultResumeReviewDays,
}

// ParseThresholds reads "1,7,15,30": four increasing day counts, the first ≥ 1.
func ParseThresholds(s string) ([4]int, error) {
	var out [4]int
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return out, fmt.Errorf("want four day counts like 1,7,15,30, got %q", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || (i > 0 && n <= out[i-1]) {
			return out, fmt.Errorf("want four increasing day counts from 1 up, got %q", s)
		}
		out[i] = n
	}
	return out, nil
}

// Validate checks a policy; KindInvalid names the bad part.
func (p LadderPolicy) Validate() error {
	errs := fieldErrors{}
	for name, t := range map[string][4]int{"general": p.General, "major": p.Major} {
		for i := range t {
			if t[i] < 1 || (i > 0 && t[i] <= t[i-1]) {
				errs.add(name, "各级督办的逾期天数须从1起逐级递增")
				break
			}
		}
	}
	if p.PlanDays < 1 || p.PlanDays > 365 {
		errs.add("plan_days", "未制定整改方案的宽限天数应在1到365之间")
	}
	for _, d := range p.ReplyDays {
		if d < 1 || d > 60 {
			errs.add("reply_days", "回复期限应在1到60个工作日之间")
			break
		}
	}
	if p.RemindDays < 0 || p.RemindDays > 60 {
		errs.add("remind_days", "期限临近提醒天数应在0（不提醒）到60之间")
	}
	if p.ResumeReviewDays < 0 || p.ResumeReviewDays > 60 {
		errs.add("resume_review_days", "复产审查期限应在1到60天之间（0 为默认的10天）")
	}
	if p.VerifyDays < 0 || p.VerifyDays > 60 {
		errs.add("verify_days", "核实期限应在1到60个工作日之间（0 为默认的5个工作日）")
	}
	if p.TransferDays < 0 || p.TransferDays > 60 {
		errs.add("transfer_days", "移交接收期限应在1到60个工作日之间（0 为默认的3个工作日）")
	}
	return errs.err()
}

func (p LadderPolicy) thresholds(l model.Level) [4]int {
	if l == model.LevelMajor {
		return p.Major
	}
	return p.General
}

// ladder is a policy with the calendar it counts in.
type ladder struct {
	policy LadderPolicy
	cal    *Calendar
}

// dueOn is the day after which an open hazard is overdue: its deadline, or for a
// listed hazard without one, the listing day plus the plan allowance.
func (l ladder) dueOn(h *model.Hazard) *model.Date {
	switch {
	case !h.State.Open():
		return nil
	case h.Deadline != nil:
		d := *h.Deadline
		return &d
	case h.State == model.StateListed && h.ListedAt != nil:
		d := l.add(model.DateIn(*h.ListedAt, model.Shanghai), l.policy.PlanDays)
		return &d
	}
	return nil
}

// add counts n days (calendar or working, as the policy says) after d.
func (l ladder) add(d model.Date, n int) model.Date {
	if l.policy.WorkingDays {
		return l.cal.AddWorkingDays(d, n)
	}
	return d.AddDays(n)
}

// overdueDays is how many days (calendar or working) today lies past due.
func (l ladder) overdueDays(due *model.Date, today model.Date) int {
	if due == nil || !due.Before(today.Time) {
		return 0
	}
	if l.policy.WorkingDays {
		return l.cal.WorkingDaysAfter(*due, today)
	}
	return int(today.Sub(due.Time).Hours() / 24)
}

// nextStepOn is the day the hazard's next step falls due: when it has been
// overdue for the next threshold, or, if sooner, the day after the current step's
// reply deadline passed unanswered (while still overdue). nil when no step can
// come: closed, at the top of the ladder, or no due day.
func (l ladder) nextStepOn(h *model.Hazard) *model.Date {
	if !h.State.Open() || h.DueOn == nil || h.EscalationLevel >= StepExposure {
		return nil
	}
	next := l.add(*h.DueOn, l.policy.thresholds(h.Level)[h.EscalationLevel])
	if h.ReplyDue != nil {
		lapse := h.ReplyDue.AddDays(1)
		if first := h.DueOn.AddDays(1); lapse.Before(first.Time) {
			lapse = first
		}
		if lapse.Before(next.Time) {
			next = lapse
		}
	}
	return &next
}

// remindable reports whether h is due for its reminder today: open, its due day
// between today and RemindDays later, and not yet reminded of that day.
func (l ladder) remindable(h *model.Hazard, today model.Date) bool {
	if l.policy.RemindDays <= 0 || !h.State.Open() || h.DueOn == nil {
		return false
	}
	if h.RemindedDue != nil && h.RemindedDue.Equal(h.DueOn.Time) {
		return false
	}
	left := daysBetween(today, *h.DueOn)
	return left >= 0 && left <= l.policy.RemindDays
}

// daysBetween is the number of calendar days from a to b (negative if b is
// earlier).
func daysBetween(a, b model.Date) int {
	return int(b.Sub(a.Time).Round(time.Hour).Hours() / 24)
}

// replyDue is the reply deadline of a step taken today.
func (l ladder) replyDue(step int, today model.Date) model.Date {
	return l.cal.AddWorkingDays(today, l.policy.ReplyDays[step-1])
}
