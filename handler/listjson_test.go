package handler

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/workflow"
)

// The hand-written list encoder writes exactly what encoding/json writes.
func TestPageJSONMatchesEncodingJSON(t *testing.T) {
	ent := int64(42)
	day := model.NewDate(2026, time.March, 5)
	at := time.Date(2026, 11, 28, 10, 0, 0, 123456000, time.UTC)
	nasty := []string{"", "消防通道堆放杂物", `引号" 反斜杠\ 尖括号<script>&amp;`, "换行\n回车\r制表\t退格\b换页\f\x00\x1f\x7f",
		"\u2028\u2029", "bad \xff utf8 \xe6\xb6", "emoji 🔥 end"}
	pages := []workflow.Page{{}, {Items: []workflow.HazardItem{}, NextCursor: "aDEyMw"}}
	for i, s := range nasty {
		it := workflow.HazardItem{ID: int64(i + 1), Code: "YH-360102-20261128-0001", Title: s, Source: model.SourcePublicReport,
			Level: model.LevelMajor, Industry: s, RegionCode: "360102", Location: s, DiscoveredAt: at.Add(time.Duration(i) * time.Hour),
			State: model.StateRectifying, Version: i, EscalationLevel: i % 5, ListedSupervision: i%2 == 0,
			ProductionSuspended: i%3 == 0, CreatedAt: at.In(time.FixedZone("CST", 8*3600)), UpdatedAt: time.Time{},
			Overdue: i%2 == 1}
		if i%2 == 0 {
			it.EnterpriseID, it.Deadline, it.DueOn = &ent, &day, &day
			it.AllowedEvents = []model.Event{model.EventSubmit, model.EventExtend}
		} else if i%3 == 0 {
			it.AllowedEvents = []model.Event{}
		}
		pages = append(pages, workflow.Page{Items: []workflow.HazardItem{it, it}})
	}
	for _, p := range pages {
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendPage(nil, p); !bytes.Equal(got, want) {
			t.Errorf("appendPage\n got %s\nwant %s", got, want)
		}
	}
}

func BenchmarkPageJSON(b *testing.B) {
	it := workflow.HazardItem{ID: 1, Code: "YH-360102-20261128-0001", Title: "消防通道堆放杂物，安全出口锁闭", Source: model.SourceSelfInspection,
		Level: model.LevelGeneral, Industry: "工贸", RegionCode: "360102", Location: "南昌市东湖区某路1号", State: model.StateRectifying,
		DiscoveredAt: time.Now(), CreatedAt: time.Now(), UpdatedAt: time.Now(), AllowedEvents: []model.Event{model.EventSubmit}}
	p := workflow.Page{Items: make([]workflow.HazardItem, 50), NextCursor: "aDEyMw"}
	for i := range p.Items {
		p.Items[i] = it
	}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(p)
		}
	})
	b.Run("appendPage", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = appendPage(buf[:0], p)
		}
	})
}
