package handler_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"hazardloop/model"
)

// recordText is a record page reduced to its words: tags dropped, entities
// decoded, white space squeezed.
func recordText(body []byte) string {
	s := regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`).ReplaceAllString(string(body), " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func wantFacts(t *testing.T, who, text string, facts ...string) {
	t.Helper()
	for _, f := range facts {
		if !strings.Contains(text, f) {
			t.Errorf("%s: record lacks %q:\n%s", who, f, text)
		}
	}
}

// TestHazardRecords: the write-off record, the rejection notice and the
// transfer slip of a real hazard, each with its facts, for those who see the
// hazard; a record that does not apply and an unknown kind refused in Chinese.
func TestHazardRecords(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA, donghu, donghu2 := w.as(t, "entA"), w.as(t, "donghu"), w.as(t, "donghu2")
		entName := w.ents["A"].Name
		h := entA.createHazard(obj{"title": "储罐区可燃气体报警器失效", "location": "东湖区 胜利路12号 储罐区"})
		path := hazardPath(h.ID) + "/records/"
		// later moves the clock on by days: the sessions expire, so log in again.
		later := func(days int) {
			w.clock.Set(start.AddDate(0, 0, days))
			w.forgetLogins()
			entA, donghu, donghu2 = w.as(t, "entA"), w.as(t, "donghu"), w.as(t, "donghu2")
		}

		w.anon(t).get(path+"writeoff").wantError(http.StatusUnauthorized, "unauthorized")

		// Nothing to print yet; an unknown kind is not found.
		for _, kind := range []string{"writeoff", "rejection", "transfer"} {
			donghu.get(path+kind).wantError(http.StatusUnprocessableEntity, "record_not_applicable")
		}
		if e := donghu.get(path+"receipt").wantError(http.StatusNotFound, "not_found"); !strings.Contains(e.Message, "writeoff") {
			t.Errorf("unknown kind: %q", e.Message)
		}

		h = donghu.mustFire(h, "confirm", obj{"deadline": "2026-12-20", "basis_standard": "GB 30871-2022", "basis_clause": "第5.3条"})
		h = entA.mustFire(h, "plan", obj{"measures": "更换失效报警器并委托检测机构校验", "responsible_unit": entName,
			"responsible_person": "李建国", "responsible_phone": "13807910001", "funds": 2.5, "funds_source": "企业自筹",
			"emergency_plan": "停用储罐区动火作业，每两小时人工检测一次"})
		later(1)
		photo := entA.addEvidence(h.ID, model.EvidencePhotoAfter, "更换后.jpg", jpegFile(t, exifTIFF("2026:11:29 09:30:00", false)))
		h = entA.mustFire(h, "submit", obj{})
		later(2)
		h = donghu.mustFire(h, "reject", obj{"reason": "报警器未提供校验报告", "deadline": "2026-12-28", "comment": "请补充检测机构出具的校验报告"})

		// The rejection notice, as the enterprise and the territory see it.
		rejection := []string{"东湖区应急管理局", "事故隐患整改核实不通过通知书", "隐患编号：" + h.Code, entName + "：",
			"位于江西省南昌市东湖区胜利路12号储罐区的一般事故隐患“储罐区可燃气体报警器失效”", "2026年11月30日 10:00",
			"报警器未提供校验报告", "核实意见：请补充检测机构出具的校验报告", "于2026年12月28日前整改到位",
			"GB 30871-2022 第5.3条", "更换失效报警器并委托检测机构校验", "2.5万元（企业自筹）", "责任人李建国",
			"停用储罐区动火作业", "整改后照片 更换后.jpg 2026-11-29 09:30 2026-11-29 10:00", "佐证材料（2份）", "文件 整改报告.pdf 未载明"}
		for _, who := range []string{"donghu", "entA", "city", "admin"} {
			r := w.as(t, who).fetch(path + "rejection").want(http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", who, ct)
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("%s: CSP %q", who, csp)
			}
			text := recordText(r.body)
			wantFacts(t, who, text, rejection...)
			if !strings.Contains(string(r.body), "@media print") || !strings.Contains(string(r.body), "size: A4") {
				t.Errorf("%s: no A4 print style", who)
			}
			if strings.Contains(text, "13807910001") {
				t.Errorf("%s: the record prints a phone number", who)
			}
		}
		// The chain: the entry and the head for the staff, nothing for the enterprise.
		var full hazard
		donghu.get(hazardPath(h.ID)).want(http.StatusOK).decode(&full)
		evs := donghu.events(h.ID)
		reject := evs[len(evs)-1]
		wantFacts(t, "donghu", recordText(donghu.fetch(path+"rejection").want(http.StatusOK).body),
			"办理记录第"+itoa(reject.Seq)+"条", reject.Hash, full.ChainHead)
		if text := recordText(entA.fetch(path + "rejection").want(http.StatusOK).body); strings.Contains(text, reject.Hash) || strings.Contains(text, "链头") {
			t.Errorf("the enterprise's record shows the chain: %s", text)
		}
		for _, who := range []string{"entB", "xihu"} {
			w.as(t, who).get(path+"rejection").wantError(http.StatusForbidden, "forbidden")
		}
		donghu.get(path+"writeoff").wantError(http.StatusUnprocessableEntity, "record_not_applicable")

		// Resubmitted and written off by the second supervisor.
		later(3)
		h = entA.mustFire(h, "submit", obj{})
		h = donghu2.mustFire(h, "approve", obj{"comment": "经现场核实，报警器已更换并经校验合格，同意销号"})
		writeoff := []string{"东湖区应急管理局", "事故隐患整改核实销号记录", "经现场核实，整改到位，予以销号",
			"位于江西省南昌市东湖区胜利路12号储罐区的一般事故隐患", "GB 30871-2022 第5.3条", "整改方案（五落实）",
			"更换失效报警器并委托检测机构校验", entName + "，责任人李建国", "2.5万元（企业自筹）", "2026年12月28日",
			"停用储罐区动火作业，每两小时人工检测一次", "整改后照片 更换后.jpg 2026-11-29 09:30",
			"核实结论 经现场核实，报警器已更换并经校验合格，同意销号", "核实时间：2026年12月1日 10:00", "2026年12月1日"}
		var approver string
		for _, ev := range donghu.events(h.ID) {
			if ev.Event == "approve" {
				approver = ev.Actor
			}
		}
		for _, who := range []string{"donghu", "entA"} {
			wantFacts(t, who, recordText(w.as(t, who).fetch(path+"writeoff").want(http.StatusOK).body), append(writeoff, "核实人："+approver)...)
		}
		if approver == "" || photo.ID == 0 {
			t.Errorf("approver %q, photo %+v", approver, photo)
		}
		donghu.get(path+"transfer").wantError(http.StatusUnprocessableEntity, "record_not_applicable")

		// The page offers to print what applies, and serves it on its session.
		p := newPageClient(t, w)
		p.login("donghu")
		resp, body := p.do(http.MethodGet, "/hazards/"+itoa(h.ID), nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/hazards/`+itoa(h.ID)+`/records/writeoff"`) ||
			!strings.Contains(body, "打印事故隐患整改核实不通过通知书") || strings.Contains(body, "/records/transfer") {
			t.Errorf("hazard page's print buttons: %d", resp.StatusCode)
		}
		if resp, body := p.do(http.MethodGet, "/hazards/"+itoa(h.ID)+"/records/writeoff", nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "核实销号记录") {
			t.Errorf("page record: %d", resp.StatusCode)
		}
		if resp, body := p.do(http.MethodGet, "/hazards/"+itoa(h.ID)+"/records/nope", nil, nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "没有“nope”这种记录") {
			t.Errorf("page unknown record: %d", resp.StatusCode)
		}

		// The transfer slip: sent by 东湖区, declined, then sent and accepted.
		addSupervisor(t, w, "shuili", "360102", model.DeptWater)
		t2 := donghu.createHazard(obj{"title": "河道旁堆场挡墙开裂", "region_code": "360102", "location": "赣江大堤东湖段"})
		t2 = donghu.mustFire(t2, "confirm", obj{"responsible_unit": "东湖堆场"})
		t2 = donghu.mustFire(t2, "transfer", obj{"to_department": "water", "reason": "挡墙属堤防工程，应由水利部门监管"})
		tpath := hazardPath(t2.ID) + "/records/transfer"
		wantFacts(t, "donghu", recordText(donghu.fetch(tpath).want(http.StatusOK).body),
			"事故隐患移交单", "东湖区水利局：", "位于江西省南昌市东湖区赣江大堤东湖段的一般事故隐患“河道旁堆场挡墙开裂”",
			"移交单位 东湖区应急管理局", "接收单位 东湖区水利局", "挡墙属堤防工程，应由水利部门监管", "接收情况 待接收")
		w.as(t, "shuili").mustFire(t2, "accept_transfer", obj{"comment": "已接收"})
		wantFacts(t, "shuili", recordText(w.as(t, "shuili").fetch(tpath).want(http.StatusOK).body),
			"移交单位 东湖区应急管理局", "接收单位 东湖区水利局", "接收情况 已接收")
		w.as(t, "shuili").get(hazardPath(t2.ID)+"/records/rejection").wantError(http.StatusUnprocessableEntity, "record_not_applicable")
	})
}
