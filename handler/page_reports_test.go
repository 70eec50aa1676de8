package handler_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
)

// The reports page carries a named report through its life in a supervisor's
// browser: listed with its deadlines, the contact shown on a deliberate post
// and logged, the check extended, the reporter answered (escaped), the reward
// proposed, approved by another supervisor and paid. Enterprises are refused;
// officers see the list without the supervisors' forms.
func TestPagesPublicReports(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	f := w.file(t, aReport(obj{"description": "仓库内电动车违规充电，通道堵塞", "contact_name": "王小明",
		"contact_phone": "13912345678", "wants_reward": true}))
	id := strconv.FormatInt(f.report.ID, 10)
	rp := "/reports/" + id

	p := newPageClient(t, w)
	csrf := p.login("donghu")
	resp, body := p.do(http.MethodGet, "/reports", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reports page: %d", resp.StatusCode)
	}
	for _, want := range []string{f.hazard.Code, "实名，申请奖励", "核查期限", `action="` + rp + `/contact"`, `action="` + rp + `/extend-check"`, `href="/reports"`} {
		if !strings.Contains(body, want) {
			t.Errorf("reports page lacks %s", want)
		}
	}
	for _, absent := range []string{"王小明", "13912345678", `action="` + rp + `/answer"`} {
		if strings.Contains(body, absent) {
			t.Errorf("reports page shows %s before it should", absent)
		}
	}

	// The contact: a post, not cached, logged in the hazard's events.
	if resp, _ := p.do(http.MethodPost, rp+"/contact", url.Values{}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("contact without the form token: %d, want 403", resp.StatusCode)
	}
	resp, body = p.do(http.MethodPost, rp+"/contact", url.Values{"csrf": {csrf}}, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "王小明") || !strings.Contains(body, "13912345678") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("contact: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	viewed := 0
	for _, ev := range w.as(t, "donghu").events(f.hazard.ID) {
		if ev.Event == string(model.EventViewContact) {
			viewed++
		}
	}
	if viewed != 1 {
		t.Errorf("%d contact views logged, want 1", viewed)
	}

	ent := newPageClient(t, w)
	entCSRF := ent.login("entA")
	if resp, body := ent.do(http.MethodGet, "/reports", nil, nil); resp.StatusCode != http.StatusForbidden || strings.Contains(body, f.hazard.Code) {
		t.Errorf("enterprise reports page: %d, want 403", resp.StatusCode)
	}
	if resp, body := ent.do(http.MethodPost, rp+"/contact", url.Values{"csrf": {entCSRF}}, nil); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "13912345678") {
		t.Errorf("enterprise contact: %d, want 403", resp.StatusCode)
	}
	off := newPageClient(t, w)
	off.login("officer")
	if resp, body := off.do(http.MethodGet, "/reports", nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, f.hazard.Code) ||
		strings.Contains(body, `action="`+rp+`/contact"`) {
		t.Errorf("officer reports page: %d, want the list without the contact form", resp.StatusCode)
	}

	resp, _ = p.do(http.MethodPost, rp+"/extend-check", url.Values{"csrf": {csrf}, "reason": {"需会同住建部门联合核查"}, "view": {"unchecked"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports?ok=extended&view=unchecked#r"+id {
		t.Fatalf("extend: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := p.do(http.MethodGet, "/reports?ok=extended&view=unchecked", nil, nil); !strings.Contains(body, "核查期限已延长") || !strings.Contains(body, "已延期：需会同住建部门联合核查") {
		t.Error("after extending, the page lacks the flash or the reason")
	}

	// Checked (confirmed): the answer form; an answer is shown escaped.
	donghu := w.as(t, "donghu")
	donghu.mustFire(donghu.hazard(f.hazard.ID), "confirm", obj{"enterprise_id": w.ents["A"].ID, "deadline": "2026-12-20"})
	_, body = p.do(http.MethodGet, "/reports", nil, nil)
	if !strings.Contains(body, `action="`+rp+`/answer"`) || !strings.Contains(body, `action="`+rp+`/reward"`) {
		t.Fatal("a checked report offers no answer or reward form")
	}
	resp, body = p.do(http.MethodPost, rp+"/answer", url.Values{"csrf": {csrf}, "text": {" "}}, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("empty answer: %d, want 400", resp.StatusCode)
	}
	resp, _ = p.do(http.MethodPost, rp+"/answer", url.Values{"csrf": {csrf}, "text": {"经核查属实，已责令<b>限期整改</b>"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d", resp.StatusCode)
	}
	_, body = p.do(http.MethodGet, "/reports?ok=answered", nil, nil)
	if !strings.Contains(body, "已答复举报人") || !strings.Contains(body, "已责令&lt;b&gt;限期整改&lt;/b&gt;") || strings.Contains(body, `action="`+rp+`/answer"`) {
		t.Error("after answering: want the flash and the escaped answer, no answer form")
	}

	// The reward: proposed from the fine, approved by another supervisor, paid.
	resp, body = p.do(http.MethodPost, rp+"/reward", url.Values{"csrf": {csrf}, "fine": {"一万"}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "罚款金额") {
		t.Errorf("fine in words: %d", resp.StatusCode)
	}
	if resp, _ := p.do(http.MethodPost, rp+"/reward", url.Values{"csrf": {csrf}, "fine": {"100,000"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose: %d", resp.StatusCode)
	}
	_, body = p.do(http.MethodGet, "/reports?view=rewards", nil, nil)
	if !strings.Contains(body, "已核定，待审批 ¥15000.00（罚没款 ¥100000.00）") || !strings.Contains(body, `action="`+rp+`/reward/decision"`) {
		t.Error("the proposed reward is not shown with its amount and the decision form")
	}
	resp, body = p.do(http.MethodPost, rp+"/reward/decision", url.Values{"csrf": {csrf}, "decision": {"approve"}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "核定奖励的人不能审批同一笔奖励") {
		t.Errorf("approving one's own proposal: %d", resp.StatusCode)
	}
	p2 := newPageClient(t, w)
	csrf2 := p2.login("donghu2")
	if resp, _ := p2.do(http.MethodPost, rp+"/reward/decision", url.Values{"csrf": {csrf2}, "decision": {"maybe"}}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no decision: %d, want 400", resp.StatusCode)
	}
	if resp, _ := p2.do(http.MethodPost, rp+"/reward/decision", url.Values{"csrf": {csrf2}, "decision": {"approve"}, "view": {"rewards"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	if resp, _ := p.do(http.MethodPost, rp+"/reward/paid", url.Values{"csrf": {csrf}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("paid: %d", resp.StatusCode)
	}
	_, body = p.do(http.MethodGet, "/reports?ok=paid", nil, nil)
	if !strings.Contains(body, "已登记奖励发放") || !strings.Contains(body, "已发放 ¥15000.00") {
		t.Error("after paying: want the flash and the paid reward")
	}
	if rs := w.as(t, "donghu").reports(""); len(rs) != 1 || rs[0].RewardStatus != "paid" || rs[0].Answer == "" {
		t.Errorf("report after the page's steps: %+v", rs)
	}
}
