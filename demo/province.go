// Package demo fills a database with demonstration data through the workflow's
// services: a small province to try every role on (Province) and a province's
// worth of realistic hazards in bulk (Hazards), for the demo command, load tests
// and benchmarks. It holds no rule of its own (those are workflow's) and no SQL
// (that is model's).
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"

	"hazardloop/model"
	"hazardloop/standards"
	"hazardloop/workflow"
)

// Password is the password of every account Province creates (printed on
// seeding).
const Password = "hazardloop-demo"

type demoUser struct {
	username, name, role, region string
	enterprise                   int    // index into enterprises, -1 for none
	department                   string // a supervisor's; "" for emergency
}

// Province fills an empty database with a small province: regions, enterprises,
// one account of each role, and hazards in every state, and prints the accounts
// to out. It does nothing but say so when the province is already there. The
// error is the first refusal of the services, or the store's.
func Province(ctx context.Context, e *workflow.Services, out io.Writer) error {
	admin := workflow.Actor{Name: "系统管理员", Role: model.RoleAdmin}
	// The regions are there already when the shipped table was loaded; the
	// townships and villages are real codes of that table.
	regions := []workflow.RegionInput{
		{Code: "360000", Name: "江西省"},
		{Code: "360100", Name: "南昌市", ParentCode: "360000"},
		{Code: "360102", Name: "东湖区", ParentCode: "360100"},
		{Code: "360103", Name: "西湖区", ParentCode: "360100"},
		{Code: "360400", Name: "九江市", ParentCode: "360000"},
		{Code: "360402", Name: "濂溪区", ParentCode: "360400"},
		{Code: "360403", Name: "浔阳区", ParentCode: "360400"},
		{Code: "360102002", Name: "滕王阁街道", ParentCode: "360102"},
		{Code: "360102002001", Name: "民巷社区居委会", ParentCode: "360102002"},
		{Code: "360402100", Name: "姑塘镇", ParentCode: "360402"},
		{Code: "360402100200", Name: "蔡岭村委会", ParentCode: "360402100"},
	}
	for _, r := range regions {
		if _, err := e.Directory.CreateRegion(ctx, admin, r); err != nil && !conflict(err) {
			return err
		}
	}
	// The shipped catalogue of criteria, which a major hazard below cites (the
	// service loads it at start too: only what the database lacks is added).
	if _, err := e.Standards.LoadShipped(ctx, standards.Shipped()); err != nil {
		return err
	}
	ents := []workflow.EnterpriseInput{
		{Name: "南昌东湖精细化工有限公司", RegionCode: "360102", Industry: "危险化学品"},
		{Name: "南昌西湖建材加工厂", RegionCode: "360103", Industry: "工贸"},
		{Name: "九江濂溪港口物流有限公司", RegionCode: "360402", Industry: "交通运输"},
		{Name: "九江浔阳商业综合体管理有限公司", RegionCode: "360403", Industry: "商贸"},
	}
	entIDs := make([]int64, len(ents))
	for i, in := range ents {
		first := fmt.Sprintf("91%sMA3%05dX", in.RegionCode, i+1)[:17]
		in.CreditCode = first + string(workflow.CreditCheckChar(first))
		ent, err := e.Directory.CreateEnterprise(ctx, admin, in)
		if i == 0 && conflict(err) {
			fmt.Fprintln(out, "演示数据已存在，跳过。")
			return nil
		}
		if err != nil {
			return err
		}
		entIDs[i] = ent.ID
	}
	users := []demoUser{
		{"sheng", "省厅监管员", "supervisor", "360000", -1, ""},
		{"nanchang", "南昌市局监管员", "supervisor", "360100", -1, ""},
		{"donghu", "东湖区局监管员", "supervisor", "360102", -1, ""},
		{"donghu2", "东湖区局核查员", "supervisor", "360102", -1, ""},
		{"zhujian", "东湖区住房和城乡建设局监管员", "supervisor", "360102", -1, "housing"},
		{"shuili", "东湖区水利局监管员", "supervisor", "360102", -1, "water"},
		{"xinxiyuan", "东湖区信息员", "officer", "360102", -1, ""},
		{"lianxi", "濂溪区局监管员", "supervisor", "360402", -1, ""},
		{"tengwangge", "滕王阁街道应急办监管员", "supervisor", "360102002", -1, ""},
		{"minxiang", "民巷社区信息员", "officer", "360102002001", -1, ""},
		{"gutang", "姑塘镇安监站监管员", "supervisor", "360402100", -1, ""},
		{"cailing", "蔡岭村信息员", "officer", "360402100200", -1, ""},
		{"qiye", "精细化工安全员", "enterprise", "", 0, ""},
		{"gangkou", "港口物流安全员", "enterprise", "", 2, ""},
	}
	actors := map[string]workflow.Actor{}
	for _, du := range users {
		in := workflow.UserInput{Username: du.username, Password: Password, DisplayName: du.name, Role: du.role,
			RegionCode: du.region, Department: du.department}
		if du.enterprise >= 0 {
			in.EnterpriseID = &entIDs[du.enterprise]
		}
		u, err := e.Directory.CreateUser(ctx, admin, in)
		if err != nil {
			return err
		}
		actors[du.username] = workflow.ActorOf(u)
	}
	if err := provinceHazards(ctx, e, actors, entIDs); err != nil {
		return err
	}
	fmt.Fprintf(out, "已生成演示数据（江西省）。演示账号的密码均为 %s：\n", Password)
	for _, du := range users {
		fmt.Fprintf(out, "  %-10s %s（%s）\n", du.username, du.name, demoRegion(du, ents))
	}
	return nil
}

func str(s string) *string { return &s }

// conflict reports whether err is the services' refusal of a duplicate.
func conflict(err error) bool {
	var we *workflow.Error
	return errors.As(err, &we) && we.Kind == workflow.KindConflict
}

// provinceHazards registers the province's hazards as its accounts would, and
// moves each through the events that bring it to its state.
func provinceHazards(ctx context.Context, e *workflow.Services, actors map[string]workflow.Actor, ents []int64) error {
	deadline := e.Today().AddDays(30).String()
	soon := e.Today().AddDays(7).String()
	type step struct {
		by string
		in workflow.EventInput
	}
	confirm := step{"donghu", workflow.EventInput{Event: model.EventConfirm}}
	plan := step{"qiye", workflow.EventInput{Event: model.EventPlan, Fields: workflow.Fields{
		Measures: str("更换老化管线，增设可燃气体报警装置"), ResponsiblePerson: str("李建国"),
		ResponsiblePhone: str("0791-86660001"), Deadline: &deadline}}}
	submit := step{"qiye", workflow.EventInput{Event: model.EventSubmit, Comment: "已按方案完成整改"}}
	approve := step{"donghu", workflow.EventInput{Event: model.EventApprove, Comment: "现场复核，整改到位"}}
	scripts := []struct {
		by    string
		in    workflow.HazardInput
		steps []step
	}{
		{"xinxiyuan", workflow.HazardInput{Title: "沿街商铺违规存放液化气钢瓶", Location: "东湖区八一大道120号", RegionCode: "360102", Industry: "燃气"}, nil},
		{"qiye", workflow.HazardInput{Title: "罐区可燃气体报警器失效", Description: "2号罐区两台报警器未检定", Industry: "危险化学品"}, []step{confirm}},
		{"qiye", workflow.HazardInput{Title: "配电室未设挡鼠板", Industry: "危险化学品"}, []step{confirm, plan}},
		{"qiye", workflow.HazardInput{Title: "消防通道堆放杂物", Industry: "危险化学品"}, []step{confirm, plan, submit}},
		{"qiye", workflow.HazardInput{Title: "车间安全警示标志缺失", Industry: "危险化学品"}, []step{confirm, plan, submit, approve}},
		// An officer's report is checked by someone else: here the county's supervisor.
		{"xinxiyuan", workflow.HazardInput{Title: "小区地下车库积水（疑似）", RegionCode: "360102", Industry: "自然灾害"},
			[]step{{"donghu", workflow.EventInput{Event: model.EventDismiss, Fields: workflow.Fields{Reason: str("现场核查为临时清洗积水，不构成隐患")}}}}},
		{"donghu", workflow.HazardInput{Title: "反应釜紧急切断装置未投用", Level: "major", Source: "supervisory_check", EnterpriseID: &ents[0], Industry: "危险化学品"},
			[]step{
				{"donghu", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{
					BasisStandard: str("《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》"), BasisClause: str("第十一条"),
					Deadline: &soon}}},
				{"qiye", workflow.EventInput{Event: model.EventPlan, Fields: workflow.Fields{
					Measures: str("恢复紧急切断装置并联锁投用，委托第三方检测"), ResponsiblePerson: str("王海涛"),
					ResponsiblePhone: str("13807910001"), Funds: ptr(12.5), FundsSource: str("企业自筹"),
					EmergencyPlan: str("停用相关反应釜，设专人值守，配备应急物资")}}},
			}},
		{"minxiang", workflow.HazardInput{Title: "老旧小区楼道内电动自行车充电", Location: "民巷社区3栋1单元", RegionCode: "360102002001", Industry: "消防"}, nil},
		{"tengwangge", workflow.HazardInput{Title: "农贸市场燃气管道锈蚀", Source: "supervisory_check", Location: "滕王阁街道农贸市场", RegionCode: "360102002", Industry: "燃气"},
			[]step{{"tengwangge", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{ResponsibleUnit: str("滕王阁街道农贸市场管理处"), Deadline: &soon}}}}},
		{"cailing", workflow.HazardInput{Title: "村后山坡体出现裂缝", Location: "蔡岭村后山（切坡建房处）", RegionCode: "360402100200", Industry: "自然灾害"},
			[]step{{"gutang", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{ResponsibleUnit: str("蔡岭村民委员会"), Deadline: &deadline}}}}},
		{"lianxi", workflow.HazardInput{Title: "码头装卸区照明不足", Source: "supervisory_check", EnterpriseID: &ents[2], Industry: "交通运输"},
			[]step{{"lianxi", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{Deadline: &soon}}}}},
		// Departments: an officer's report of a building site falls to housing by
		// its industry; housing's own finding; a major hazard of the water
		// bureau, in the register every department of 东湖区 reads.
		{"xinxiyuan", workflow.HazardInput{Title: "在建工地塔吊基础积水", Location: "东湖区青山南路工地", RegionCode: "360102", Industry: "建筑施工"},
			[]step{{"donghu", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{
				ResponsibleUnit: str("南昌城建集团第三项目部"), Deadline: &deadline}}}}},
		{"zhujian", workflow.HazardInput{Title: "老旧小区外墙瓷砖空鼓脱落", Source: "supervisory_check", Location: "东湖区豫章街道", RegionCode: "360102", Industry: "房屋"},
			[]step{{"zhujian", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{
				ResponsibleUnit: str("东湖区豫章街道办事处"), Deadline: &deadline}}}}},
		{"donghu", workflow.HazardInput{Title: "青山湖排涝泵站闸门启闭失灵", Level: "major", Source: "supervisory_check", Location: "东湖区青山湖泵站", RegionCode: "360102", Industry: "水利"},
			[]step{{"donghu", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{
				Department: str("water"), ResponsibleUnit: str("东湖区青山湖泵站管理所"),
				BasisStandard: str("《水利工程生产安全重大事故隐患清单指南（2023年版）》"), BasisClause: str("运行管理类：闸门启闭设备不能正常运行（演示）"), Deadline: &soon}}}}},
	}
	// Disaster hazards (灾害隐患), one or two of each type, in the shipped
	// townships and villages: 姑塘镇 and 蔡岭村 (濂溪区, by 鄱阳湖 and 庐山's
	// slopes) and 滕王阁街道 (东湖区). A listed one falls to its type's
	// department; the large landslide is a major hazard on the scale's basis.
	listBy := func(by, unit string) []step {
		return []step{{by, workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{ResponsibleUnit: str(unit), Deadline: &deadline}}}}
	}
	disaster := func(title, location, region string, lat, lng float64, d workflow.DisasterInput) workflow.HazardInput {
		d.Category = string(model.CategoryDisaster)
		return workflow.HazardInput{Title: title, Location: location, RegionCode: region,
			Latitude: &lat, Longitude: &lng, DisasterInput: d}
	}
	threat := func(households, people int, property float64, monitor, phone, route string) workflow.DisasterInput {
		return workflow.DisasterInput{ThreatenedHouseholds: &households, ThreatenedPeople: &people, ThreatenedProperty: &property,
			MonitorName: monitor, MonitorPhone: phone, EvacuationPlan: route}
	}
	withType := func(d workflow.DisasterInput, typ model.DisasterType, sub string) workflow.DisasterInput {
		d.DisasterType, d.Subtype = string(typ), sub
		return d
	}
	scripts = append(scripts, []struct {
		by    string
		in    workflow.HazardInput
		steps []step
	}{
		{"gutang", disaster("蔡岭村后山滑坡体前缘拉裂", "蔡岭村后山（庐山东麓）", "360402100", 29.6231, 116.0642,
			withType(threat(42, 156, 980, "刘正根", "13907920011", "沿村道向北转移至蔡岭村委会（安置点：村小学）"), model.DisasterGeological, "landslide")),
			[]step{{"gutang", workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{Level: str("major"),
				ResponsibleUnit: str("姑塘镇人民政府"), BasisStandardID: str(workflow.ScaleStandard),
				BasisClauseRef: str(workflow.DangerScale(156, 980)), Deadline: &deadline}}}}},
		{"cailing", disaster("村道边坡危岩崩塌", "蔡岭村3组村道K2+300", "360402100200", 29.6198, 116.0711,
			withType(threat(6, 21, 60, "刘正根", "13907920011", "封闭村道，绕行5组道路"), model.DisasterGeological, "collapse")), nil},
		{"gutang", disaster("沿湖圩堤管涌险情隐患", "姑塘镇沿湖圩堤桩号3+200", "360402100", 29.6402, 116.0823,
			withType(threat(120, 380, 2600, "黄德明", "13907920012", "向西转移至姑塘镇中学（安置点）"), model.DisasterFlood, "dyke")),
			listBy("gutang", "姑塘镇人民政府")},
		{"cailing", disaster("山塘坝体渗水", "蔡岭村黄泥塘", "360402100200", 29.6175, 116.0688,
			withType(threat(9, 27, 45, "邹小林", "13907920013", "沿田间道向东转移至村委会"), model.DisasterFlood, "pond")), nil},
		{"tengwangge", disaster("沿江路下穿通道易积水", "滕王阁街道沿江北大道下穿通道", "360102002", 28.6872, 115.8861,
			withType(threat(0, 0, 120, "滕王阁街道应急办", "0791-86660002", "汛期封闭通道，车辆绕行中山路"), model.DisasterFlood, "waterlogging")),
			listBy("tengwangge", "滕王阁街道办事处")},
		{"gutang", disaster("林缘坟山祭祀用火隐患", "姑塘镇马鞍山林区", "360402100", 29.6305, 116.0550,
			withType(threat(15, 48, 300, "周林", "13907920014", "沿防火通道向南撤离至镇政府"), model.DisasterForestFire, "")), nil},
		{"gutang", disaster("林区油库防火隔离带杂草未清", "姑塘镇马鞍山林场油库", "360402100", 29.6288, 116.0572,
			withType(threat(0, 12, 150, "周林", "13907920014", "油库人员沿场部道路撤至林场办公楼"), model.DisasterForestOilDepot, "")),
			listBy("gutang", "马鞍山林场")},
		{"gutang", disaster("老旧砖木房屋抗震能力不足", "姑塘镇老街", "360402100", 29.6350, 116.0760,
			withType(threat(28, 85, 400, "黄德明", "13907920012", "震时就近疏散至老街广场（应急避难场所）"), model.DisasterEarthquake, "")), nil},
		{"cailing", disaster("切坡建房后墙距坡脚不足2米", "蔡岭村2组", "360402100200", 29.6209, 116.0695,
			withType(threat(1, 5, 30, "邹小林", "13907920013", "雨季人员转移至邻户刘家（临时安置）"), model.DisasterSlopeBuilding, "")),
			listBy("gutang", "蔡岭村民委员会")},
		{"gutang", disaster("铁路桥下排洪涵洞淤塞", "姑塘镇京九铁路桥下涵洞", "360402100", 29.6419, 116.0704,
			withType(threat(11, 36, 800, "黄德明", "13907920012", "汛期向东转移至姑塘镇中学"), model.DisasterRailWater, "")), nil},
		{"tengwangge", disaster("沿江护栏外侧违规搭建棚屋", "滕王阁街道赣江岸边", "360102002", 28.6811, 115.8839,
			withType(threat(2, 6, 5, "滕王阁街道应急办", "0791-86660002", "汛期劝离至街道临时安置点"), model.DisasterOther, "")), nil},
	}...)
	for _, s := range scripts {
		h, err := e.Hazards.CreateHazard(ctx, actors[s.by], s.in)
		if err != nil {
			return fmt.Errorf("hazard %q: %w", s.in.Title, err)
		}
		for _, st := range s.steps {
			if st.in.Event == model.EventSubmit {
				// Proof of rectification comes before submitting.
				if _, err := e.Evidence.Add(ctx, actors[st.by], h.ID, workflow.EvidenceInput{
					Kind: model.EvidenceDocument, Filename: "整改完成报告.pdf", Note: "整改完成报告", Data: demoPDF}); err != nil {
					return fmt.Errorf("hazard %q, evidence: %w", s.in.Title, err)
				}
				if h, err = e.Hazards.Hazard(ctx, actors[st.by], h.ID); err != nil {
					return err
				}
			}
			st.in.Version = h.Version
			if h, err = e.Hazards.Apply(ctx, actors[st.by], h.ID, st.in); err != nil {
				return fmt.Errorf("hazard %q, %s: %w", s.in.Title, st.in.Event, err)
			}
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// demoRegion is where an account works, for the printed list.
func demoRegion(du demoUser, ents []workflow.EnterpriseInput) string {
	if du.enterprise >= 0 {
		return ents[du.enterprise].Name
	}
	return du.region
}

// demoPDF is a minimal PDF standing in for a rectification report.
var demoPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
