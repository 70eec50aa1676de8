package handler_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// deptHazard is what these tests read of a hazard besides the common fields.
type deptHazard struct {
	ID            int64    `json:"id"`
	Version       int      `json:"version"`
	State         string   `json:"state"`
	Level         string   `json:"level"`
	Department    string   `json:"department"`
	ReadOnly      bool     `json:"read_only"`
	AllowedEvents []string `json:"allowed_events"`
}

// addSupervisor creates a supervisor of department at region in the world's
// directory (the fixture's own supervisors are the emergency bureau's).
func addSupervisor(t *testing.T, w *world, username, region string, d model.Department) {
	t.Helper()
	u := &model.User{Username: username, PasswordHash: fixtureHash(), DisplayName: username, Role: model.RoleSupervisor,
		RegionCode: ptr(region), Department: d, Active: true, CreatedAt: start.UTC()}
	if err := w.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	w.users[username] = u
}

func deptList(c *client, query string) map[int64]deptHazard {
	c.t.Helper()
	var p struct {
		Items []deptHazard `json:"items"`
	}
	c.get("/api/v1/hazards?limit=200&" + query).want(http.StatusOK).decode(&p)
	out := map[int64]deptHazard{}
	for _, h := range p.Items {
		out[h.ID] = h
	}
	return out
}

func deptRead(c *client, id int64) deptHazard {
	c.t.Helper()
	var h deptHazard
	c.get(hazardPath(id)).want(http.StatusOK).decode(&h)
	return h
}

// TestDepartmentScope: territory × department through the API. The housing
// bureau's supervisor sees its own hazards and, read-only, the majors of every
// department (the shared register), fires nothing on those, and cannot write
// off another department's nor its own (it rectified it: #15); the emergency
// bureau sees everything and writes off its own and, as the comprehensive
// supervisor, a department's own; confirm takes the department from the industry unless
// one is chosen; the list and the ledger filter by department; the ledger
// carries 主管部门 both ways.
func TestDepartmentScope(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		addSupervisor(t, w, "zhujian", "360102", model.DeptHousing)
		addSupervisor(t, w, "xihuzhujian", "360103", model.DeptHousing)
		donghu, donghu2, zhujian := w.as(t, "donghu"), w.as(t, "donghu2"), w.as(t, "zhujian")
		major := obj{"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第四条"}
		plan := obj{"measures": "整改", "responsible_unit": "某单位", "responsible_person": "张三", "deadline": "2026-12-20"}

		site := donghu.createHazard(obj{"title": "工地脚手架未设连墙件", "region_code": "360102", "industry": "建筑施工"})
		site = donghu.mustFire(site, "confirm", obj{"responsible_unit": "城建三公司"})
		tank := donghu.createHazard(obj{"title": "储罐区防火堤破损", "region_code": "360102", "industry": "危险化学品", "level": "major"})
		tank = donghu.mustFire(tank, "confirm", merge(major, obj{"responsible_unit": "精细化工"}))
		dust := donghu.createHazard(obj{"title": "除尘器未设泄爆", "region_code": "360102", "industry": "工贸"})
		dust = donghu.mustFire(dust, "confirm", obj{"responsible_unit": "建材厂"})
		chosen := donghu.createHazard(obj{"title": "工地旁排水渠堵塞", "region_code": "360102", "industry": "建筑施工"})
		chosen = donghu.mustFire(chosen, "confirm", obj{"responsible_unit": "城建三公司", "department": "water"})
		fresh := donghu.createHazard(obj{"title": "待核查的隐患", "region_code": "360102", "industry": "建筑施工"})
		donghu.fire(fresh, "confirm", obj{"responsible_unit": "x", "department": "police"}).wantError(http.StatusBadRequest, "invalid_fields", "department")

		// The default from the industry, and the choice that wins over it.
		for _, c := range []struct {
			h    hazard
			want string
		}{{site, "housing"}, {tank, "emergency"}, {dust, "emergency"}, {chosen, "water"}, {fresh, ""}} {
			if got := deptRead(donghu, c.h.ID); got.Department != c.want || got.ReadOnly {
				t.Errorf("%s: department %q read_only %v, want %q", c.h.Title, got.Department, got.ReadOnly, c.want)
			}
		}
		if evs := donghu.events(site.ID); evs[len(evs)-1].Payload["department"] != "housing" {
			t.Errorf("confirm payload %v", evs[len(evs)-1].Payload)
		}

		// Emergency sees all; housing its own and the register, read-only.
		all := deptList(donghu, "")
		for _, h := range []hazard{site, tank, dust, chosen, fresh} {
			if _, ok := all[h.ID]; !ok {
				t.Errorf("emergency does not list %s", h.Title)
			}
		}
		seen := deptList(zhujian, "")
		if len(seen) != 2 {
			t.Errorf("housing lists %d hazards, want its own and the major: %v", len(seen), seen)
		}
		if h, ok := seen[site.ID]; !ok || h.ReadOnly || !slices.Contains(h.AllowedEvents, "plan") {
			t.Errorf("housing's own hazard in its list: %+v", h)
		}
		if h, ok := seen[tank.ID]; !ok || !h.ReadOnly || h.AllowedEvents == nil || len(h.AllowedEvents) != 0 {
			t.Errorf("the major in the shared register: %+v, want read_only and no events", h)
		}
		if h := deptRead(zhujian, tank.ID); !h.ReadOnly || len(h.AllowedEvents) != 0 {
			t.Errorf("housing reads the major: %+v", h)
		}
		for _, h := range []hazard{dust, chosen, fresh} {
			zhujian.get(hazardPath(h.ID)).wantError(http.StatusForbidden, "forbidden")
		}
		e := zhujian.fire(tank, "plan", merge(plan, obj{"funds": 3, "funds_source": "自筹", "emergency_plan": "停用"})).wantError(http.StatusForbidden, "forbidden")
		wantContains(t, "read-only refusal", e.Message, "只读（重大隐患共享）")
		zhujian.fire(dust, "plan", plan).wantError(http.StatusForbidden, "forbidden")
		zhujian.upload(hazardPath(tank.ID)+"/evidence", "现场.pdf", testPDF, map[string]string{"kind": "document"}).wantError(http.StatusForbidden, "forbidden")
		if len(deptList(w.as(t, "xihuzhujian"), "")) != 0 {
			t.Error("西湖区's housing bureau sees 东湖区's hazards")
		}

		// Write-off. The site has no enterprise and lies in the county, so
		// since #15 its party is the department (model.DefaultParty): the
		// housing bureau rectifies it and, by the rule that
		// verification is never by the party that rectified, its own
		// supervisors at the county may not write it off; the emergency
		// bureau, the comprehensive supervisor (综合监管), does
		// (workflow/party.go departmentVerifiedByOthers, verifierDepartment).
		// Before #15 the second housing supervisor wrote it off and the
		// emergency bureau was refused. Housing still cannot write off the
		// emergency bureau's major (tank, below).
		site = zhujian.mustFire(site, "plan", plan)
		site = zhujian.mustFire(site, "submit", nil)
		addSupervisor(t, w, "zhujian2", "360102", model.DeptHousing)
		e = w.as(t, "zhujian2").fire(site, "approve", obj{"comment": "核实"}).wantError(http.StatusForbidden, "forbidden")
		wantContains(t, "housing approving its own", e.Message, "不能核实自身整改")
		w.as(t, "zhujian2").fire(site, "reject", obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		if got := donghu2.mustFire(site, "approve", obj{"comment": "现场核实，已整改"}); got.State != "written_off" {
			t.Errorf("the emergency bureau's write-off of housing's own: %+v", got)
		}
		tank = donghu.mustFire(tank, "plan", merge(plan, obj{"funds": 3, "funds_source": "自筹", "emergency_plan": "停用"}))
		tank = donghu.mustFire(tank, "submit", nil)
		zhujian.fire(tank, "approve", obj{"comment": "核实"}).wantError(http.StatusForbidden, "forbidden")
		tank = donghu2.assess(tank)
		if got := donghu2.mustFire(tank, "approve", obj{"comment": "现场核实"}); got.State != "written_off" {
			t.Errorf("emergency's write-off of its major: %+v", got)
		}

		// The list's and the ledger's department= filter.
		if got := deptList(donghu, "department=water"); len(got) != 1 || got[chosen.ID].ID != chosen.ID {
			t.Errorf("department=water lists %v", got)
		}
		donghu.get("/api/v1/hazards?department=police").wantError(http.StatusBadRequest, "invalid_fields", "department")
		b := donghu.download(ledgerPath + ".xlsx?department=housing")
		rows := sheetRows(t, b)
		col := slices.Index(rows[1], "主管部门")
		if col < 0 || len(rows) != 3 || rows[2][col] != "住房和城乡建设" {
			t.Errorf("ledger of housing: %q", rows)
		}
		donghu.get(ledgerPath+".xlsx?department=police").wantError(http.StatusBadRequest, "invalid_fields", "department")

		// Re-importing the export changes nothing; a row past discovered takes
		// its 主管部门 by name; an existing hazard's is not the ledger's to change.
		var res struct {
			Created, Updated, Unchanged int
		}
		donghu.upload(ledgerPath+"/import", "ledger.xlsx", donghu.download(ledgerPath+".xlsx?department=water"), nil).want(http.StatusOK).decode(&res)
		if res.Unchanged != 1 || res.Created+res.Updated != 0 {
			t.Errorf("re-import: %+v", res)
		}
		file := rawXLSX(t, []string{"隐患名称", "区划代码", "行业领域", "当前状态", "整改责任单位", "行业主管部门"}, func(w io.Writer) {
			for i, r := range [][]string{{"老旧小区燃气管道锈蚀", "360102", "燃气", "已列入清单（待整改）", "燃气公司", "住建局"},
				{"林区防火通道阻断", "360102", "", "已列入清单（待整改）", "林场", "林业"},
				{"码头系缆桩松动", "360102", "港口", "已列入清单（待整改）", "港务公司", ""}} {
				fmt.Fprintf(w, `<row r="%d">`, i+2)
				for j, v := range r {
					ref, _ := excelize.CoordinatesToCellName(j+1, i+2)
					fmt.Fprintf(w, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, v)
				}
				io.WriteString(w, `</row>`)
			}
		})
		donghu.upload(ledgerPath+"/import", "import.xlsx", file, nil).want(http.StatusOK).decode(&res)
		if res.Created != 3 {
			t.Fatalf("import: %+v", res)
		}
		for d, title := range map[string]string{"housing": "老旧小区燃气管道锈蚀", "forestry": "林区防火通道阻断", "transport": "码头系缆桩松动"} {
			var p struct {
				Items []struct {
					Title      string `json:"title"`
					Department string `json:"department"`
				} `json:"items"`
			}
			donghu.get("/api/v1/hazards?q=" + title).want(http.StatusOK).decode(&p)
			if len(p.Items) != 1 || p.Items[0].Department != d {
				t.Errorf("imported %s: %+v, want department %s", title, p.Items, d)
			}
		}
		export := donghu.download(ledgerPath + ".xlsx?department=water")
		f, err := excelize.OpenReader(bytes.NewReader(export))
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := excelize.CoordinatesToCellName(col+1, 3)
		if err := f.SetCellStr("隐患台账", ref, "教育"); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		f.Close()
		var bad struct {
			Detail struct {
				Errors []struct {
					Column, Message string
				} `json:"errors"`
			} `json:"detail"`
		}
		donghu.upload(ledgerPath+"/import", "ledger.xlsx", buf.Bytes(), nil).want(http.StatusBadRequest).decode(&bad)
		if len(bad.Detail.Errors) != 1 || bad.Detail.Errors[0].Column != "主管部门" {
			t.Errorf("changing a department by ledger: %+v", bad)
		}
	})
}

func merge(a, b obj) obj {
	out := obj{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func sheetRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("隐患台账")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestDepartmentDirectoryAndAccounts: the directory of departments, and the
// users API: a supervisor's department (emergency unless given, an unknown
// code refused by name), none for anyone else, changed by PATCH.
func TestDepartmentDirectoryAndAccounts(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		var dir struct {
			Items []struct{ Code, Name string } `json:"items"`
		}
		w.as(t, "officer").get("/api/v1/departments").want(http.StatusOK).decode(&dir)
		names := map[string]string{}
		for _, d := range dir.Items {
			names[d.Code] = d.Name
		}
		for code, name := range map[string]string{"emergency": "应急管理", "housing": "住房和城乡建设", "transport": "交通运输", "water": "水利",
			"natural_resources": "自然资源", "forestry": "林业", "fire_rescue": "消防救援", "market_regulation": "市场监督管理",
			"agriculture": "农业农村", "education": "教育"} {
			if names[code] != name {
				t.Errorf("department %s named %q, want %q", code, names[code], name)
			}
		}

		var u struct {
			ID         int64  `json:"id"`
			Department string `json:"department"`
		}
		admin.post("/api/v1/users", obj{"username": "zj", "password": "long-enough-pw", "role": "supervisor", "region_code": "360102", "department": "housing"}).
			want(http.StatusCreated).decode(&u)
		if u.Department != "housing" {
			t.Errorf("created supervisor department %q", u.Department)
		}
		admin.post("/api/v1/users", obj{"username": "yj", "password": "long-enough-pw", "role": "supervisor", "region_code": "360102"}).
			want(http.StatusCreated).decode(&u)
		if u.Department != "emergency" {
			t.Errorf("supervisor without department: %q, want emergency", u.Department)
		}
		e := admin.post("/api/v1/users", obj{"username": "bad", "password": "long-enough-pw", "role": "supervisor", "region_code": "360102", "department": "police"}).
			wantError(http.StatusBadRequest, "invalid_fields", "department")
		wantContains(t, "unknown department", e.Fields["department"], "未知的主管部门")
		for _, role := range []string{"officer", "admin"} {
			e = admin.post("/api/v1/users", obj{"username": "x" + role, "password": "long-enough-pw", "role": role, "region_code": "360102", "department": "housing"}).
				wantError(http.StatusBadRequest, "invalid_fields", "department")
			wantContains(t, role+" with a department", e.Fields["department"], "监管人员")
		}
		admin.post("/api/v1/users", obj{"username": "xent", "password": "long-enough-pw", "role": "enterprise", "enterprise_id": w.ents["A"].ID, "department": "housing"}).
			wantError(http.StatusBadRequest, "invalid_fields", "department")

		admin.do(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", u.ID), obj{"department": "water"}).want(http.StatusOK).decode(&u)
		if u.Department != "water" {
			t.Errorf("patched department %q", u.Department)
		}
		admin.do(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", u.ID), obj{"department": "police"}).wantError(http.StatusBadRequest, "invalid_fields", "department")
		admin.do(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", w.users["officer"].ID), obj{"department": "water"}).
			wantError(http.StatusBadRequest, "invalid_fields", "department")
	})
}

// TestOfficerReview: an information officer's finding is checked by someone
// else — another officer of the region or a supervisor — never by the officer
// who reported it; the officer's queue shows what they reported and where it
// stands. A supervisor's own finding is still theirs to list.
func TestOfficerReview(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		officer, officer2, donghu := w.as(t, "officer"), w.as(t, "officer2"), w.as(t, "donghu")
		a := officer.createHazard(obj{"title": "小区消防通道被占用", "region_code": "360102"})
		e := officer.fire(a, "confirm", obj{"responsible_unit": "物业公司"}).wantError(http.StatusForbidden, "forbidden")
		wantContains(t, "own confirm", e.Message, "信息员上报的隐患须由其他人员核查")
		officer.fire(a, "dismiss", obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		if h := officer.hazard(a.ID); len(h.AllowedEvents) != 0 {
			t.Errorf("the reporter is offered %v", h.AllowedEvents)
		}
		if got := officer2.mustFire(a, "confirm", obj{"responsible_unit": "物业公司"}); got.State != "listed" {
			t.Errorf("another officer confirms: %+v", got)
		}
		b := officer.createHazard(obj{"title": "沿街店铺私拉电线", "region_code": "360102"})
		if got := donghu.mustFire(b, "dismiss", obj{"reason": "已自行整改"}); got.State != "dismissed" {
			t.Errorf("a supervisor dismisses: %+v", got)
		}
		own := donghu.createHazard(obj{"title": "督导检查发现的隐患", "region_code": "360102"})
		donghu.mustFire(own, "confirm", obj{"responsible_unit": "某单位"})

		p := newPageClient(t, w)
		p.login("officer")
		resp, body := p.do(http.MethodGet, "/queue", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/queue: %d", resp.StatusCode)
		}
		i := strings.Index(body, `id="reported"`)
		if i < 0 {
			t.Fatalf("the officer's queue has no 我上报的隐患 section")
		}
		section := body[i:]
		for _, want := range []string{"我上报的隐患", "小区消防通道被占用", "已列入清单（待整改）", "沿街店铺私拉电线", "不予立案"} {
			if !strings.Contains(section, want) {
				t.Errorf("我上报的隐患 lacks %q", want)
			}
		}
		if strings.Contains(section, "督导检查发现的隐患") {
			t.Error("我上报的隐患 shows someone else's finding")
		}
	})
}
