package handler_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"hazardloop/model"
)

// TestBrowserDepartments: the pages departments change, in chromium at a
// phone's width and a desktop's: a major hazard of the emergency bureau as
// the housing bureau reads it (只读（重大隐患共享）, no forms), the dashboard's
// table by department, and the admin's account form with its department.
func TestBrowserDepartments(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	addSupervisor(t, w, "zhujian", "360102", model.DeptHousing)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)

	sup := w.as(t, "donghu")
	m := sup.createHazard(obj{"title": "储罐区防火堤破损", "level": "major", "enterprise_id": w.ents["A"].ID, "industry": "危险化学品"})
	sup.mustFire(m, "confirm", obj{"basis_standard": "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》", "basis_clause": "第十一条"})
	s := sup.createHazard(obj{"title": "工地脚手架未设连墙件", "region_code": "360102", "industry": "建筑施工"})
	sup.mustFire(s, "confirm", obj{"responsible_unit": "城建三公司"})
	sup.createHazard(obj{"title": "待核查：商铺液化气钢瓶", "region_code": "360102", "industry": "燃气"})

	for _, vp := range viewports {
		b.run(vp.act)
		b.login("zhujian")
		b.open(fmt.Sprintf("/hazards/%d", m.ID))
		b.waitText(".badges", "只读（重大隐患共享）")
		b.waitText(".notice", "东湖区应急管理局")
		b.wantCount("details.event", 0)
		b.shot("dept-readonly-" + vp.name)
		b.open(fmt.Sprintf("/hazards/%d", s.ID))
		b.waitText("main", "东湖区住房和城乡建设局")
		b.logout()

		b.login("donghu")
		b.open("/stats")
		b.waitText("#by-department", "住房和城乡建设")
		b.shot("dept-stats-" + vp.name)
		b.logout()

		b.login("admin")
		b.open("/admin#users")
		b.waitText("#users", "主管部门（监管人员）")
		b.shot("dept-admin-" + vp.name)
		b.logout()
	}
}
