package ledger

import (
	"fmt"
	"io"

	"hazardloop/ledger/xlsx"
	"hazardloop/workflow"
)

// statSheets name each grouping's sheet and first column.
var statSheets = map[string][2]string{
	"region": {"按地区", "地区"}, "industry": {"按行业", "行业"}, "department": {"按部门", "主管部门"},
	"level": {"按等级", "隐患等级"}, "source": {"按来源", "隐患来源"},
}

// StatisticsFileName is the download's name: 隐患统计表_江西省_20260101-20261206.xlsx.
func StatisticsFileName(b workflow.StatisticsBook) string {
	t := b.Tables[0]
	return fmt.Sprintf("隐患统计表_%s_%s-%s.xlsx", b.RegionName, t.From.Format("20060102"), t.To.Format("20060102"))
}

// WriteStatistics writes b as a workbook (统计表) to w, one sheet per grouping
// with the figures of the JSON statistics.
func WriteStatistics(w io.Writer, b workflow.StatisticsBook) error {
	first := b.Tables[0]
	m := xlsx.StatMeta{
		Title: fmt.Sprintf("%s %s至%s 隐患排查治理统计表", b.RegionName,
			first.From.Format("2006年1月2日"), first.To.Format("2006年1月2日")),
		Issuer: b.Issuer, MadeAt: b.MadeAt,
	}
	line := func(r workflow.StatRow) xlsx.StatLine {
		return xlsx.StatLine{Name: r.Name, PeriodCounts: r.PeriodCounts, Rate: r.RectificationRate}
	}
	tables := make([]xlsx.StatTable, 0, len(b.Tables))
	for _, st := range b.Tables {
		names := statSheets[st.GroupBy]
		t := xlsx.StatTable{Sheet: names[0], Key: names[1], Total: line(st.Total), Rows: make([]xlsx.StatLine, 0, len(st.Rows))}
		for _, r := range st.Rows {
			t.Rows = append(t.Rows, line(r))
		}
		tables = append(tables, t)
	}
	return xlsx.WriteStatistics(w, m, tables)
}
