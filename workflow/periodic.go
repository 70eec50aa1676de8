package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"hazardloop/model"
)

// Reports upward (统计分析表, 16号令 §14): an enterprise files the statistics
// of its hazard work for each quarter by the 15th of the next quarter's first
// month and for each year by 31 January, signed by its principal (主要负责人);
// the system drafts them from the enterprise's hazards; a filing is immutable
// (a correction is a new filing); supervisors see who has not filed.

// Period is a quarter (2026Q4) or a year (2026), in Asia/Shanghai.
type Period struct {
	Name  string     `json:"period"`
	Start time.Time  `json:"start"` // the first instant, UTC
	End   time.Time  `json:"end"`   // the first instant after it, UTC
	DueOn model.Date `json:"due_on"`
}

// QuarterName and YearName write a period as ParsePeriod reads it.
func QuarterName(year, quarter int) string { return fmt.Sprintf("%dQ%d", year, quarter) }

// YearName writes a year's period.
func YearName(year int) string { return strconv.Itoa(year) }

var periodPattern = regexp.MustCompile(`^(\d{4})(?:Q([1-4]))?$`)

// ParsePeriod reads 2026Q4 or 2026; KindInvalid names the field period.
func ParsePeriod(s string) (Period, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, errInvalid(map[string]string{"period": "统计期应写作 2026Q4（季度）或 2026（年度）"})
	}
	y, _ := strconv.Atoi(m[1])
	if y < 2000 || y > 2100 {
		return Period{}, errInvalid(map[string]string{"period": "统计年度应在2000至2100年之间"})
	}
	p := Period{Name: s}
	if m[2] == "" {
		p.Start = time.Date(y, 1, 1, 0, 0, 0, 0, model.Shanghai)
		p.End = p.Start.AddDate(1, 0, 0)
		p.DueOn = model.NewDate(y+1, time.January, 31)
	} else {
		q, _ := strconv.Atoi(m[2])
		p.Start = time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, model.Shanghai)
		p.End = p.Start.AddDate(0, 3, 0)
		p.DueOn = model.NewDate(p.End.Year(), p.End.Month(), 15)
	}
	p.Start, p.End = p.Start.UTC(), p.End.UTC()
	return p, nil
}

// PeriodFigures are the statistics of an enterprise's hazard work in a period.
type PeriodFigures struct {
	Found             int64            `json:"found"`              // discovered in the period
	FoundGeneral      int64            `json:"found_general"`      // of them general
	FoundMajor        int64            `json:"found_major"`        // of them major
	FoundBySource     map[string]int64 `json:"found_by_source"`    // of them by channel
	Rectified         int64            `json:"rectified"`          // written off in the period
	RectificationRate float64          `json:"rectification_rate"` // of those found in the period, written off by its end
	Funds             float64          `json:"funds"`              // 万元, of the hazards written off in the period
	MajorsListed      int64            `json:"majors_listed"`      // major hazards under listed supervision open at its end
	StillOpen         int64            `json:"still_open"`         // found by its end and not closed by its end
}

// PeriodicDraft is a draft of a filing: the enterprise, the period and the
// figures drawn from its hazards now.
type PeriodicDraft struct {
	EnterpriseID int64         `json:"enterprise_id"`
	Enterprise   string        `json:"enterprise"`
	Period       Period        `json:"period"`
	Figures      PeriodFigures `json:"figures"`
}

// Draft drafts enterprise a's statistics for period (enterprise users only:
// KindForbidden otherwise; KindInvalid for a bad period).
func (e *Reports) Draft(ctx context.Context, a Actor, period string) (PeriodicDraft, error) {
	d, _, err := e.draft(ctx, a, period)
	return d, err
}

// draft is Draft with the enterprise it drafted for.
func (e *Reports) draft(ctx context.Context, a Actor, period string) (PeriodicDraft, *model.Enterprise, error) {
	if a.Role != model.RoleEnterprise {
		return PeriodicDraft{}, nil, errForbidden("统计分析表由生产经营单位填报")
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return PeriodicDraft{}, nil, err
	}
	ent, err := e.store.GetEnterprise(ctx, a.EnterpriseID)
	if err != nil {
		return PeriodicDraft{}, nil, notFoundOr("所属企业", err)
	}
	hs, err := e.store.EnterpriseHazards(ctx, ent.ID)
	if err != nil {
		return PeriodicDraft{}, nil, err
	}
	return PeriodicDraft{EnterpriseID: ent.ID, Enterprise: ent.Name, Period: p, Figures: periodFigures(hs, p)}, ent, nil
}

// periodFigures counts hs over p.
func periodFigures(hs []model.Hazard, p Period) PeriodFigures {
	f := PeriodFigures{FoundBySource: map[string]int64{}}
	in := func(t *time.Time) bool { return t != nil && !t.Before(p.Start) && t.Before(p.End) }
	closedBy := func(h *model.Hazard) bool {
		return h.ClosedAt != nil && h.ClosedAt.Before(p.End) && (h.State == model.StateWrittenOff || h.State == model.StateDismissed)
	}
	var foundRectified int64
	for i := range hs {
		h := &hs[i]
		if h.State == model.StateDismissed {
			continue // not a hazard
		}
		if in(&h.DiscoveredAt) {
			f.Found++
			f.FoundBySource[string(h.Source)]++
			if h.Level == model.LevelMajor {
				f.FoundMajor++
			} else {
				f.FoundGeneral++
			}
			if h.State == model.StateWrittenOff && closedBy(h) {
				foundRectified++
			}
		}
		if h.State == model.StateWrittenOff && in(h.ClosedAt) {
			f.Rectified++
			if h.Funds != nil {
				f.Funds += *h.Funds
			}
		}
		if h.DiscoveredAt.Before(p.End) && !closedBy(h) {
			f.StillOpen++
			if h.ListedSupervision && h.ListedAt != nil && h.ListedAt.Before(p.End) {
				f.MajorsListed++
			}
		}
	}
	f.RectificationRate = ratio(foundRectified, f.Found)
	return f
}

// FileInput is a filing: the period, the principal who signs it, a note.
type FileInput struct {
	Period        string `json:"period"`
	PrincipalName string `json:"principal_name"`
	Note          string `json:"note"`
}

// File files enterprise a's statistics for a finished period, drafted from its
// hazards at this moment and signed by the principal named; filing again for
// the same period is a correction (a new filing; the old one stays). late
// says it came after the period's due day. KindInvalid names what is wrong.
func (e *Reports) File(ctx context.Context, a Actor, in FileInput) (*model.PeriodicReport, error) {
	d, ent, err := e.draft(ctx, a, in.Period)
	if err != nil {
		return nil, err
	}
	errs := fieldErrors{}
	name := text(errs, "principal_name", &in.PrincipalName, 50)
	if name == "" {
		errs.add("principal_name", "请填写签发的主要负责人姓名")
	}
	note := text(errs, "note", &in.Note, 2000)
	now := e.Now()
	if now.Before(d.Period.End) {
		errs.add("period", fmt.Sprintf("统计期 %s 尚未结束，结束后再填报", d.Period.Name))
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	figures, err := json.Marshal(d.Figures)
	if err != nil {
		return nil, err
	}
	r := &model.PeriodicReport{EnterpriseID: d.EnterpriseID, RegionCode: ent.RegionCode, Period: d.Period.Name,
		Figures: model.JSONText(figures), PrincipalName: name, Note: note, FiledBy: actorID(a), FiledAt: now,
		Late: e.Today().After(d.Period.DueOn.Time)}
	if err := e.store.CreatePeriodicReport(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// PeriodicList is a territory's filings for a period, or the enterprises
// that have not filed (missing=true).
type PeriodicList struct {
	Period  Period                 `json:"period"`
	Filings []model.PeriodicReport `json:"filings"`
	Missing []model.Enterprise     `json:"missing"`
	Overdue bool                   `json:"overdue"` // the due day has passed
}

// PeriodicReports lists the filings for period in a's territory (an
// enterprise its own), and with missing the enterprises of a supervisor's
// territory that have not filed. KindForbidden for officers' and the
// public's, KindInvalid for a bad period.
func (e *Reports) PeriodicReports(ctx context.Context, a Actor, period string, missing bool) (PeriodicList, error) {
	switch a.Role {
	case model.RoleSupervisor, model.RoleAdmin, model.RoleEnterprise:
	default:
		return PeriodicList{}, errForbidden("无权查看统计分析表")
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return PeriodicList{}, err
	}
	sc := a.Scope()
	sc.Department, sc.MajorToo = "", false // filings are the territory's, of every department
	fs, err := e.store.PeriodicReports(ctx, sc, p.Name)
	if err != nil {
		return PeriodicList{}, err
	}
	out := PeriodicList{Period: p, Filings: fs, Missing: []model.Enterprise{}, Overdue: e.Today().After(p.DueOn.Time)}
	if out.Filings == nil {
		out.Filings = []model.PeriodicReport{}
	}
	if missing && a.Role != model.RoleEnterprise {
		filed := map[int64]bool{}
		for _, f := range fs {
			filed[f.EnterpriseID] = true
		}
		ents, err := e.store.ListEnterprises(ctx, sc)
		if err != nil {
			return PeriodicList{}, err
		}
		for _, en := range ents {
			if !filed[en.ID] {
				out.Missing = append(out.Missing, en)
			}
		}
	}
	return out, nil
}

// latePeriods are the periods the sweep presses on at today: the latest
// quarter and the latest year whose due day has passed (older ones are on the
// supervisors' missing list, not pressed again).
func latePeriods(today model.Date) []Period {
	y, q := today.Year(), (int(today.Month())-1)/3 // the quarter before this one
	if q == 0 {
		y, q = y-1, 4
	}
	quarter, _ := ParsePeriod(QuarterName(y, q))
	if !today.After(quarter.DueOn.Time) { // not yet due: the one before it is
		if q--; q == 0 {
			y, q = y-1, 4
		}
		quarter, _ = ParsePeriod(QuarterName(y, q))
	}
	year, _ := ParsePeriod(YearName(today.Year() - 1))
	if !today.After(year.DueOn.Time) {
		year, _ = ParsePeriod(YearName(today.Year() - 2))
	}
	return []Period{quarter, year}
}

// lateFiling is the body of a periodic_late notification: an enterprise has
// not filed a period past its due day. It names the enterprise and its users
// (ids only: no names) for the receiving system to tell them.
type lateFiling struct {
	NoticeID     int64      `json:"notice_id"`
	Kind         string     `json:"kind"`
	EnterpriseID int64      `json:"enterprise_id"`
	RegionCode   string     `json:"region_code"`
	Period       string     `json:"period"`
	DueOn        model.Date `json:"due_on"`
	UserIDs      []int64    `json:"user_ids"`
	OccurredAt   time.Time  `json:"occurred_at"`
}

// sweepLateFilings tells each enterprise that has not filed a period of
// latePeriods, once (periodic_late to every webhook): enterprises are claimed
// as the other sweeps claim hazards (claimIDs, at most SweepBatch a
// transaction, each stopping after sweepTxBudget), and the notice's unique
// row, written in the same transaction as the notifications, makes it once
// however many sweepers run.
func (e *core) sweepLateFilings(ctx context.Context, now time.Time, today model.Date, res *SweepResult) error {
	for _, p := range latePeriods(today) {
		n, err := e.sweepBatches(ctx, res,
			func(tx *model.Store) ([]int64, error) { return tx.ClaimLateFilers(ctx, p.Name, SweepBatch) },
			func(tx *model.Store, id int64) (bool, error) {
				ok, err := e.noticeLate(ctx, tx, id, p, now)
				if err != nil {
					return false, fmt.Errorf("workflow: periodic_late for enterprise %d: %w", id, err)
				}
				return ok, nil
			})
		res.LateFilings += n
		if err != nil {
			return err
		}
	}
	return nil
}

// noticeLate records in tx that enterprise id has not filed p and queues its
// notifications; false when another sweeper did so first.
func (e *core) noticeLate(ctx context.Context, tx *model.Store, id int64, p Period, now time.Time) (bool, error) {
	noticeID, ok, err := tx.MarkLateNotice(ctx, id, p.Name, now)
	if err != nil || !ok {
		return ok, err
	}
	ent, err := tx.GetEnterprise(ctx, id)
	if err != nil {
		return false, err
	}
	users, err := tx.EnterpriseUserIDs(ctx, id)
	if err != nil {
		return false, err
	}
	if users == nil {
		users = []int64{}
	}
	body, err := json.Marshal(lateFiling{NoticeID: noticeID, Kind: "periodic_late", EnterpriseID: id, RegionCode: ent.RegionCode,
		Period: p.Name, DueOn: p.DueOn, UserIDs: users, OccurredAt: now})
	if err != nil {
		return false, err
	}
	return true, e.announce(ctx, tx, model.OutboxMessage{Kind: "periodic_late", Payload: model.JSONText(body), CreatedAt: now, NextAttemptAt: now})
}
