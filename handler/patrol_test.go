package handler_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// checkedLandslide is landslideBody as a supervisor finds it on a check.
func checkedLandslide(title string) obj {
	b := landslideBody(title)
	b["source"] = "supervisory_check"
	return b
}

// TestPatrolAPI: an officer records a patrol with danger signs over the API
// (its position and the next patrol day in the view), a supervisor answers
// it; an enterprise may not patrol, an officer may not answer, a patrol of
// an accident hazard is refused, a malformed result is 400 naming it.
func TestPatrolAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, officer := w.as(t, "donghu"), w.as(t, "officer")
		h := donghu.createHazard(checkedLandslide("蔡家村后山滑坡体裂缝"))
		var view map[string]any
		officer.get(hazardPath(h.ID)).want(http.StatusOK).decode(&view)
		if view["next_patrol_due"] == nil || view["danger_open"] != false || view["patrol_overdue"] != false {
			t.Fatalf("a new landslide: %v %v %v", view["next_patrol_due"], view["danger_open"], view["patrol_overdue"])
		}
		officer.fire(h, "patrol", obj{"result": "bad"}).want(http.StatusBadRequest)
		w.as(t, "entA").fire(h, "patrol", obj{"result": "normal"}).want(http.StatusForbidden)
		acc := donghu.createHazard(obj{"title": "消防通道堆放杂物", "region_code": "360102"})
		officer.fire(acc, "patrol", obj{"result": "normal"}).want(http.StatusForbidden)

		officer.fire(h, "patrol", obj{"result": "danger", "note": "后缘裂缝加宽至 20 厘米", "latitude": 28.6844, "longitude": 115.8932}).
			want(http.StatusOK).decode(&view)
		if view["danger_open"] != true || view["danger_since"] == nil || view["last_patrol_at"] == nil {
			t.Fatalf("after a danger patrol: %v", view)
		}
		h = officer.hazard(h.ID)
		officer.fire(h, "respond", obj{"measures": "组织转移"}).want(http.StatusForbidden)
		donghu.fire(h, "respond", obj{}).want(http.StatusBadRequest)
		donghu.fire(h, "respond", obj{"measures": "组织转移 12 户 36 人"}).want(http.StatusOK).decode(&view)
		if view["danger_open"] != false {
			t.Errorf("danger open after respond")
		}
		var kinds []string
		for _, e := range officer.events(h.ID) {
			kinds = append(kinds, e.Event)
		}
		if got := strings.Join(kinds, ","); !strings.HasSuffix(got, "patrol,respond") {
			t.Errorf("events: %s", got)
		}
	})
}

// TestPatrolPage: the patrol form on the hazard page of a disaster hazard
// (id patrol-form, data-offline patrol), for officers and supervisors, not
// enterprises nor on accident hazards; a refused patrol keeps what was
// typed; a danger patrol with a photo shows the banner and the history; the
// supervisor's queue shows 险情叫应 until the response.
func TestPatrolPage(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := w.as(t, "donghu").createHazard(checkedLandslide("蔡家村后山滑坡体裂缝"))
		path := fmt.Sprintf("/hazards/%d", h.ID)
		p := newPageClient(t, w)
		csrf := p.login("officer")
		_, body := p.do(http.MethodGet, path, nil, nil)
		for _, want := range []string{`id="patrol-form"`, `data-offline="patrol"`, `action="/hazards/` + fmt.Sprint(h.ID) + `/patrol"`, `获取当前位置`, `下次巡查期限`, `尚无巡查记录`} {
			if !strings.Contains(body, want) {
				t.Errorf("officer's hazard page lacks %q", want)
			}
		}
		if strings.Contains(body, `id="ev-patrol"`) {
			t.Errorf("patrol offered twice, also among the generic forms")
		}
		form := map[string]string{"csrf": csrf, "version": fmt.Sprint(h.Version), "result": "danger", "latitude": "28.684400", "longitude": "115.893200"}
		resp, body := p.postMultipart(path+"/patrol", form, "file", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a danger patrol without a note: %d", resp.StatusCode)
		}
		for _, want := range []string{`请说明巡查发现的变化或险情`, `value="danger" selected`, `value="28.684400"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused patrol form lacks %q", want)
			}
		}
		form["note"] = "后缘裂缝加宽至 20 厘米，坡脚渗水浑浊"
		resp, _ = p.postMultipart(path+"/patrol", form, "file", jpegFile(t, nil))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the patrol: %d", resp.StatusCode)
		}
		_, body = p.do(http.MethodGet, path, nil, nil)
		for _, want := range []string{`id="danger"`, `险情叫应`, `<strong>发现险情</strong>`, `照片 1 张`, `巡查照片`, `险情待处置`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page after a danger patrol lacks %q", want)
			}
		}
		if strings.Contains(body, `id="respond-form"`) {
			t.Errorf("an officer is offered the response")
		}

		sup := newPageClient(t, w)
		scsrf := sup.login("donghu")
		_, body = sup.do(http.MethodGet, "/queue", nil, nil)
		if !strings.Contains(body, `id="dangers"`) || !strings.Contains(body, "蔡家村后山滑坡体裂缝") {
			t.Errorf("the supervisor's queue lacks the danger sign")
		}
		_, body = sup.do(http.MethodGet, path, nil, nil)
		if !strings.Contains(body, `id="respond-form"`) {
			t.Fatalf("the supervisor is not offered the response")
		}
		cur := w.as(t, "donghu").hazard(h.ID)
		resp, _ = sup.do(http.MethodPost, path+"/events", url.Values{"csrf": {scsrf}, "event": {"respond"}, "version": {fmt.Sprint(cur.Version)}, "measures": {""}}, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a response without measures: %d", resp.StatusCode)
		}
		resp, _ = sup.do(http.MethodPost, path+"/events", url.Values{"csrf": {scsrf}, "event": {"respond"}, "version": {fmt.Sprint(cur.Version)},
			"measures": {"组织转移 12 户 36 人至村委会安置点"}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the response: %d", resp.StatusCode)
		}
		_, body = sup.do(http.MethodGet, "/queue", nil, nil)
		if strings.Contains(body, `id="dangers"`) {
			t.Errorf("the danger sign stays on the queue after the response")
		}
		_, body = sup.do(http.MethodGet, path, nil, nil)
		if strings.Contains(body, `id="danger"`) || !strings.Contains(body, "组织转移 12 户 36 人至村委会安置点") {
			t.Errorf("after the response: banner still shown or the measures missing from the history")
		}

		ent := newPageClient(t, w)
		ent.login("entA")
		acc := w.as(t, "entA").createHazard(obj{"title": "配电箱未接地"})
		_, body = ent.do(http.MethodGet, fmt.Sprintf("/hazards/%d", acc.ID), nil, nil)
		if strings.Contains(body, `id="patrol-form"`) || strings.Contains(body, `id="patrols"`) {
			t.Errorf("an accident hazard shows patrols")
		}
	})
}
