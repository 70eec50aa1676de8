package workflow

import (
	"context"
	"time"

	"hazardloop/model"
)

// StatisticsQuery asks for period statistics: from and to are days
// (2006-01-02, both included; default the year so far), region a region
// inside the caller's territory (default its own), group_by one of region
// (its child regions), industry, department, level, source.
type StatisticsQuery struct {
	From, To, Region, GroupBy string
	// Counties groups a province's figures by county instead of by city (the
	// dashboard's roll-up adds them up to cities itself).
	Counties bool
}

// StatRow is one group of the period statistics with its name and rate.
type StatRow struct {
	model.PeriodCounts
	Name              string  `json:"name"`
	RectificationRate float64 `json:"rectification_rate"` // found in the period and written off by its end, over found
}

// Statistics are an authority's period statistics (统计分析).
type Statistics struct {
	From    model.Date `json:"from"`
	To      model.Date `json:"to"`
	Region  string     `json:"region"`
	GroupBy string     `json:"group_by"`
	Rows    []StatRow  `json:"rows"`
	Total   StatRow    `json:"total"`
}

var statGroups = map[string]bool{"region": true, "industry": true, "department": true, "level": true, "source": true}

// Statistics counts the hazards of a's territory (or a region inside it) over
// the period by group, for staff; KindInvalid names a bad date, group or
// region, KindForbidden a region outside the territory.
func (e *Supervision) Statistics(ctx context.Context, a Actor, q StatisticsQuery) (Statistics, error) {
	switch a.Role {
	case model.RoleSupervisor, model.RoleOfficer, model.RoleAdmin:
	default:
		return Statistics{}, errForbidden("仅监管人员、信息员和管理员可以查看统计")
	}
	errs := fieldErrors{}
	today := e.Today()
	from, to := model.NewDate(today.Year(), time.January, 1), today
	if q.From != "" {
		if d, ok := parseDay(q.From); ok {
			from = d
		} else {
			errs.add("from", "日期格式应为 YYYY-MM-DD")
		}
	}
	if q.To != "" {
		if d, ok := parseDay(q.To); ok {
			to = d
		} else {
			errs.add("to", "日期格式应为 YYYY-MM-DD")
		}
	}
	if to.Before(from.Time) {
		errs.add("to", "结束日期不能早于开始日期")
	}
	group := q.GroupBy
	if group == "" {
		group = "region"
	}
	if !statGroups[group] {
		errs.add("group_by", "分组只能是 region、industry、department、level 或 source")
	}
	region := q.Region
	if region != "" && !model.ValidRegionCode(region) {
		errs.add("region", "区划代码格式不正确")
	}
	if err := errs.err(); err != nil {
		return Statistics{}, err
	}
	sc := a.Scope()
	sc.MajorToo = false
	if region != "" {
		if a.Region != "" && !model.Within(region, a.Region) {
			return Statistics{}, errForbidden("该区划不在您的辖区内")
		}
		if sc.All {
			sc = model.Scope{Region: region}
		} else {
			sc.Region = region
		}
	} else {
		region = a.Region
	}
	prefix := 0
	if group == "region" {
		if prefix = childPrefix(region); prefix == 0 {
			prefix = len(region)
		}
		if region == "" {
			prefix = 2
		}
		if q.Counties && prefix == 4 {
			prefix = 6
		}
	}
	rows, err := e.store.PeriodStatistics(ctx, sc, group, prefix, from, to, today)
	if err != nil {
		return Statistics{}, err
	}
	out := Statistics{From: from, To: to, Region: region, GroupBy: group, Rows: []StatRow{}}
	var codes []string
	for i := range rows {
		if group == "region" {
			rows[i].Key = childCode(rows[i].Key)
			codes = append(codes, rows[i].Key)
		}
	}
	names := map[string]string{}
	if len(codes) > 0 {
		rs, err := e.store.RegionsByCode(ctx, codes)
		if err != nil {
			return Statistics{}, err
		}
		for _, r := range rs {
			names[r.Code] = r.Name
		}
	}
	for _, r := range rows {
		row := StatRow{PeriodCounts: r, Name: statName(group, r.Key, names), RectificationRate: ratio(r.FoundRectified, r.Found)}
		out.Rows = append(out.Rows, row)
		t := &out.Total.PeriodCounts
		t.Found += r.Found
		t.FoundMajor += r.FoundMajor
		t.WrittenOff += r.WrittenOff
		t.FoundRectified += r.FoundRectified
		t.Open += r.Open
		t.Overdue += r.Overdue
	}
	out.Total.Name, out.Total.Key = "合计", ""
	out.Total.RectificationRate = ratio(out.Total.FoundRectified, out.Total.Found)
	return out, nil
}

// statName is how a group's key reads in Chinese.
func statName(group, key string, regions map[string]string) string {
	switch group {
	case "region":
		if n, ok := regions[key]; ok {
			return n
		}
	case "department":
		return model.Department(key).Label()
	case "level":
		return model.Level(key).Label()
	case "source":
		return model.Source(key).Label()
	case "industry":
		if key == "" {
			return "（未填）"
		}
	}
	return key
}
