package handler_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/mod/sumdb/note"

	"hazardloop/blob"
	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// The proofs of the API are checked here by a verifier written from RFC 9162
// §2.1.3.2 and §2.1.4.2 (RFC 6962's trees: leaf hash SHA-256(0x00 || leaf),
// node hash SHA-256(0x01 || left || right)), not by the code that made them.

func rfcLeafHash(leaf []byte) []byte {
	h := sha256.Sum256(append([]byte{0}, leaf...))
	return h[:]
}

func rfcNodeHash(l, r []byte) []byte {
	b := append(append([]byte{1}, l...), r...)
	h := sha256.Sum256(b)
	return h[:]
}

// rfcInclusion checks that leafHash is leaf index of a tree of size with root.
func rfcInclusion(index, size int64, leafHash []byte, path [][]byte, root []byte) bool {
	if index >= size {
		return false
	}
	fn, sn := index, size-1
	r := leafHash
	for _, p := range path {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = rfcNodeHash(p, r)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = rfcNodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(r, root)
}

// rfcConsistency checks that the tree of size first with root firstHash is a
// prefix of the tree of size second with root secondHash.
func rfcConsistency(first, second int64, firstHash, secondHash []byte, path [][]byte) bool {
	if first == second {
		return len(path) == 0 && bytes.Equal(firstHash, secondHash)
	}
	if first == 0 || first > second || len(path) == 0 && first&(first-1) != 0 {
		return false
	}
	if first&(first-1) == 0 { // a power of two: the old root is the first node
		path = append([][]byte{firstHash}, path...)
	}
	fn, sn := first-1, second-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := path[0], path[0]
	for _, c := range path[1:] {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			fr = rfcNodeHash(c, fr)
			sr = rfcNodeHash(c, sr)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			sr = rfcNodeHash(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	return bytes.Equal(fr, firstHash) && bytes.Equal(sr, secondHash) && sn == 0
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("not a base64 hash: %q", s)
	}
	return b
}

func b64s(t *testing.T, ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = b64(t, s)
	}
	return out
}

// TestRFCVerifierSelfCheck: the test's verifier accepts what it should and
// refuses a flipped proof, on trees it builds itself from the RFC's MTH.
func TestRFCVerifierSelfCheck(t *testing.T) {
	leaves := make([][]byte, 13)
	for i := range leaves {
		leaves[i] = rfcLeafHash([]byte{byte(i)})
	}
	var mth func(l [][]byte) []byte
	mth = func(l [][]byte) []byte {
		if len(l) == 1 {
			return l[0]
		}
		k := 1
		for k*2 < len(l) {
			k *= 2
		}
		return rfcNodeHash(mth(l[:k]), mth(l[k:]))
	}
	var audit func(m int, l [][]byte) [][]byte
	audit = func(m int, l [][]byte) [][]byte {
		if len(l) == 1 {
			return nil
		}
		k := 1
		for k*2 < len(l) {
			k *= 2
		}
		if m < k {
			return append(audit(m, l[:k]), mth(l[k:]))
		}
		return append(audit(m-k, l[k:]), mth(l[:k]))
	}
	root := mth(leaves)
	for m := range leaves {
		p := audit(m, leaves)
		if !rfcInclusion(int64(m), 13, leaves[m], p, root) {
			t.Errorf("leaf %d refused", m)
		}
		if len(p) > 0 {
			p[0] = rfcLeafHash([]byte("x"))
			if rfcInclusion(int64(m), 13, leaves[m], p, root) {
				t.Errorf("leaf %d accepted with a forged path", m)
			}
		}
	}
}

// trustWorld is a world whose services sign checkpoints with a key of the test.
func trustWorld(t *testing.T, d string) (*world, *workflow.Services, string) {
	t.Helper()
	w := newWorld(t, d)
	skey, vkey, err := note.GenerateKey(rand.Reader, "hazardloop/test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	eng := workflow.New(w.store, workflow.Options{Now: w.clock.Now, Blobs: blobs,
		ReportKey: []byte("0123456789abcdef0123456789abcdef"), Signer: signer, VerifierKey: vkey})
	if err := eng.Checkpoints.EnsureKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.srv, err = handler.New(eng, ledger.New(w.store, eng.Hazards, nil), handler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w, eng, vkey
}

// rawGet is a GET whose answer need not be JSON (a checkpoint, the key).
func rawGet(t *testing.T, w *world, token, path string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

type checkpointEntry struct {
	N          int64  `json:"n"`
	Size       int64  `json:"size"`
	Root       string `json:"root"`
	SignedNote string `json:"signed_note"`
}

// TestCheckpointProofs: checkpoints served as signed notes that the published
// key opens, listed; every event's inclusion proof and the consistency proof
// between two checkpoints checked by the RFC verifier above; who may ask.
func TestCheckpointProofs(t *testing.T) {
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			w, eng, vkey := trustWorld(t, d)
			ctx := context.Background()
			donghu := w.as(t, "donghu")
			entA := w.ents["A"]
			var hs []hazard
			for i := range 3 {
				hs = append(hs, donghu.createHazard(obj{"title": fmt.Sprintf("配电室隐患%d", i), "region_code": "360102", "enterprise_id": entA.ID}))
			}
			hs[0] = donghu.mustFire(hs[0], "confirm", obj{"responsible_unit": "东湖区城管局", "deadline": "2026-12-28"})
			if _, made, err := eng.Checkpoints.Make(ctx); err != nil || !made {
				t.Fatalf("checkpoint 1: %v %v", made, err)
			}
			// Events after checkpoint 1, some on hazards it already holds.
			hs[1] = donghu.mustFire(hs[1], "confirm", obj{"responsible_unit": "东湖区城管局", "deadline": "2026-12-28"})
			hs = append(hs, donghu.createHazard(obj{"title": "仓库消防通道堵塞", "region_code": "360102", "enterprise_id": entA.ID}))
			late := hs[3]
			// An event not yet in any checkpoint: no proof yet.
			donghu.get(hazardPath(late.ID)+"/events/1/proof").wantError(http.StatusBadRequest, "not_in_checkpoint")
			if _, made, err := eng.Checkpoints.Make(ctx); err != nil || !made {
				t.Fatalf("checkpoint 2: %v %v", made, err)
			}
			if _, made, err := eng.Checkpoints.Make(ctx); err != nil || made {
				t.Fatalf("a checkpoint without new events: made %v, %v", made, err)
			}

			var list struct {
				Origin      string            `json:"origin"`
				Checkpoints []checkpointEntry `json:"checkpoints"`
			}
			donghu.get("/api/v1/checkpoints").want(http.StatusOK).decode(&list)
			if list.Origin != "hazardloop/test" || len(list.Checkpoints) != 2 || list.Checkpoints[0].N != 2 {
				t.Fatalf("checkpoints: %+v", list)
			}
			cp1, cp2 := list.Checkpoints[1], list.Checkpoints[0]

			// The key, and each checkpoint as the signed note it opens.
			status, key := rawGet(t, w, w.tokens["donghu"], "/api/v1/checkpoints/key")
			if status != http.StatusOK || strings.TrimSpace(key) != vkey {
				t.Fatalf("key: %d %q", status, key)
			}
			v, err := note.NewVerifier(strings.TrimSpace(key))
			if err != nil {
				t.Fatal(err)
			}
			for _, cp := range []checkpointEntry{cp1, cp2} {
				status, text := rawGet(t, w, w.tokens["donghu"], "/api/v1/checkpoints/"+strconv.FormatInt(cp.N, 10))
				if status != http.StatusOK || text != cp.SignedNote {
					t.Fatalf("checkpoint %d: %d %q", cp.N, status, text)
				}
				n, err := note.Open([]byte(text), note.VerifierList(v))
				if err != nil {
					t.Fatalf("checkpoint %d does not open with the published key: %v", cp.N, err)
				}
				if want := fmt.Sprintf("hazardloop/test\n%d\n%s\n", cp.Size, cp.Root); n.Text != want {
					t.Errorf("checkpoint %d says %q, want %q", cp.N, n.Text, want)
				}
			}
			if cp1.Size != 4 || cp2.Size != 6 {
				t.Errorf("sizes %d, %d; want 4 events then 6", cp1.Size, cp2.Size)
			}

			// Consistency: checkpoint 1 is a prefix of checkpoint 2.
			var cons struct {
				FromSize int64    `json:"from_size"`
				FromRoot string   `json:"from_root"`
				Size     int64    `json:"size"`
				Root     string   `json:"root"`
				Proof    []string `json:"proof"`
			}
			donghu.get("/api/v1/checkpoints/2/consistency?from=1").want(http.StatusOK).decode(&cons)
			if cons.FromSize != cp1.Size || cons.Size != cp2.Size || cons.FromRoot != cp1.Root || cons.Root != cp2.Root {
				t.Fatalf("consistency answer: %+v", cons)
			}
			if !rfcConsistency(cp1.Size, cp2.Size, b64(t, cp1.Root), b64(t, cp2.Root), b64s(t, cons.Proof)) {
				t.Errorf("consistency proof 1→2 refused by the RFC verifier: %+v", cons)
			}
			if len(cons.Proof) > 0 {
				bad := b64s(t, cons.Proof)
				bad[len(bad)-1][0] ^= 1
				if rfcConsistency(cp1.Size, cp2.Size, b64(t, cp1.Root), b64(t, cp2.Root), bad) {
					t.Error("the RFC verifier accepts a flipped consistency proof")
				}
			}
			donghu.get("/api/v1/checkpoints/1/consistency?from=2").wantError(http.StatusBadRequest, "invalid_fields", "from")
			donghu.get("/api/v1/checkpoints/2/consistency").wantError(http.StatusBadRequest, "invalid_from", "from")
			donghu.get("/api/v1/checkpoints/9/consistency?from=1").wantError(http.StatusNotFound, "not_found")

			// Inclusion of every event of every hazard in checkpoint 2, and of
			// the first ones in checkpoint 1.
			seen := map[int64]bool{}
			for _, h := range hs {
				for _, e := range donghu.events(h.ID) {
					for _, cp := range []checkpointEntry{cp2, cp1} {
						var p struct {
							EventHash string   `json:"event_hash"`
							Index     int64    `json:"index"`
							N         int64    `json:"checkpoint"`
							Size      int64    `json:"size"`
							Root      string   `json:"root"`
							Proof     []string `json:"proof"`
						}
						path := fmt.Sprintf("%s/events/%d/proof?checkpoint=%d", hazardPath(h.ID), e.Seq, cp.N)
						r := donghu.get(path)
						if cp.N == 1 && r.status == http.StatusBadRequest {
							continue // logged after checkpoint 1
						}
						r.want(http.StatusOK).decode(&p)
						if p.EventHash != e.Hash || p.Size != cp.Size || p.Root != cp.Root || p.N != cp.N {
							t.Fatalf("%s: %+v", path, p)
						}
						leaf, _ := hex.DecodeString(e.Hash)
						if !rfcInclusion(p.Index, p.Size, rfcLeafHash(leaf), b64s(t, p.Proof), b64(t, cp.Root)) {
							t.Errorf("%s: inclusion refused by the RFC verifier: %+v", path, p)
						}
						if rfcInclusion(p.Index, p.Size, rfcLeafHash([]byte("forged")), b64s(t, p.Proof), b64(t, cp.Root)) {
							t.Errorf("%s: the RFC verifier includes a forged leaf", path)
						}
						if cp.N == 2 {
							seen[p.Index] = true
						}
					}
				}
			}
			if len(seen) != int(cp2.Size) {
				t.Errorf("events cover %d leaves of %d", len(seen), cp2.Size)
			}

			// Who may ask: an enterprise never sees hashes or positions; another
			// territory is refused; anonymous callers sign in first.
			w.as(t, "entA").get(hazardPath(hs[0].ID)+"/events/1/proof").wantError(http.StatusForbidden, "forbidden")
			w.as(t, "xihu").get(hazardPath(hs[0].ID) + "/events/1/proof").want(http.StatusForbidden)
			donghu.get(hazardPath(hs[0].ID) + "/events/99/proof").want(http.StatusNotFound)
			w.anon(t).get("/api/v1/checkpoints").want(http.StatusUnauthorized)
		})
	}
}

// TestCheckpointPrinted: once a checkpoint exists, the ledger export's title,
// a region-supervision document, a hazard's record and the public exposure
// board print it, so
// that a copy kept outside holds the log's size and root; before, none does.
func TestCheckpointPrinted(t *testing.T) {
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			w, eng, _ := trustWorld(t, d)
			ctx := context.Background()
			donghu := w.as(t, "donghu")
			donghu.createHazard(obj{"title": "配电室门口堆放杂物", "region_code": "360102"})
			printed := func(when string, want bool) {
				t.Helper()
				f, err := excelize.OpenReader(bytes.NewReader(w.as(t, "city").download(ledgerPath + ".xlsx")))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				title, err := f.GetCellValue(f.GetSheetName(0), "A1")
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Contains(title, "日志检查点第1号：1条记录，根哈希 "); got != want {
					t.Errorf("%s: ledger title %q", when, title)
				}
				status, page := rawGet(t, w, "", "/exposure")
				if got := strings.Contains(page, "日志检查点第1号"); status != http.StatusOK || got != want {
					t.Errorf("%s: exposure board %d, checkpoint printed %v", when, status, got)
				}
			}
			printed("before any checkpoint", false)
			if _, _, err := eng.Checkpoints.Make(ctx); err != nil {
				t.Fatal(err)
			}
			donghu.createHazard(obj{"title": "检查点之后的隐患", "region_code": "360102"})
			printed("after checkpoint 1", true)
			doc := issue(w.as(t, "city"), obj{"targets": gov("360102"), "step": "notice", "reason": "隐患整改进展缓慢"})
			status, body := rawGet(t, w, w.tokens["city"], "/api/v1/region-supervisions/"+strconv.FormatInt(doc.ID, 10)+"/document")
			if status != http.StatusOK || !strings.Contains(body, "日志检查点第1号：1条记录") {
				t.Errorf("region document %d does not print the checkpoint:\n%s", status, body)
			}
			// A hazard's record, for staff and for the enterprise alike.
			addSupervisor(t, w, "shuili", "360102", model.DeptWater)
			h := donghu.createHazard(obj{"title": "河道旁堆场挡墙开裂", "region_code": "360102"})
			h = donghu.mustFire(h, "confirm", obj{"responsible_unit": "东湖堆场"})
			donghu.mustFire(h, "transfer", obj{"to_department": "water", "reason": "挡墙属堤防工程，应由水利部门监管"})
			status, body = rawGet(t, w, w.tokens["donghu"], hazardPath(h.ID)+"/records/transfer")
			if status != http.StatusOK || !strings.Contains(body, "日志检查点第1号：1条记录") {
				t.Errorf("transfer slip %d does not print the checkpoint:\n%s", status, body)
			}
		})
	}
}
