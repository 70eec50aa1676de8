package demo

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"hazardloop/model"
	"hazardloop/regions"
	"hazardloop/workflow"
)

// seedCities are the eleven cities of 江西省 (GB/T 2260); each gets eight
// counties numbered 01–08 beside any already registered.
var seedCities = []struct{ code, name string }{
	{"360100", "南昌市"}, {"360200", "景德镇市"}, {"360300", "萍乡市"}, {"360400", "九江市"},
	{"360500", "新余市"}, {"360600", "鹰潭市"}, {"360700", "赣州市"}, {"360800", "吉安市"},
	{"360900", "宜春市"}, {"361000", "抚州市"}, {"361100", "上饶市"},
}

// seedIndustries are the seed enterprises' industries; a listed hazard falls to
// the department its industry names (workflow.IndustryDepartment): emergency
// (危险化学品, 工贸, 矿山, 自然灾害), housing (建筑施工, 房屋, 燃气), transport,
// water (水利), fire and rescue, market regulation (商贸).
var seedIndustries = []string{"危险化学品", "工贸", "建筑施工", "房屋", "交通运输", "燃气", "消防", "矿山", "自然灾害", "水利", "商贸"}

var seedTitles = []string{
	"消防通道堆放杂物", "可燃气体报警器失效", "配电室未设挡鼠板", "安全警示标志缺失", "反应釜紧急切断装置未投用",
	"有限空间作业未审批", "脚手架连墙件缺失", "液化气钢瓶违规存放", "边坡裂缝未监测", "应急照明损坏",
	"特种设备未定期检验", "粉尘清扫制度未落实", "防雷检测过期", "危化品仓库超量储存", "高处作业未系安全带",
}

// seedDisasters are the disaster hazards' titles, subtypes (by position in
// the type's Subtypes, taken in turn) and evacuation routes, by type.
var seedDisasters = map[model.DisasterType]struct{ title, route string }{
	model.DisasterGeological:     {"村后山体裂缝发育", "沿村道转移至村委会（安置点：村小学）"},
	model.DisasterFlood:          {"汛期渗水险情隐患", "向高处转移至镇中学（安置点）"},
	model.DisasterForestFire:     {"林缘农事用火隐患", "沿防火通道撤离至镇政府"},
	model.DisasterEarthquake:     {"老旧砖木房屋抗震能力不足", "就近疏散至村文化广场（应急避难场所）"},
	model.DisasterSlopeBuilding:  {"切坡建房后墙距坡脚不足2米", "雨季转移至邻户（临时安置）"},
	model.DisasterRailWater:      {"铁路桥下排洪涵洞淤塞", "汛期转移至村委会"},
	model.DisasterForestOilDepot: {"林区油库防火隔离带杂草未清", "油库人员撤至林场办公楼"},
	model.DisasterOther:          {"河岸违规搭建棚屋", "汛期劝离至临时安置点"},
}

// Progress reports how many hazards Hazards has written so far.
type Progress func(done, total int)

// Hazards fills the database with n realistic hazards of a province — cities,
// counties, enterprises, every state with the events that led there, and the
// supervision steps the overdue ones have earned — in bulk inserts of a few
// thousand rows per transaction. Each hazard's log is a valid hash chain, and the
// services number on after it (hazard codes, documents, ids). store must be the
// store svc was made over: the hazards go in through its bulk inserts, not one
// event at a time. It is meant for demonstrations and load tests; progress, if
// not nil, is called after each batch.
//
// One hazard in ten is a disaster hazard (灾害隐患) of no enterprise: the
// disaster types in turn, a plausible threat (the grade the service's
// thresholds suggest, a major one naming the geological scale as its basis),
// a monitor, coordinates inside its county (the shipped outlines; a point
// near the province's middle for counties made up for the seed), its
// township's government as the responsible unit and its type's competent
// department (workflow.DefaultDepartment).
func Hazards(ctx context.Context, svc *workflow.Services, store *model.Store, n int, progress Progress) error {
	admin := workflow.Actor{Name: "演示数据", Role: model.RoleAdmin}
	rng := rand.New(rand.NewPCG(2026, uint64(n)))
	// With the shipped table loaded, the hazards go to its villages (each of
	// its enterprise's county), one in ten to the village's township itself;
	// without it, to counties made up for the seed.
	known, err := store.ListRegions(ctx, "360000")
	if err != nil {
		return err
	}
	regionNames := map[string]string{}
	villages := map[string][]string{} // by county
	var counties []string
	for _, r := range known {
		regionNames[r.Code] = r.Name
		if r.Level == model.RegionVillage {
			villages[r.Code[:6]] = append(villages[r.Code[:6]], r.Code)
		}
	}
	if len(villages) > 0 {
		for _, r := range known {
			if r.Level == model.RegionCounty && len(villages[r.Code]) > 0 {
				counties = append(counties, r.Code)
			}
		}
	} else if counties, err = seedCounties(ctx, svc, store, admin, regionNames); err != nil {
		return err
	}
	// Enterprises: one for every 50 hazards, their industries in turn.
	now := svc.Now()
	firstEnt, err := store.MaxID(ctx, "enterprises")
	if err != nil {
		return err
	}
	nEnt := max(n/50, len(seedIndustries))
	ents := make([]model.Enterprise, nEnt)
	for i := range ents {
		region := counties[rng.IntN(len(counties))]
		first := fmt.Sprintf("91%sMA%07d", region, firstEnt+int64(i)+1)[:17]
		ents[i] = model.Enterprise{ID: firstEnt + int64(i) + 1, Name: fmt.Sprintf("%s演示企业%06d有限公司", region, i+1),
			CreditCode: first + string(workflow.CreditCheckChar(first)), RegionCode: region,
			Industry: seedIndustries[i%len(seedIndustries)], CreatedAt: now}
	}
	if err := store.Tx(ctx, func(tx *model.Store) error { return tx.BulkInsert(ctx, &ents) }); err != nil {
		return err
	}

	hid, err := store.MaxID(ctx, "hazards")
	if err != nil {
		return err
	}
	evid, err := store.MaxID(ctx, "hazard_events")
	if err != nil {
		return err
	}
	escid, err := store.MaxID(ctx, "escalations")
	if err != nil {
		return err
	}
	today := svc.Today()
	codes := map[string]int64{} // hazard code counters per region and day
	docs := map[string]int64{}  // document counters per region and year
	existing, err := store.Counters(ctx)
	if err != nil {
		return err
	}
	for _, c := range existing {
		switch {
		case c.Name == "hazard":
			codes[c.Period] = c.Value
		case strings.HasPrefix(c.Name, "document:"):
			docs[c.Name+"|"+c.Period] = c.Value
		}
	}
	points := countyPoints()
	const batch = 2000
	for done := 0; done < n; {
		size := min(batch, n-done)
		hs := make([]model.Hazard, 0, size)
		var evs []model.HazardEvent
		var escs []model.Escalation
		var feed []model.FeedRow // the major hazards' events, for the register's feed
		for range size {
			hid++
			ent := ents[rng.IntN(len(ents))]
			disaster := hid%10 == 0
			discovered := now.Add(-time.Duration(rng.IntN(365*24)) * time.Hour).Truncate(time.Microsecond)
			day := model.DateIn(discovered, model.Shanghai)
			region := ent.RegionCode
			if vs := villages[region]; len(vs) > 0 {
				region = vs[rng.IntN(len(vs))]
				if rng.IntN(10) == 0 {
					region = region[:9]
				}
			}
			period := model.HazardCodePeriod(region, discovered.In(model.Shanghai))
			codes[period]++
			h := model.Hazard{
				ID: hid, Code: fmt.Sprintf("YH-%s-%s-%04d", ent.RegionCode, discovered.In(model.Shanghai).Format("20060102"), codes[period]),
				Title: seedTitles[rng.IntN(len(seedTitles))], Description: "演示数据：" + ent.Name,
				Source: []model.Source{model.SourceSelfInspection, model.SourceSupervisoryCheck, model.SourcePublicReport, model.SourceOfficerReport}[rng.IntN(4)],
				Level:  model.LevelGeneral, Industry: ent.Industry, RegionCode: region, EnterpriseID: &ent.ID,
				Location: regionNames[region], DiscoveredAt: discovered, State: model.StateDiscovered, Version: 1,
				CreatedAt: discovered, UpdatedAt: discovered,
			}
			if disaster {
				seedDisaster(svc, rng, &h, &ent, regionNames, points, int(hid/10))
			} else if rng.IntN(20) == 0 {
				h.Level, h.BasisStandard, h.BasisClause = model.LevelMajor, "《工贸企业重大事故隐患判定标准》", "第四条"
			}
			chain := []*model.HazardEvent{seedEvent(&h, model.EventCreate, "", model.StateDiscovered, discovered)}
			step := func(ev model.Event, to model.State, at time.Time) {
				chain = append(chain, seedEvent(&h, ev, h.State, to, at))
				h.State, h.UpdatedAt = to, at
			}
			p := rng.IntN(100)
			at := discovered.Add(24 * time.Hour)
			switch {
			case p < 5: // discovered
			case p < 10:
				step(model.EventDismiss, model.StateDismissed, at)
				h.ClosedAt = &at
			default:
				if h.ResponsibleUnit == "" {
					h.ResponsibleUnit = ent.Name
				}
				h.ListedAt = &at
				workflow.SetListing(&h)
				h.Department = workflow.DefaultDepartment(&h)
				step(model.EventConfirm, model.StateListed, at)
				if p < 20 {
					break
				}
				deadline := day.AddDays(15 + rng.IntN(60))
				h.Deadline, h.Measures, h.ResponsiblePerson = &deadline, "按方案整改", "演示负责人"
				at2 := at.Add(24 * time.Hour)
				h.PlannedAt = &at2
				step(model.EventPlan, model.StateRectifying, at2)
				if p < 40 {
					break
				}
				at3 := at2.Add(time.Duration(rng.IntN(40*24)) * time.Hour)
				step(model.EventSubmit, model.StateVerifying, at3)
				if p < 45 {
					break
				}
				at4 := at3.Add(48 * time.Hour)
				h.VerifiedAt, h.ClosedAt = &at4, &at4
				step(model.EventApprove, model.StateWrittenOff, at4)
			}
			// The supervision steps an overdue hazard has earned by today, each
			// taken at nine in the morning of its day.
			for _, s := range svc.Supervision.EarnedSteps(&h, today) {
				at := time.Date(s.On.Year(), s.On.Month(), s.On.Day(), 9, 0, 0, 0, model.Shanghai).UTC()
				// Documents come from the county's bureau (see workflow's escalate).
				key := fmt.Sprintf("document:%s|%d", ent.RegionCode, s.On.Year())
				docs[key]++
				escid++
				escs = append(escs, model.Escalation{ID: escid, HazardID: h.ID, Step: s.Step, DocYear: s.On.Year(), DocSeq: docs[key],
					DocNumber: fmt.Sprintf("〔%d〕第%d号", s.On.Year(), docs[key]), IssuerRegion: ent.RegionCode,
					IssuerName: regionNames[ent.RegionCode] + "应急管理局", Addressee: cmp.Or(h.ResponsibleUnit, ent.Name),
					OverdueDays: s.OverdueDays, DueOn: s.DueOn, ReplyDue: s.ReplyDue,
					Reason: "逾期未完成整改，依规升级为" + workflow.StepLabel(s.Step), CreatedAt: at})
				ev := seedEvent(&h, model.EventEscalate, h.State, h.State, at)
				ev.Payload = model.JSONText(fmt.Sprintf(`{"step":%d}`, s.Step))
				chain = append(chain, ev)
				h.UpdatedAt = at
			}
			prev := ""
			for i, ev := range chain {
				evid++
				ev.ID = evid
				ev.Seal(int64(i), prev)
				prev = ev.Hash
				evs = append(evs, *ev)
				if h.Level == model.LevelMajor {
					rows := workflow.FeedRows(nil, &h, ev)
					if ev.Event == model.EventCreate {
						rows[0].Department = "" // not yet listed
					}
					feed = append(feed, rows...)
				}
			}
			h.Version, h.LastSeq, h.ChainHead = len(chain), int64(len(chain)), prev
			svc.Hazards.SettlePatrol(&h, now) // an open disaster hazard's next patrol day, as its events would set it
			hs = append(hs, h)
		}
		err := store.Tx(ctx, func(tx *model.Store) error {
			if err := tx.BulkInsert(ctx, &hs); err != nil {
				return err
			}
			if err := tx.BulkInsert(ctx, &evs); err != nil {
				return err
			}
			if err := tx.AppendFeed(ctx, feed...); err != nil {
				return err
			}
			if len(escs) > 0 {
				return tx.BulkInsert(ctx, &escs)
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += size
		if progress != nil {
			progress(done, n)
		}
	}
	cs := make([]model.Counter, 0, len(codes)+len(docs))
	for k, v := range codes {
		cs = append(cs, model.Counter{Name: "hazard", Period: k, Value: v})
	}
	for k, v := range docs {
		var region string
		var year int
		fmt.Sscanf(k, "document:%6s|%d", &region, &year)
		cs = append(cs, model.Counter{Name: "document:" + region, Period: fmt.Sprint(year), Value: v})
	}
	if err := store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.RaiseCounters(ctx, cs); err != nil {
			return err
		}
		if err := tx.SyncSequences(ctx); err != nil {
			return err
		}
		return tx.Analyze(ctx)
	}); err != nil {
		return err
	}
	if err := store.VacuumHazards(ctx); err != nil {
		return err
	}
	return svc.Hazards.RebuildSummaries(ctx)
}

// seedCounties registers the seed's cities, each with eight counties numbered
// 01–08 beside any already registered, and returns the counties; names go
// into names.
func seedCounties(ctx context.Context, svc *workflow.Services, store *model.Store, admin workflow.Actor, names map[string]string) ([]string, error) {
	if _, err := store.GetRegion(ctx, "360000"); err != nil {
		if _, err := svc.Directory.CreateRegion(ctx, admin, workflow.RegionInput{Code: "360000", Name: "江西省"}); err != nil {
			return nil, err
		}
	}
	var counties []string
	for _, c := range seedCities {
		if _, err := store.GetRegion(ctx, c.code); err != nil {
			if _, err := svc.Directory.CreateRegion(ctx, admin, workflow.RegionInput{Code: c.code, Name: c.name, ParentCode: "360000"}); err != nil {
				return nil, err
			}
		}
		for i := 1; i <= 8; i++ {
			code := fmt.Sprintf("%s%02d", c.code[:4], i)
			r, err := store.GetRegion(ctx, code)
			if err != nil {
				if r, err = svc.Directory.CreateRegion(ctx, admin, workflow.RegionInput{Code: code, Name: fmt.Sprintf("%s第%d县区", c.name, i), ParentCode: c.code}); err != nil {
					return nil, err
				}
			}
			names[code] = r.Name
			counties = append(counties, code)
		}
	}
	return counties, nil
}

func seedEvent(h *model.Hazard, ev model.Event, from, to model.State, at time.Time) *model.HazardEvent {
	return &model.HazardEvent{HazardID: h.ID, Event: ev, FromState: from, ToState: to,
		ActorName: "演示数据", Role: model.RoleSystem, Payload: "{}", CreatedAt: at}
}

// seedDisaster makes h, the k-th disaster hazard of the seed, a disaster
// hazard of no enterprise (see Hazards): ent is the enterprise drawn for it,
// whose county it keeps.
func seedDisaster(svc *workflow.Services, rng *rand.Rand, h *model.Hazard, ent *model.Enterprise,
	names map[string]string, points map[string]countyBox, k int) {
	typ := model.DisasterTypes[k%len(model.DisasterTypes)]
	d := seedDisasters[typ]
	households := 1 + rng.IntN(60)
	if rng.IntN(10) == 0 {
		households += 30 + rng.IntN(120) // a large one, graded major
	}
	people := households*2 + rng.IntN(households*2+1)
	property := float64(households*(5+rng.IntN(20))) + float64(rng.IntN(100))
	h.Category, h.DisasterType = model.CategoryDisaster, typ
	if subs := typ.Subtypes(); len(subs) > 0 {
		h.Subtype = subs[(k/len(model.DisasterTypes))%len(subs)].Code
	}
	h.ThreatenedHouseholds, h.ThreatenedPeople, h.ThreatenedProperty = &households, &people, &property
	h.MonitorName = fmt.Sprintf("演示监测员%04d", k%10000)
	h.MonitorPhone = fmt.Sprintf("139%08d", k%100000000)
	h.EvacuationPlan = d.route
	h.Title, h.EnterpriseID, h.Industry = d.title, nil, ""
	if sub := typ.SubtypeLabel(h.Subtype); h.Subtype != "" {
		h.Title = sub + "：" + d.title
	}
	h.Description = "演示数据：" + typ.Label() + "隐患"
	township := h.RegionCode
	if len(township) > 9 {
		township = township[:9]
	}
	if n := names[township]; n != "" && len(township) == 9 {
		h.ResponsibleUnit = n + "人民政府"
	} else {
		h.ResponsibleUnit = names[ent.RegionCode] + "人民政府"
	}
	lat, lng := points[ent.RegionCode].point(rng)
	h.Latitude, h.Longitude = &lat, &lng
	if svc.Hazards.SuggestLevel(h) == model.LevelMajor {
		h.Level, h.BasisStandard = model.LevelMajor, "《国家突发地质灾害应急预案》"
		h.BasisClause = "地质灾害险情分级：" + workflow.DangerScale(people, property)
	}
}

// countyBox is a county's outline for the seed's coordinates: its largest
// outer ring and that ring's bounding box.
type countyBox struct {
	ring                   [][2]float64
	minX, minY, maxX, maxY float64
}

// countyPoints are the shipped county outlines of 江西省 by code; none when
// they cannot be read.
func countyPoints() map[string]countyBox {
	out := map[string]countyBox{}
	outlines, err := regions.Counties()
	if err != nil {
		return out
	}
	for _, o := range outlines {
		var b countyBox
		for _, p := range o.Polygons {
			if len(p) > 0 && len(p[0]) > len(b.ring) {
				b.ring = p[0]
			}
		}
		if len(b.ring) == 0 {
			continue
		}
		b.minX, b.minY, b.maxX, b.maxY = b.ring[0][0], b.ring[0][1], b.ring[0][0], b.ring[0][1]
		for _, pt := range b.ring {
			b.minX, b.maxX = min(b.minX, pt[0]), max(b.maxX, pt[0])
			b.minY, b.maxY = min(b.minY, pt[1]), max(b.maxY, pt[1])
		}
		out[o.Code] = b
	}
	return out
}

// point is a random point inside b's ring (a few draws in its bounding box,
// else the box's middle), as latitude and longitude rounded to six places;
// for a county without an outline, a point near the middle of 江西省.
func (b countyBox) point(rng *rand.Rand) (float64, float64) {
	round := func(v float64) float64 { return float64(int64(v*1e6+0.5)) / 1e6 }
	if len(b.ring) == 0 {
		return round(27.6 + rng.Float64()*0.6 - 0.3), round(115.7 + rng.Float64()*0.6 - 0.3)
	}
	for range 8 {
		x := b.minX + rng.Float64()*(b.maxX-b.minX)
		y := b.minY + rng.Float64()*(b.maxY-b.minY)
		if inRing(b.ring, x, y) {
			return round(y), round(x)
		}
	}
	return round((b.minY + b.maxY) / 2), round((b.minX + b.maxX) / 2)
}

// inRing reports whether (x, y) lies inside ring (even-odd rule).
func inRing(ring [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, c := ring[i], ring[j]
		if (a[1] > y) != (c[1] > y) && x < (c[0]-a[0])*(y-a[1])/(c[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}
