package handler_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestOfferedActions: the hazard's JSON says which of the allowed events are
// the caller's main actions and which it may take only for the enterprise;
// the province is offered 提交整改 only on the enterprise's behalf, with a
// reason, and the log says so.
func TestOfferedActions(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := rectifying(t, w, "配电箱门锁损坏", "2026-12-31")
		for user, want := range map[string][2][]string{
			"entA":   {{"submit"}, {}},
			"donghu": {{}, {"submit"}},
			"prov":   {{}, {"submit"}},
		} {
			got := w.as(t, user).hazard(h.ID)
			if !slices.Equal(got.PrimaryEvents, want[0]) || !slices.Equal(got.OnBehalfEvents, want[1]) {
				t.Errorf("%s: primary %v, on behalf %v; want %v, %v", user, got.PrimaryEvents, got.OnBehalfEvents, want[0], want[1])
			}
			if !slices.Contains(got.AllowedEvents, "submit") {
				t.Errorf("%s: allowed_events %v lost submit", user, got.AllowedEvents)
			}
		}
		prov := w.as(t, "prov")
		h = prov.proof(h)
		e := prov.fire(h, "submit", nil).wantError(http.StatusBadRequest, "invalid_fields", "comment")
		if !strings.Contains(e.Fields["comment"], "代为提交整改") {
			t.Errorf("refusal %q", e.Fields["comment"])
		}
		h = prov.mustFire(h, "submit", obj{"comment": "企业停电无法联网，按其书面报告代为提交"})
		evs := prov.events(h.ID)
		if last := evs[len(evs)-1]; last.Event != "submit" || last.Payload["on_behalf"] != true || last.Role != "supervisor" {
			t.Errorf("logged %s %v by %s", last.Event, last.Payload, last.Role)
		}
	})
}

// TestSigningIsTheAddressees: a county's letter to an enterprise is signed
// for by the enterprise; staff are refused unless they record a paper
// receipt, marked paper with a note, as the log then shows.
func TestSigningIsTheAddressees(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := rectifying(t, w, "配电室门未上锁", "2026-12-31")
		h = w.as(t, "donghu").mustFire(h, "escalate", obj{"reason": "整改进度滞后"})
		esc := w.as(t, "entA").escalations(h.ID)[0]
		ack := escalationPath(esc.ID) + "/acknowledge"
		for _, user := range []string{"prov", "donghu", "officer"} {
			e := w.as(t, user).post(ack, nil).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, user, e.Message, "由其签收")
		}
		w.as(t, "donghu").post(ack, obj{"paper": true}).wantError(http.StatusBadRequest, "invalid_fields", "note")
		w.as(t, "entA").post(ack, obj{"paper": true, "note": "x"}).wantError(http.StatusBadRequest, "invalid_fields", "paper")
		var got escalation
		w.as(t, "prov").post(ack, obj{"paper": true, "note": "12月3日收到盖章回执原件"}).want(http.StatusOK).decode(&got)
		if got.AcknowledgedAt == nil || *got.AcknowledgedBy != w.users["prov"].ID {
			t.Errorf("paper receipt %+v", got)
		}
		evs := w.as(t, "admin").events(h.ID)
		if last := evs[len(evs)-1]; last.Event != "acknowledge" || last.Payload["paper"] != true || last.Payload["paper_note"] != "12月3日收到盖章回执原件" {
			t.Errorf("logged %s %v", last.Event, last.Payload)
		}
		reply := escalationPath(esc.ID) + "/reply"
		w.as(t, "donghu").post(reply, obj{"text": "已整改"}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").post(reply, obj{"text": "已更换门锁"}).want(http.StatusOK)
	})
}

// TestHazardPageOffers: the province's hazard page offers 代为提交整改,
// folded and asking for a reason, and no submit of its own; the enterprise's
// offers 提交整改 open. Signing: the enterprise signs, staff record paper.
// 校验记录链 reads the chain check in words.
func TestHazardPageOffers(t *testing.T) {
	w := newWorld(t, "sqlite")
	h := rectifying(t, w, "配电箱门锁损坏", "2026-12-31")
	h = w.as(t, "donghu").mustFire(h, "escalate", obj{"reason": "整改进度滞后"})
	page := "/hazards/" + strconv.FormatInt(h.ID, 10)
	esc := "/escalations/" + strconv.FormatInt(w.as(t, "entA").escalations(h.ID)[0].ID, 10)

	prov := newPageClient(t, w)
	csrf := prov.login("prov")
	_, body := prov.do(http.MethodGet, page, nil, nil)
	for _, want := range []string{`<details class="event onbehalf" id="ev-submit">`, "代为提交整改", "代为办理的理由（必填）", "代录纸质回执（主送：", `name="paper" value="true"`} {
		if !strings.Contains(body, want) {
			t.Errorf("province's page lacks %s", want)
		}
	}
	if strings.Contains(body, `<button type="submit">签收</button>`) {
		t.Error("the province is offered to sign a letter addressed to the enterprise")
	}
	resp, body := prov.do(http.MethodPost, page+"/events", url.Values{"csrf": {csrf}, "event": {"submit"}, "version": {strconv.Itoa(h.Version)}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "“代为提交整改”须填写理由") {
		t.Errorf("on behalf without a reason: %d", resp.StatusCode)
	}
	resp, _ = prov.do(http.MethodPost, esc+"/acknowledge", url.Values{"csrf": {csrf}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("staff signing as the addressee: %d", resp.StatusCode)
	}
	resp, _ = prov.do(http.MethodPost, esc+"/acknowledge", url.Values{"csrf": {csrf}, "paper": {"true"}, "note": {"收到盖章回执"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("paper receipt: %d", resp.StatusCode)
	}
	_, body = prov.do(http.MethodGet, page+"?verify=1", nil, nil)
	if !strings.Contains(body, "校验通过") || !strings.Contains(body, "纸质回执说明：收到盖章回执") {
		t.Error("the page lacks the chain check's verdict or the paper receipt on the timeline")
	}

	ent := newPageClient(t, w)
	ent.login("entA")
	_, body = ent.do(http.MethodGet, page, nil, nil)
	for _, want := range []string{`<details class="event primary" open id="ev-submit">`, "回复", "校验记录链"} {
		if !strings.Contains(body, want) {
			t.Errorf("enterprise's page lacks %s", want)
		}
	}
	if strings.Contains(body, "onbehalf") || strings.Contains(body, `name="paper"`) {
		t.Error("the enterprise is offered to act on its own behalf, or to record its own paper receipt")
	}
}
