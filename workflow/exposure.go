package workflow

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hazardloop/model"
)

// PublicExposure is an entry of the public exposure board (曝光台): nothing but
// what the authority means to publish — no names of people, no phone numbers, no
// reporters.
type PublicExposure struct {
	Title       string     `json:"title"`
	Enterprise  string     `json:"enterprise"`
	Region      string     `json:"region"`
	RegionCode  string     `json:"region_code"`
	Level       string     `json:"level"`
	DaysOverdue int        `json:"days_overdue"`
	ExposedOn   model.Date `json:"exposed_on"`
	Status      string     `json:"status"` // 逾期未整改, 已提交整改，待核实, 已整改
}

// ExposurePageSize is how many hazards a page of the exposure board holds.
const ExposurePageSize = 50

// The statuses the exposure board filters by (status=…).
const (
	ExposureOpen      = "open"      // 逾期未整改
	ExposureVerifying = "verifying" // 已提交整改，待核实
	ExposureRectified = "rectified" // 已整改 (written off in the last 30 days)
)

// ExposureStatuses are the board's statuses with their labels, in order.
var ExposureStatuses = []struct{ Code, Label string }{
	{ExposureOpen, "逾期未整改"}, {ExposureVerifying, "已提交整改，待核实"}, {ExposureRectified, "已整改"},
}

var exposureStates = map[string][]model.State{
	ExposureOpen:      {model.StateDiscovered, model.StateListed, model.StateRectifying},
	ExposureVerifying: {model.StateVerifying},
	ExposureRectified: {model.StateWrittenOff},
}

// ExposureQuery is what a visitor of the board asks for: the page after
// Cursor, within Region (a code, descendants included), of Level (general,
// major) and Status (ExposureOpen …); "" for any.
type ExposureQuery struct {
	Cursor, Region, Level, Status string
}

// ExposurePage is a page of the board: at most ExposurePageSize hazards, and
// the cursor of the next page ("" on the last).
type ExposurePage struct {
	Items      []PublicExposure `json:"items"`
	NextCursor string           `json:"next_cursor"`
	RegionName string           `json:"-"` // the region filtered by
}

// ExposureBoard lists a page of exposed hazards: open ones, and those written
// off within the last 30 days marked 已整改. A malformed filter or cursor is
// refused naming its field.
func (e *Supervision) ExposureBoard(ctx context.Context, q ExposureQuery) (ExposurePage, error) {
	now := e.Now()
	f := model.ExposureFilter{ClosedSince: now.AddDate(0, 0, -30), Limit: ExposurePageSize + 1}
	errs := fieldErrors{}
	var page ExposurePage
	if q.Region = strings.TrimSpace(q.Region); q.Region != "" {
		r, err := e.store.GetRegion(ctx, q.Region)
		switch {
		case err == nil:
			f.Region, page.RegionName = r.Code, r.Name
		case errors.Is(err, model.ErrNotFound):
			errs.add("region", "区划代码“"+q.Region+"”不存在")
		default:
			return ExposurePage{}, err
		}
	}
	switch l := model.Level(q.Level); {
	case l == "":
	case l.Valid():
		f.Level = l
	default:
		errs.add("level", "隐患等级应为 general（一般）或 major（重大）")
	}
	if q.Status != "" {
		if f.States = exposureStates[q.Status]; f.States == nil {
			errs.add("status", "状态应为 open（逾期未整改）、verifying（已提交整改，待核实）或 rectified（已整改）")
		}
	}
	if q.Cursor != "" {
		var ok bool
		if f.AfterAt, f.AfterID, ok = decodeExposureCursor(q.Cursor); !ok {
			errs.add("cursor", "翻页参数无效，请从第一页重新浏览")
		}
	}
	if err := errs.err(); err != nil {
		return ExposurePage{}, err
	}
	rows, err := e.store.ListExposures(ctx, f)
	if err != nil {
		return ExposurePage{}, err
	}
	if len(rows) > ExposurePageSize {
		last := rows[ExposurePageSize-1]
		page.NextCursor = encodeExposureCursor(last.ExposedAt, last.ID)
		rows = rows[:ExposurePageSize]
	}
	lad, today := e.ladder(), e.Today()
	page.Items = make([]PublicExposure, 0, len(rows))
	for _, r := range rows {
		p := PublicExposure{Title: r.Title, Enterprise: r.Enterprise, Region: r.Region, RegionCode: r.RegionCode, Level: r.Level.Label(),
			ExposedOn: model.DateIn(r.ExposedAt, model.Shanghai)}
		switch r.State {
		case model.StateWrittenOff:
			p.Status = "已整改"
		case model.StateVerifying:
			p.Status = "已提交整改，待核实"
		default:
			p.Status = "逾期未整改"
			p.DaysOverdue = lad.overdueDays(r.DueOn, today)
		}
		page.Items = append(page.Items, p)
	}
	return page, nil
}

// An exposure cursor is the last row's exposure time (microseconds, as
// stored) and escalation id, opaque to the visitor.
func encodeExposureCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "x%d.%d", at.UnixMicro(), id))
}

func decodeExposureCursor(s string) (time.Time, int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 4 || b[0] != 'x' {
		return time.Time{}, 0, false
	}
	us, id, ok := strings.Cut(string(b[1:]), ".")
	if !ok {
		return time.Time{}, 0, false
	}
	micro, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 || micro <= 0 {
		return time.Time{}, 0, false
	}
	return time.UnixMicro(micro).UTC(), n, true
}
