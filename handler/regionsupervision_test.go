package handler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/workflow"
)

// regionDoc is what these tests read of a region document.
type regionDoc struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	Step      string `json:"step"`
	Reason    string `json:"reason"`
	CreatedAt string `json:"created_at"`
	Targets   []struct {
		ID             int64      `json:"id"`
		RegionCode     string     `json:"region_code"`
		Department     string     `json:"department"`
		Addressee      string     `json:"addressee"`
		OpenHazards    int64      `json:"open_hazards"`
		OverdueHazards int64      `json:"overdue_hazards"`
		MajorOverdue   int64      `json:"major_overdue"`
		ReplyDue       string     `json:"reply_due"`
		AcknowledgedAt *time.Time `json:"acknowledged_at"`
		RepliedAt      *time.Time `json:"replied_at"`
		ReplyText      string     `json:"reply_text"`
	} `json:"targets"`
	Hazards []struct {
		ID          int64  `json:"id"`
		Code        string `json:"code"`
		OverdueDays int    `json:"overdue_days"`
	} `json:"hazards"`
}

func issue(c *client, body obj) regionDoc {
	c.t.Helper()
	var d regionDoc
	c.post("/api/v1/region-supervisions", body).want(http.StatusCreated).decode(&d)
	return d
}

func gov(codes ...string) []obj {
	out := make([]obj, len(codes))
	for i, c := range codes {
		out[i] = obj{"region_code": c}
	}
	return out
}

// unrepliedRegions is the regions section of the caller's unreplied list, as
// document id → addressees.
func unrepliedRegions(c *client) map[int64][]string {
	c.t.Helper()
	var un struct {
		Regions []struct {
			SupervisionID int64  `json:"supervision_id"`
			Addressee     string `json:"addressee"`
			Number        string `json:"number"`
		} `json:"regions"`
	}
	c.get("/api/v1/escalations/unreplied").want(http.StatusOK).decode(&un)
	out := map[int64][]string{}
	for _, r := range un.Regions {
		out[r.SupervisionID] = append(out[r.SupervisionID], r.Addressee)
	}
	return out
}

// TestRegionSupervision: supervision of slow regions and departments (对地区
// 和部门的督办). The province circulates three counties in one document with
// one number, and its next document has the next number; steps go in order
// per target unless a reason for skipping is given, the refusal naming the
// missing step; a target outside the issuer's territory (or at its level) is
// refused by name; only a circular names several targets; cited hazards must
// lie in a target's territory; the targets' supervisors alone sign and reply,
// once each (a second is 409), a department's target by that department's
// supervisor; unanswered targets are on the unreplied list until the reply;
// an exposure goes on the public board without anyone's identity; the
// printed document carries its number and its addressees; the outbox has one
// region_supervision notification per document; and the rows refuse change.
func TestRegionSupervision(t *testing.T) {
	opts := workflow.Options{Webhooks: []string{"http://127.0.0.1:9/hook"}}
	eachDialectWith(t, opts, func(t *testing.T, w *world, _ *workflow.Services) {
		addSupervisor(t, w, "lianxi", "360402", "")
		addSupervisor(t, w, "donghuHousing", "360102", model.DeptHousing)
		donghu, xihu := w.as(t, "donghu"), w.as(t, "xihu")
		major := donghu.createHazard(obj{"title": "东湖区重大隐患", "region_code": "360102", "level": "major"})
		donghu.mustFire(major, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "某单位",
			"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第四条"})
		general := donghu.createHazard(obj{"title": "东湖区一般隐患", "region_code": "360102"})
		donghu.mustFire(general, "confirm", obj{"deadline": "2027-01-31", "responsible_unit": "某单位"})
		west := xihu.createHazard(obj{"title": "西湖区隐患", "region_code": "360103"})
		xihu.mustFire(west, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "某单位"})
		w.clock.Set(time.Date(2026, 12, 10, 9, 0, 0, 0, model.Shanghai))
		w.forgetLogins()
		prov, city, donghu, xihu, lianxi := w.as(t, "prov"), w.as(t, "city"), w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "lianxi")

		// A circular to three counties: first refused without a notice before
		// it, then issued with the reason for skipping, one number for all.
		three := gov("360102", "360103", "360402")
		e := prov.post("/api/v1/region-supervisions", obj{"targets": three, "step": "circular", "reason": "隐患整改进展缓慢"}).
			wantError(http.StatusUnprocessableEntity, "step_out_of_order", "skip_reason")
		if !strings.Contains(e.Message, "东湖区人民政府") || !strings.Contains(e.Message, "尚未函告") {
			t.Errorf("the refusal names neither the target nor the missing step: %s", e.Message)
		}
		circ := issue(prov, obj{"targets": three, "step": "circular", "reason": "逾期隐患占比高，重大事故隐患逾期未整改",
			"skip_reason": "重大事故隐患逾期，情况紧急", "hazard_ids": []int64{major.ID, west.ID}})
		if circ.Number != "〔2026〕第1号" || circ.Step != "circular" || len(circ.Targets) != 3 || len(circ.Hazards) != 2 || circ.CreatedAt == "" {
			t.Fatalf("circular %+v", circ)
		}
		want := []string{"东湖区人民政府", "西湖区人民政府", "濂溪区人民政府"}
		for i, tg := range circ.Targets {
			if tg.Addressee != want[i] || tg.ReplyDue == "" {
				t.Errorf("target %d %+v, want %s", i, tg, want[i])
			}
		}
		if d := circ.Targets[0]; d.OpenHazards != 2 || d.OverdueHazards != 1 || d.MajorOverdue != 1 {
			t.Errorf("东湖区's figures %+v", d)
		}
		if circ.Hazards[0].OverdueDays != 10 {
			t.Errorf("cited %+v", circ.Hazards)
		}
		// The province's next document takes the next number; an interview
		// follows the circular without a reason, an exposure does not.
		iv := issue(prov, obj{"targets": gov("360103"), "step": "interview", "reason": "通报后仍未整改"})
		if iv.Number != "〔2026〕第2号" {
			t.Errorf("the next number %s, want 〔2026〕第2号", iv.Number)
		}
		e = prov.post("/api/v1/region-supervisions", obj{"targets": gov("360102"), "step": "exposure", "reason": "仍未整改"}).
			wantError(http.StatusUnprocessableEntity, "step_out_of_order", "skip_reason")
		if !strings.Contains(e.Message, "尚未约谈") {
			t.Errorf("the refusal does not name 约谈: %s", e.Message)
		}
		exp := issue(prov, obj{"targets": gov("360103"), "step": "exposure", "reason": "约谈后仍未整改到位"})
		if exp.Number != "〔2026〕第3号" {
			t.Errorf("exposure %s", exp.Number)
		}

		// The city's numbering is its own: a notice, then a circular in order.
		notice := issue(city, obj{"targets": gov("360102"), "step": "notice", "reason": "逾期隐患较多", "hazard_ids": []int64{major.ID}})
		if notice.Number != "〔2026〕第1号" || notice.Targets[0].Addressee != "东湖区人民政府" {
			t.Errorf("the city's notice %+v", notice)
		}
		// A department of a county is a target of its own, with its own order.
		housing := issue(city, obj{"targets": []obj{{"region_code": "360102", "department": "housing"}}, "step": "notice", "reason": "住建领域隐患整改滞后"})
		if housing.Number != "〔2026〕第2号" || housing.Targets[0].Addressee != "东湖区住房和城乡建设局" || housing.Targets[0].OpenHazards != 0 {
			t.Errorf("the housing notice %+v", housing)
		}

		// Refusals: roles, territory, several targets, hazards, fields.
		w.as(t, "officer").post("/api/v1/region-supervisions", obj{"targets": gov("360102"), "step": "notice", "reason": "x"}).
			wantError(http.StatusForbidden, "forbidden")
		for _, c := range []struct {
			who    *client
			target string
			name   string
		}{{city, "360402", "濂溪区"}, {city, "360100", "南昌市"}, {donghu, "360103", "西湖区"}, {prov, "360000", "江西省"}} {
			e := c.who.post("/api/v1/region-supervisions", obj{"targets": gov(c.target), "step": "notice", "reason": "x"}).
				wantError(http.StatusForbidden, "forbidden")
			if !strings.Contains(e.Message, c.name) {
				t.Errorf("the refusal of %s does not name it: %s", c.target, e.Message)
			}
		}
		// A department's supervisor presses its own department below, no other.
		addSupervisor(t, w, "cityHousing", "360100", model.DeptHousing)
		e = w.as(t, "cityHousing").post("/api/v1/region-supervisions", obj{"targets": gov("360103"), "step": "notice", "reason": "x"}).
			wantError(http.StatusForbidden, "forbidden")
		if !strings.Contains(e.Message, "西湖区人民政府") {
			t.Errorf("the refusal does not name the target: %s", e.Message)
		}
		if d := issue(w.as(t, "cityHousing"), obj{"targets": []obj{{"region_code": "360103", "department": "housing"}}, "step": "notice", "reason": "住建领域隐患整改滞后"}); d.Number != "〔2026〕第3号" ||
			d.Targets[0].Addressee != "西湖区住房和城乡建设局" {
			t.Errorf("the city housing bureau's notice %+v", d)
		}
		city.post("/api/v1/region-supervisions", obj{"targets": gov("360102", "360103"), "step": "notice", "reason": "x"}).
			wantError(http.StatusBadRequest, "invalid_fields", "targets")
		e = city.post("/api/v1/region-supervisions", obj{"targets": gov("360102"), "step": "notice", "reason": "x", "hazard_ids": []int64{west.ID}}).
			wantError(http.StatusBadRequest, "invalid_fields", "hazard_ids")
		if !strings.Contains(e.Message, "西湖区隐患") {
			t.Errorf("the refusal does not name the hazard: %s", e.Message)
		}
		city.post("/api/v1/region-supervisions", obj{"targets": gov("360102"), "step": "scold", "reason": " "}).
			wantError(http.StatusBadRequest, "invalid_fields", "step", "reason")
		city.post("/api/v1/region-supervisions", obj{"targets": gov("369999"), "step": "notice", "reason": "x"}).
			wantError(http.StatusBadRequest, "invalid_fields", "targets[0].region_code")

		// Unanswered: on the issuer's and the target's lists.
		if un := unrepliedRegions(prov); len(un[circ.ID]) != 3 || len(un[exp.ID]) != 1 {
			t.Errorf("the province's unreplied %v", un)
		}
		if un := unrepliedRegions(donghu); len(un[circ.ID]) != 1 || un[circ.ID][0] != "东湖区人民政府" || len(un[notice.ID]) != 1 || un[exp.ID] != nil {
			t.Errorf("东湖区's unreplied %v", un)
		}

		// Sign and reply: the target's supervisors only, once each.
		xihu.post(regionPath(notice.ID, "sign"), nil).wantError(http.StatusNotFound, "not_found")
		city.post(regionPath(notice.ID, "sign"), nil).wantError(http.StatusForbidden, "forbidden")
		donghu.post(regionPath(housing.ID, "sign"), nil).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "donghuHousing").post(regionPath(housing.ID, "sign"), nil).want(http.StatusOK)
		var signed struct {
			AcknowledgedAt *time.Time `json:"acknowledged_at"`
			RegionCode     string     `json:"region_code"`
		}
		donghu.post(regionPath(circ.ID, "sign"), nil).want(http.StatusOK).decode(&signed)
		if signed.AcknowledgedAt == nil || signed.RegionCode != "360102" {
			t.Errorf("signed %+v", signed)
		}
		donghu.post(regionPath(circ.ID, "sign"), nil).wantError(http.StatusConflict, "already_done")
		lianxi.post(regionPath(circ.ID, "reply"), obj{"reply": ""}).wantError(http.StatusBadRequest, "invalid_fields", "reply")
		lianxi.post(regionPath(circ.ID, "reply"), obj{"reply": "已组织专项整治"}).want(http.StatusOK)
		lianxi.post(regionPath(circ.ID, "reply"), obj{"reply": "再回复"}).wantError(http.StatusConflict, "already_done")
		var got regionDoc
		prov.get("/api/v1/region-supervisions/" + strconv.FormatInt(circ.ID, 10)).want(http.StatusOK).decode(&got)
		if got.Number != circ.Number || len(got.Hazards) != 2 || got.Targets[0].AcknowledgedAt == nil || got.Targets[0].RepliedAt != nil ||
			got.Targets[2].ReplyText != "已组织专项整治" || got.Targets[2].AcknowledgedAt == nil || got.Targets[1].AcknowledgedAt != nil {
			t.Errorf("the circular after the answers %+v", got)
		}
		if un := unrepliedRegions(prov); len(un[circ.ID]) != 2 {
			t.Errorf("after 濂溪区's reply the circular waits on %v", un[circ.ID])
		}
		if un := unrepliedRegions(lianxi); un[circ.ID] != nil {
			t.Errorf("濂溪区's list still has the circular: %v", un)
		}

		// Lists: issued and received.
		ids := func(c *client) map[int64]bool {
			var l struct {
				Items []regionDoc `json:"items"`
			}
			c.get("/api/v1/region-supervisions").want(http.StatusOK).decode(&l)
			out := map[int64]bool{}
			for _, d := range l.Items {
				out[d.ID] = true
			}
			return out
		}
		if got := ids(donghu); !got[circ.ID] || !got[notice.ID] || !got[housing.ID] || got[exp.ID] || got[iv.ID] {
			t.Errorf("东湖区 lists %v", got)
		}
		if got := ids(city); !got[notice.ID] || !got[housing.ID] || !got[circ.ID] || len(got) != 6 {
			t.Errorf("the city lists %v", got) // its own two, the housing bureau's to 西湖区's, and the province's three to its counties
		}
		if got := ids(lianxi); len(got) != 1 || !got[circ.ID] {
			t.Errorf("濂溪区 lists %v", got)
		}
		xihu.get("/api/v1/region-supervisions/"+strconv.FormatInt(notice.ID, 10)).wantError(http.StatusNotFound, "not_found")

		// The exposure on the public board, and no one's identity.
		var board struct {
			Regions []map[string]any `json:"regions"`
		}
		r := w.anon(t).get("/api/v1/public/exposures").want(http.StatusOK)
		r.decode(&board)
		if len(board.Regions) != 1 || board.Regions[0]["addressee"] != "西湖区人民政府" || board.Regions[0]["number"] != "〔2026〕第3号" {
			t.Fatalf("the board's regions %+v", board.Regions)
		}
		for _, leak := range []string{"省厅监管员", "created_by", "acknowledged_by"} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("the public board shows %s", leak)
			}
		}
		page := w.anon(t).fetch("/exposure").want(http.StatusOK)
		if !strings.Contains(string(page.body), "西湖区人民政府") || !strings.Contains(string(page.body), "约谈后仍未整改到位") {
			t.Errorf("the exposure page lacks the region")
		}

		// The printed document.
		doc := prov.fetch(regionPath(circ.ID, "document")).want(http.StatusOK)
		body := string(doc.body)
		for _, want := range []string{"〔2026〕第1号", "江西省应急管理厅", "东湖区人民政府、西湖区人民政府、濂溪区人民政府",
			"关于事故隐患治理进展缓慢地区（部门）的通报", "东湖区重大隐患", major.Code, "逾期隐患占比高", "2026年12月10日", "size: A4", "越级督办理由"} {
			if !strings.Contains(body, want) {
				t.Errorf("the printed circular lacks %s", want)
			}
		}
		if ct := doc.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("document content type %s", ct)
		}
		if r := xihu.fetch(regionPath(notice.ID, "document")); r.status != http.StatusNotFound {
			t.Errorf("西湖区 reads the city's notice to 东湖区: %d", r.status)
		}

		// One notification per document, for the targets' supervisors.
		outbox, err := w.store.ListOutbox(context.Background(), false, 500)
		if err != nil {
			t.Fatal(err)
		}
		notes := map[int64]int{}
		for _, m := range outbox {
			if m.Kind != "region_supervision" {
				continue
			}
			if m.RegionSupervisionID == nil || m.EventID != 0 || m.HazardID != 0 {
				t.Errorf("notification %+v", m)
				continue
			}
			notes[*m.RegionSupervisionID]++
			if *m.RegionSupervisionID == circ.ID {
				var p struct {
					Number  string `json:"number"`
					Targets []struct {
						RegionCode string `json:"region_code"`
					} `json:"targets"`
				}
				if err := json.Unmarshal([]byte(m.Payload), &p); err != nil || p.Number != circ.Number || len(p.Targets) != 3 {
					t.Errorf("the circular's notification %s (%v)", m.Payload, err)
				}
			}
		}
		if len(notes) != 6 || notes[circ.ID] != 1 {
			t.Errorf("notifications per document %v, want one for each of 6", notes)
		}

		// Append-only: the document, its citations and an answered target.
		for _, stmt := range []string{
			"UPDATE region_supervisions SET reason = 'changed'",
			"DELETE FROM region_supervisions",
			"DELETE FROM region_supervision_hazards",
			"UPDATE region_supervision_targets SET reply_text = 'changed' WHERE replied_at IS NOT NULL",
			"UPDATE region_supervision_targets SET addressee = 'changed'",
			"DELETE FROM region_supervision_targets",
		} {
			if err := w.store.Exec(context.Background(), stmt); err == nil {
				t.Errorf("%s was let through", stmt)
			}
		}
	})
}

func regionPath(id int64, what string) string {
	return "/api/v1/region-supervisions/" + strconv.FormatInt(id, 10) + "/" + what
}

// TestRegionSupervisionPages: the forms without a browser. The city's
// interview before any notice is refused on the ranking with the reason typed
// kept in the row's form; the notice goes out and is listed with its
// printable document; 东湖区's supervisor signs on the list of documents, and
// a second sign is refused there with its reason.
func TestRegionSupervisionPages(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu := w.as(t, "donghu")
		h := donghu.createHazard(obj{"title": "东湖区隐患", "region_code": "360102"})
		donghu.mustFire(h, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "某单位"})
		site := donghu.createHazard(obj{"title": "工地脚手架未验收", "region_code": "360102", "industry": "建筑施工"})
		donghu.mustFire(site, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "某建筑公司"})
		p := newPageClient(t, w)
		csrf := p.login("city")
		_, body := p.do(http.MethodGet, "/supervision/regions?as_of=2026-12-10", nil, nil)
		if !strings.Contains(body, `id="issue-360102"`) || !strings.Contains(body, `<option value="notice" selected>`) || strings.Contains(body, `id="issue-360100"`) {
			t.Fatalf("the ranking does not offer 东湖区 a notice (or offers the city its own)")
		}
		form := url.Values{"csrf": {csrf}, "row": {"360102"}, "region": {"360102"}, "step": {"interview"}, "reason": {"逾期隐患未整改，请说明"}, "as_of": {"2026-12-10"}}
		resp, body := p.do(http.MethodPost, "/supervision/regions", form, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "尚未函告") ||
			!strings.Contains(body, "逾期隐患未整改，请说明</textarea>") || !strings.Contains(body, `<option value="interview" selected>`) {
			t.Fatalf("the refusal: %d, want 422 with the message and what was typed", resp.StatusCode)
		}
		form.Set("step", "notice")
		resp, _ = p.do(http.MethodPost, "/supervision/regions", form, nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/region-supervisions?ok=issued#doc-") {
			t.Fatalf("the notice: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = p.do(http.MethodGet, "/region-supervisions", nil, nil)
		if !strings.Contains(body, "〔2026〕第1号") || !strings.Contains(body, `href="/region-supervisions/1/document"`) || !strings.Contains(body, "东湖区人民政府") {
			t.Errorf("the city's list of documents lacks the notice")
		}
		if resp, body := p.do(http.MethodGet, "/region-supervisions/1/document", nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "关于督促加快事故隐患排查治理工作的函") {
			t.Errorf("the printed notice: %d", resp.StatusCode)
		}

		addSupervisor(t, w, "cityHousing", "360100", model.DeptHousing)
		hp := newPageClient(t, w)
		hp.login("cityHousing")
		if _, body := hp.do(http.MethodGet, "/supervision/regions?as_of=2026-12-10", nil, nil); !strings.Contains(body, `<option value="housing" selected>`) {
			t.Errorf("the housing bureau's forms do not default to its department")
		}

		q := newPageClient(t, w)
		csrf = q.login("donghu")
		sign := url.Values{"csrf": {csrf}, "target_id": {"1"}}
		if resp, _ := q.do(http.MethodPost, "/region-supervisions/1/sign", sign, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign: %d", resp.StatusCode)
		}
		resp, body = q.do(http.MethodPost, "/region-supervisions/1/sign", sign, nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "该督办文书已签收") {
			t.Errorf("a second sign: %d", resp.StatusCode)
		}
	})
}
