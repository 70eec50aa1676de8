package handler_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// inbox is GET /api/v1/notices as answered.
type inbox struct {
	Items []struct {
		ID       int64   `json:"id"`
		Kind     string  `json:"kind"`
		Label    string  `json:"label"`
		Link     string  `json:"link"`
		HazardID *int64  `json:"hazard_id"`
		Ref      string  `json:"ref"`
		Title    string  `json:"title"`
		ReadAt   *string `json:"read_at"`
	} `json:"items"`
	Next   int64 `json:"next_cursor"`
	Unread int64 `json:"unread"`
}

func (c *client) inbox(query string) inbox {
	c.t.Helper()
	var b inbox
	c.get("/api/v1/notices" + query).want(http.StatusOK).decode(&b)
	return b
}

// kinds are the kinds of b's notices about hazard id, newest first.
func (b inbox) kinds(id int64) []string {
	var out []string
	for _, n := range b.Items {
		if n.HazardID != nil && *n.HazardID == id {
			out = append(out, n.Kind)
		}
	}
	return out
}

// TestNoticesReachWhomTheyAddress: a notice reaches exactly the users it is
// addressed to — by territory, department and enterprise — and no one else;
// read state is each user's own and holds across two replicas (two stores on
// one database, each with its own services and server); mark all; the
// header's count; another user's notice is not found.
func TestNoticesReachWhomTheyAddress(t *testing.T) {
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := modeltest.URL(t, d)
			w := newWorldOn(t, modeltest.OpenAt(t, u))
			store2 := modeltest.OpenAt(t, u)
			eng2 := workflow.New(store2, workflow.Options{Now: w.clock.Now, ReportKey: []byte("0123456789abcdef0123456789abcdef")})
			srv2, err := handler.New(eng2, ledger.New(store2, eng2.Hazards, nil), handler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			w2 := &world{store: store2, clock: w.clock, srv: srv2, ents: w.ents, users: w.users, tokens: w.tokens}
			// A water-department supervisor in 东湖区: an unlisted hazard is
			// not its department's, so nothing of it reaches them.
			water := &model.User{Username: "donghu-water", PasswordHash: fixtureHash(), DisplayName: "东湖区水利局监管员",
				Role: model.RoleSupervisor, RegionCode: ptr("360102"), Department: model.DeptWater, Active: true, CreatedAt: start.UTC()}
			if err := w.store.CreateUser(context.Background(), water); err != nil {
				t.Fatal(err)
			}

			entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
			h := entA.createHazard(obj{"title": "配电柜前未铺绝缘垫", "discovered_at": "2026-11-20"})

			// hazard_reported: the overseers who see 东湖区's hazards.
			for user, want := range map[string]bool{"donghu": true, "donghu2": true, "officer": true, "officer2": true,
				"city": true, "prov": true, "xihu": false, "entA": false, "entB": false, "donghu-water": false} {
				got := w.as(t, user).inbox("").kinds(h.ID)
				if has := len(got) == 1 && got[0] == "hazard_reported"; has != want || (!want && len(got) > 0) {
					t.Errorf("%s: notices %v after the enterprise reported; want hazard_reported: %v", user, got, want)
				}
			}
			// plan_due: the enterprise alone (not 西湖's enterprise, not the
			// supervisor who confirmed).
			h = donghu.mustFire(h, "confirm", obj{"deadline": "2026-12-20"})
			if got := entA.inbox("").kinds(h.ID); len(got) != 1 || got[0] != "plan_due" {
				t.Errorf("entA: notices %v after confirm, want [plan_due]", got)
			}
			for _, user := range []string{"entB", "donghu", "officer", "xihu"} {
				for _, k := range w.as(t, user).inbox("").kinds(h.ID) {
					if k == "plan_due" {
						t.Errorf("%s got plan_due, addressed to the enterprise alone", user)
					}
				}
			}
			n := entA.inbox("?unread=true")
			if n.Unread != 1 || len(n.Items) != 1 || n.Items[0].Link != "/hazards/"+strconv.FormatInt(h.ID, 10) ||
				n.Items[0].Ref != h.Code || n.Items[0].Label == "" {
				t.Errorf("entA's unread: %+v, want the one plan_due linking to the hazard, with its code and label", n)
			}

			// Read state per user, across replicas: officer reads on replica
			// one; replica two sees it read, and officer2's still unread.
			officer, officer2 := w.as(t, "officer"), w.as(t, "officer2")
			one := officer.inbox("")
			id := strconv.FormatInt(one.Items[0].ID, 10)
			officer.post("/api/v1/notices/"+id+"/read", nil).want(http.StatusOK)
			if b := w2.as(t, "officer").inbox(""); b.Unread != 0 || b.Items[0].ReadAt == nil {
				t.Errorf("officer on replica two: unread %d, read_at %v; want it read", b.Unread, b.Items[0].ReadAt)
			}
			if b := w2.as(t, "officer2").inbox("?unread=true"); b.Unread != 1 || len(b.Items) != 1 {
				t.Errorf("officer2 on replica two: unread %d (%d items), want 1: A's reading is not B's", b.Unread, len(b.Items))
			}
			// Another user's notice: not found, and left unread.
			officer2.post("/api/v1/notices/"+id+"/read", nil).wantError(http.StatusNotFound, "not_found")
			w.as(t, "xihu").post("/api/v1/notices/"+id+"/read", nil).wantError(http.StatusNotFound, "not_found")

			// Keyset paging, newest first: donghu2 has the report; a second
			// hazard makes two.
			h2 := entA.createHazard(obj{"title": "叉车司机无证驾驶", "discovered_at": "2026-11-21"})
			donghu2 := w2.as(t, "donghu2")
			p1 := donghu2.inbox("?limit=1")
			if len(p1.Items) != 1 || *p1.Items[0].HazardID != h2.ID || p1.Next == 0 || p1.Unread != 2 {
				t.Fatalf("donghu2, limit 1: %+v; want the newer hazard's notice, a next cursor, 2 unread", p1)
			}
			p2 := donghu2.inbox("?limit=1&cursor=" + strconv.FormatInt(p1.Next, 10))
			if len(p2.Items) != 1 || *p2.Items[0].HazardID != h.ID || p2.Next != 0 {
				t.Errorf("donghu2, page two: %+v; want the older hazard's notice and no next page", p2)
			}
			donghu2.get("/api/v1/notices?limit=0").wantError(http.StatusBadRequest, "invalid_fields", "limit")
			donghu2.get("/api/v1/notices?cursor=x").wantError(http.StatusBadRequest, "invalid_fields", "cursor")

			// The header's count on every page; mark all on the page, on
			// replica two's database through replica one.
			p := newPageClient(t, w)
			csrf := p.login("donghu2")
			_, body := p.do(http.MethodGet, "/hazards", nil, nil)
			if !strings.Contains(body, `href="/notices" aria-label="通知，2条未读"`) || !strings.Contains(body, `<b class="badge">2</b>`) {
				t.Errorf("header of /hazards: no unread count 2:\n%s", headerOf(body))
			}
			_, body = p.do(http.MethodGet, "/notices", nil, nil)
			if strings.Count(body, `class="notice unread"`) != 2 || !strings.Contains(body, "新报告隐患，请核查") {
				t.Errorf("/notices: want two unread cards saying 新报告隐患，请核查:\n%s", body)
			}
			resp, _ := p.do(http.MethodPost, "/notices/read-all", url.Values{"csrf": {csrf}}, nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST /notices/read-all: %d", resp.StatusCode)
			}
			if b := donghu2.inbox(""); b.Unread != 0 || len(b.Items) != 2 {
				t.Errorf("donghu2 after read-all, on replica two: unread %d of %d; want 0 of 2", b.Unread, len(b.Items))
			}
			_, body = p.do(http.MethodGet, "/queue", nil, nil)
			if strings.Contains(body, `class="badge"`) {
				t.Errorf("header after read-all still shows a count:\n%s", headerOf(body))
			}
			// Opening a notice marks it read and goes to its hazard.
			newest := donghu.inbox("?unread=true")
			if newest.Unread != 2 {
				t.Fatalf("donghu: %d unread, want 2 (reading is per user)", newest.Unread)
			}
			pd := newPageClient(t, w)
			csrf = pd.login("donghu")
			resp, _ = pd.do(http.MethodPost, "/notices/"+strconv.FormatInt(newest.Items[0].ID, 10)+"/open", url.Values{"csrf": {csrf}}, nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != newest.Items[0].Link {
				t.Errorf("open: %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), newest.Items[0].Link)
			}
			var marked struct {
				Marked int64 `json:"marked"`
			}
			donghu.post("/api/v1/notices/read-all", nil).want(http.StatusOK).decode(&marked)
			if marked.Marked != 1 {
				t.Errorf("donghu read-all marked %d, want 1 (one was opened)", marked.Marked)
			}
			// Admins have the outbox, not an inbox; nobody's notices reach them.
			if b := w.as(t, "admin").inbox(""); len(b.Items) != 0 {
				t.Errorf("admin: %d notices, want none", len(b.Items))
			}
		})
	}
}

// headerOf is the page's header, for a failure message.
func headerOf(body string) string {
	if i, j := strings.Index(body, "<header"), strings.Index(body, "</header>"); i >= 0 && j > i {
		return body[i:j]
	}
	return body
}
