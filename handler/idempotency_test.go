package handler_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// keyed returns a client like c that sends key as Idempotency-Key.
func (c *client) keyed(key string) *client {
	k := *c
	k.header = map[string]string{"Idempotency-Key": key}
	return &k
}

// TestIdempotencyKey: the same key and body answer the first answer again and
// make one hazard, one event and one evidence file; the same key with another
// body is 409; another user's equal key is another key; bad keys are 400;
// refused requests leave the key free.
func TestIdempotencyKey(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, officer := w.as(t, "donghu"), w.as(t, "officer")
		body := obj{"title": "配电室未设挡鼠板", "region_code": "360102"}

		first := donghu.keyed("k-1").post("/api/v1/hazards", body).want(http.StatusCreated)
		again := donghu.keyed("k-1").post("/api/v1/hazards", body).want(http.StatusCreated)
		if !bytes.Equal(first.body, again.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay %s, want %s", again.body, first.body)
		}
		var h hazard
		first.decode(&h)
		if n := len(donghu.list("").Items); n != 1 {
			t.Errorf("%d hazards after a retried send, want 1", n)
		}
		donghu.keyed("k-1").post("/api/v1/hazards", obj{"title": "另一条隐患", "region_code": "360102"}).
			wantError(http.StatusConflict, "idempotency_key_reused")
		// The same key of another user is another key.
		officer.keyed("k-1").post("/api/v1/hazards", body).want(http.StatusCreated)
		if n := len(donghu.list("").Items); n != 2 {
			t.Errorf("%d hazards, want 2", n)
		}

		for _, bad := range []string{strings.Repeat("x", 256), "ключ", "a\tb"} {
			donghu.keyed(bad).post("/api/v1/hazards", body).wantError(http.StatusBadRequest, "invalid_idempotency_key", "Idempotency-Key")
		}

		// A refused request frees its key: the corrected retry is answered afresh.
		donghu.keyed("k-2").post("/api/v1/hazards", obj{"title": ""}).want(http.StatusBadRequest)
		donghu.keyed("k-2").post("/api/v1/hazards", body).want(http.StatusCreated)

		// Events.
		ev := obj{"event": "confirm", "version": h.Version, "basis_standard": "《工贸企业重大事故隐患判定标准》",
			"basis_clause": "第四条", "responsible_unit": "某单位", "level": "general"}
		e1 := donghu.keyed("e-1").post(hazardPath(h.ID)+"/events", ev)
		if e1.status != http.StatusOK && e1.status != http.StatusCreated {
			t.Fatalf("confirm: %d %s", e1.status, e1.body)
		}
		e2 := donghu.keyed("e-1").post(hazardPath(h.ID)+"/events", ev)
		if e2.status != e1.status || !bytes.Equal(e1.body, e2.body) {
			t.Errorf("event replay %d %s, want %d %s", e2.status, e2.body, e1.status, e1.body)
		}
		if n := len(donghu.events(h.ID)); n != 2 {
			t.Errorf("%d events after a retried confirm, want 2", n)
		}

		// Evidence uploads: the raw multipart body is what is compared.
		photo := jpegFile(t, nil)
		body1, ct := multipartBody(t, map[string]string{"kind": "photo_before"}, filePart{"file", "现场.jpg", photo})
		raw, _ := io.ReadAll(body1)
		send := func(key string, raw []byte) *response {
			req := httptest.NewRequest(http.MethodPost, hazardPath(h.ID)+"/evidence", bytes.NewReader(raw))
			req.Header.Set("Content-Type", ct)
			return donghu.keyed(key).send(req)
		}
		u1 := send("u-1", raw).want(http.StatusCreated)
		u2 := send("u-1", raw).want(http.StatusCreated)
		if !bytes.Equal(u1.body, u2.body) {
			t.Errorf("upload replay %s, want %s", u2.body, u1.body)
		}
		var list struct {
			Items []evidence `json:"items"`
		}
		donghu.get(hazardPath(h.ID) + "/evidence").want(http.StatusOK).decode(&list)
		if len(list.Items) != 1 {
			t.Errorf("%d evidence files after a retried upload, want 1", len(list.Items))
		}
		other, _ := io.ReadAll(must(multipartBody(t, map[string]string{"kind": "photo_before"}, filePart{"file", "现场.png", pngFile(t)})))
		send("u-1", other).wantError(http.StatusConflict, "idempotency_key_reused")

		// After 24 hours the key is forgotten.
		w.clock.Set(w.clock.Now().Add(25 * time.Hour))
		w.forgetLogins()
		w.as(t, "donghu").keyed("k-1").post("/api/v1/hazards", body).want(http.StatusCreated)
	})
}

// TestIdempotencyTwoReplicas: two replicas on one database; the same send raced
// through both makes one hazard, and every answer is that hazard or 409 "in
// progress"; a retry on the other replica replays the first answer.
func TestIdempotencyTwoReplicas(t *testing.T) {
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			url := modeltest.URL(t, d)
			w := newWorldOn(t, modeltest.OpenAt(t, url))
			store2 := modeltest.OpenAt(t, url)
			eng2 := workflow.New(store2, workflow.Options{Now: w.clock.Now, ReportKey: []byte("0123456789abcdef0123456789abcdef")})
			srv2, err := handler.New(eng2, ledger.New(store2, eng2.Hazards, nil), handler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			w2 := &world{store: store2, clock: w.clock, srv: srv2, ents: w.ents, users: w.users, tokens: w.tokens}
			one, two := w.as(t, "donghu"), w2.as(t, "donghu")
			body := obj{"title": "仓库堆放大量液化气钢瓶", "region_code": "360102"}

			created := one.keyed("r-1").post("/api/v1/hazards", body).want(http.StatusCreated)
			replay := two.keyed("r-1").post("/api/v1/hazards", body).want(http.StatusCreated)
			if !bytes.Equal(created.body, replay.body) {
				t.Errorf("replica 2 answered %s, want %s", replay.body, created.body)
			}

			const n = 8
			var wg sync.WaitGroup
			answers := make([]*response, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := []*client{one, two}[i%2]
					answers[i] = c.keyed("r-2").post("/api/v1/hazards", body)
				}()
			}
			wg.Wait()
			var firstBody []byte
			for _, a := range answers {
				switch a.status {
				case http.StatusCreated:
					if firstBody == nil {
						firstBody = a.body
					} else if !bytes.Equal(firstBody, a.body) {
						t.Errorf("two different answers to one key: %s and %s", firstBody, a.body)
					}
				case http.StatusConflict:
					a.wantError(http.StatusConflict, "request_in_progress")
				default:
					t.Errorf("status %d: %s", a.status, a.body)
				}
			}
			if firstBody == nil {
				t.Fatal("no request created the hazard")
			}
			if got := len(one.list("").Items); got != 2 {
				t.Errorf("%d hazards after racing one key through two replicas, want 2", got)
			}
		})
	}
}

func must(r io.Reader, _ string) io.Reader { return r }
