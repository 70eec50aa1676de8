package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
	"hazardloop/workflow"
)

const reportsPath = "/api/v1/public/reports"

var trackingPattern = regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$`)

// addrSeq hands out client addresses, so that tests which file many reports do
// not run into the intake limit unless they mean to.
var addrSeq atomic.Int64

func freshAddr() string {
	n := addrSeq.Add(1)
	return fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
}

// reportFrom posts a public report from client address addr: body is sent as
// JSON, or as a multipart form when photos are given (body's values as fields).
func (c *client) reportFrom(addr string, body obj, photos ...filePart) *response {
	c.t.Helper()
	var req *http.Request
	if len(photos) == 0 {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		req = httptest.NewRequest(http.MethodPost, reportsPath, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	} else {
		fields := map[string]string{}
		for k, v := range body {
			fields[k] = fmt.Sprint(v)
		}
		rd, ct := multipartBody(c.t, fields, photos...)
		req = httptest.NewRequest(http.MethodPost, reportsPath, rd)
		req.Header.Set("Content-Type", ct)
	}
	if addr != "" {
		req.RemoteAddr = addr
	}
	r := c.send(req)
	if !json.Valid(r.body) {
		c.t.Errorf("POST %s: body is not JSON: %.200q", reportsPath, r.body)
	}
	return r
}

// staffReport is a report as staff lists show it.
type staffReport struct {
	ID                   int64      `json:"id"`
	HazardID             int64      `json:"hazard_id"`
	HazardCode           string     `json:"hazard_code"`
	HazardTitle          string     `json:"hazard_title"`
	HazardState          string     `json:"hazard_state"`
	RegionCode           string     `json:"region_code"`
	Address              string     `json:"address"`
	Latitude             *float64   `json:"latitude"`
	RealName             bool       `json:"real_name"`
	WantsReward          bool       `json:"wants_reward"`
	ReceivedAt           time.Time  `json:"received_at"`
	CheckDue             string     `json:"check_due"`
	CheckExtensionReason string     `json:"check_extension_reason"`
	CheckedAt            *time.Time `json:"checked_at"`
	Answer               string     `json:"answer"`
	AnsweredAt           *time.Time `json:"answered_at"`
	AnsweredBy           *int64     `json:"answered_by"`
	RewardStatus         string     `json:"reward_status"`
	Fine                 *float64   `json:"fine"`
	RewardAmount         *float64   `json:"reward_amount"`
	RewardNote           string     `json:"reward_note"`
	RewardProposedBy     *int64     `json:"reward_proposed_by"`
	RewardDecidedBy      *int64     `json:"reward_decided_by"`
	RewardPaidAt         *time.Time `json:"reward_paid_at"`
	CheckOverdue         bool       `json:"check_overdue"`
	AnswerDue            *string    `json:"answer_due"`
	AnswerLate           bool       `json:"answer_late"`
}

func reportPath(id int64) string { return "/api/v1/reports/" + strconv.FormatInt(id, 10) }

func (c *client) reports(query string) []staffReport {
	c.t.Helper()
	var out struct {
		Items []staffReport `json:"items"`
	}
	c.get("/api/v1/reports?" + query).want(http.StatusOK).decode(&out)
	return out.Items
}

// reportStatus is what the reporter reads with the tracking code.
type reportStatus struct {
	Status     string `json:"status"`
	StatusText string `json:"status_text"`
	Merged     bool   `json:"merged"`
	Reason     string `json:"reason"`
	ReceivedOn string `json:"received_on"`
	UpdatedOn  string `json:"updated_on"`
	Answer     string `json:"answer"`
	Reward     *struct {
		Status string   `json:"status"`
		Text   string   `json:"text"`
		Amount *float64 `json:"amount"`
	} `json:"reward"`
}

func (c *client) status(code string) reportStatus {
	c.t.Helper()
	var st reportStatus
	c.get(reportsPath + "/" + code).want(http.StatusOK).decode(&st)
	return st
}

// aReport is a valid public report in 东湖区; extra replaces or adds fields.
func aReport(extra obj) obj {
	body := obj{
		"description": "小区地下室堆放大量液化气钢瓶，无人看管",
		"region_code": "360102",
		"address":     "东湖区豫章路88号",
	}
	for k, v := range extra {
		body[k] = v
	}
	if _, given := extra["title"]; !given {
		// The reporter's one-line summary: the description's start will do.
		if d, ok := body["description"].(string); ok {
			body["title"] = string([]rune(strings.TrimSpace(d))[:min(20, len([]rune(strings.TrimSpace(d))))])
		}
	}
	for k, v := range body {
		if v == nil {
			delete(body, k)
		}
	}
	return body
}

// filed is a report as the test knows it: the code the reporter was given, and
// the report and hazard staff see.
type filed struct {
	code   string
	report staffReport
	hazard hazard
}

// file submits a report (from a fresh address) that must be taken, and finds it
// as the province's supervisor sees it.
func (w *world) file(t *testing.T, body obj, photos ...filePart) filed {
	t.Helper()
	var rc struct {
		TrackingCode string `json:"tracking_code"`
		Message      string `json:"message"`
	}
	w.anon(t).reportFrom(freshAddr(), body, photos...).want(http.StatusCreated).decode(&rc)
	if !trackingPattern.MatchString(rc.TrackingCode) || !hasHan(rc.Message) {
		t.Fatalf("receipt %+v", rc)
	}
	rs := w.as(t, "prov").reports("")
	if len(rs) == 0 {
		t.Fatal("no report listed after intake")
	}
	r := rs[len(rs)-1]
	return filed{code: rc.TrackingCode, report: r, hazard: w.as(t, "prov").hazard(r.HazardID)}
}

// staffNames are words that must never reach a reporter or the public.
func staffNames() []string {
	var out []string
	for _, u := range fixtureUsers {
		out = append(out, u.display)
	}
	return out
}

func wantNone(t *testing.T, what string, body []byte, words ...string) {
	t.Helper()
	for _, s := range words {
		if s != "" && bytes.Contains(body, []byte(s)) {
			t.Errorf("%s shows %q: %s", what, s, body)
		}
	}
}

// ---- intake ----

func TestPublicReportIntake(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		anon := w.anon(t)

		t.Run("json", func(t *testing.T) {
			r := anon.reportFrom(freshAddr(), aReport(obj{
				"title": "地下室液化气钢瓶", "latitude": 28.6832, "longitude": 115.8922, "discovered_at": "2026-11-27",
				"contact_name": "王小明", "contact_phone": "13912345678", "wants_reward": true,
			})).want(http.StatusCreated)
			got := r.object()
			if len(got) != 2 || !trackingPattern.MatchString(fmt.Sprint(got["tracking_code"])) || !hasHan(fmt.Sprint(got["message"])) {
				t.Errorf("receipt %v", got)
			}
			wantContains(t, "receipt", fmt.Sprint(got["message"]), "查询码")
			rs := w.as(t, "donghu").reports("")
			if len(rs) != 1 {
				t.Fatalf("%d reports listed", len(rs))
			}
			rep := rs[0]
			if rep.Address != "东湖区豫章路88号" || rep.Latitude == nil || *rep.Latitude != 28.6832 || !rep.RealName || !rep.WantsReward ||
				rep.RewardStatus != "none" || !rep.ReceivedAt.Equal(start) || rep.CheckDue != "2026-12-28" || rep.CheckedAt != nil || rep.RegionCode != "360102" {
				t.Errorf("report %+v", rep)
			}
			h := w.as(t, "donghu").hazard(rep.HazardID)
			if h.State != "discovered" || h.Source != "public_report" || h.CreatedBy != nil || h.Title != "地下室液化气钢瓶" ||
				h.RegionCode != "360102" || h.EnterpriseID != nil || h.Description != "小区地下室堆放大量液化气钢瓶，无人看管" ||
				!h.DiscoveredAt.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, model.Shanghai)) {
				t.Errorf("hazard %+v", h)
			}
			if rep.HazardCode != h.Code || rep.HazardTitle != h.Title || rep.HazardState != "discovered" {
				t.Errorf("report row %+v, hazard %s %s", rep, h.Code, h.Title)
			}
			evs := w.as(t, "donghu").events(h.ID)
			if len(evs) != 1 || evs[0].Event != "create" || evs[0].Role != "public" || evs[0].ActorID != nil {
				t.Errorf("events %+v", evs)
			}
			// The contact is sealed at rest, not stored as typed.
			var rows []struct{ ContactSealed string }
			if err := w.store.Raw(context.Background(), &rows, "SELECT contact_sealed FROM reports"); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].ContactSealed == "" || strings.Contains(rows[0].ContactSealed, "13912345678") || strings.Contains(rows[0].ContactSealed, "王小明") {
				t.Errorf("stored contact %+v", rows)
			}
			// A title is required, as on the page (TestTextRefusesTheInvisible).
			w.anon(t).reportFrom(freshAddr(), aReport(obj{"title": nil})).wantError(http.StatusBadRequest, "invalid_fields", "title")
		})

		t.Run("multipart with photos", func(t *testing.T) {
			gpsPhoto := jpegFile(t, exifTIFF("2026:11:28 06:30:00", true))
			if !bytes.Contains(gpsPhoto, []byte(gpsMarker)) || !bytes.Contains(gpsPhoto, []byte("Exif\x00\x00")) {
				t.Fatal("the test photo has no GPS EXIF")
			}
			f := w.file(t, aReport(obj{"title": "加油站旁违规燃放烟花", "latitude": "28.6801", "longitude": "115.8901", "wants_reward": "false"}),
				filePart{"photos", "IMG_20261128_063000.jpg", gpsPhoto}, filePart{"photos", "现场.png", pngFile(t)})
			if f.hazard.Title != "加油站旁违规燃放烟花" || f.report.Latitude == nil || *f.report.Latitude != 28.6801 || f.report.RealName || f.report.WantsReward {
				t.Errorf("report %+v", f.report)
			}
			sup := w.as(t, "donghu")
			list := sup.evidenceOf(f.hazard.ID)
			if len(list) != 2 {
				t.Fatalf("%d photos stored, want 2", len(list))
			}
			for _, ev := range list {
				if ev.Kind != "photo_before" || !ev.FromPublic || ev.UploadedBy != nil || ev.UploaderRole != "public" {
					t.Errorf("public photo %+v", ev)
				}
			}
			jp := list[0]
			if jp.ContentType != "image/jpeg" || jp.Filename != "IMG_20261128_063000.jpg" || jp.SHA256 == sha256Hex(gpsPhoto) {
				t.Errorf("jpeg %+v (an unchanged hash means the location was kept)", jp)
			}
			// The capture time is read before the location is stripped.
			if jp.CapturedAt == nil || !jp.CapturedAt.Equal(time.Date(2026, 11, 28, 6, 30, 0, 0, model.Shanghai)) {
				t.Errorf("captured_at %v", jp.CapturedAt)
			}
			r := sup.fetch(evidencePath(jp.ID)).want(http.StatusOK)
			stored := r.body
			if sha256Hex(stored) != jp.SHA256 || int64(len(stored)) != jp.Size {
				t.Errorf("downloaded %d bytes hashing %s; record says %d, %s", len(stored), sha256Hex(stored), jp.Size, jp.SHA256)
			}
			for _, leak := range [][]byte{[]byte(gpsMarker), []byte("Exif"), {0xFF, 0xE1}, []byte("Camera1")} {
				if bytes.Contains(stored, leak) {
					t.Errorf("stored public photo still holds %q", leak)
				}
			}
			m, err := jpeg.Decode(bytes.NewReader(stored))
			if err != nil || m.Bounds().Dx() != 32 || m.Bounds().Dy() != 24 {
				t.Errorf("stored photo does not decode as the 32×24 picture: %v", err)
			}
			wantDownloadHeaders(t, r, "IMG_20261128_063000.jpg")
			evs := sup.events(f.hazard.ID)
			if len(evs) != 3 || evs[1].Event != "evidence" || evs[1].Payload["sha256"] != jp.SHA256 || evs[2].Payload["sha256"] != list[1].SHA256 {
				t.Errorf("events %+v", evs)
			}
		})

		t.Run("refusals", func(t *testing.T) {
			before := len(w.as(t, "prov").reports(""))
			cases := []struct {
				name   string
				body   obj
				code   string
				fields []string
				says   string
			}{
				{"no description", aReport(obj{"description": nil, "title": "钢瓶"}), "invalid_fields", []string{"description"}, "请用至少5个字描述您发现的隐患"},
				{"description too short", aReport(obj{"description": "有隐患"}), "invalid_fields", []string{"description"}, "至少5个字"},
				{"no address", aReport(obj{"address": nil}), "invalid_fields", []string{"address"}, "请填写隐患所在地址"},
				{"blank address", aReport(obj{"address": "   "}), "invalid_fields", []string{"address"}, "请填写隐患所在地址"},
				{"nothing", obj{}, "invalid_fields", []string{"description", "address", "title"}, "请检查填写内容"},
				{"unknown region", aReport(obj{"region_code": "369999"}), "invalid_fields", []string{"region_code"}, "区划代码不存在"},
				{"no region", aReport(obj{"region_code": nil}), "invalid_fields", []string{"region_code"}, "所属区划不能为空"},
				{"reward without name", aReport(obj{"wants_reward": true, "contact_phone": "13912345678"}), "invalid_fields", []string{"contact_name"}, "申请举报奖励须实名"},
				{"reward without phone", aReport(obj{"wants_reward": true, "contact_name": "王小明"}), "invalid_fields", []string{"contact_name"}, "请填写姓名和联系电话"},
				{"bad phone", aReport(obj{"contact_phone": "打我电话"}), "invalid_fields", []string{"contact_phone"}, "联系电话格式不正确"},
				{"latitude alone", aReport(obj{"latitude": 28.68}), "invalid_fields", []string{"longitude"}, "填写纬度时须同时填写经度"},
				{"latitude out of range", aReport(obj{"latitude": 91, "longitude": 115.89}), "invalid_fields", []string{"latitude"}, "纬度应为 -90 到 90 之间的度数"},
				{"longitude out of range", aReport(obj{"latitude": 28.68, "longitude": -181}), "invalid_fields", []string{"longitude"}, "经度应为 -180 到 180 之间的度数"},
				{"discovered in the future", aReport(obj{"discovered_at": "2026-12-25"}), "invalid_fields", []string{"discovered_at"}, "不能晚于现在"},
				{"title too long", aReport(obj{"title": strings.Repeat("长", 101)}), "invalid_fields", []string{"title"}, "不能超过100个字"},
				{"latitude as text", aReport(obj{"latitude": "北纬28度"}), "invalid_json", []string{"latitude"}, "类型不正确"},
				{"unknown field", aReport(obj{"id_card": "360102199001011234"}), "invalid_json", []string{"id_card"}, "未知字段"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					e := w.anon(t).reportFrom(freshAddr(), tc.body).wantError(http.StatusBadRequest, tc.code, tc.fields...)
					wantContains(t, "message", e.Message, tc.says)
				})
			}
			t.Run("multipart", func(t *testing.T) {
				c := w.anon(t)
				e := c.reportFrom(freshAddr(), aReport(obj{"latitude": "abc", "longitude": "115.89"}), filePart{"photos", "a.png", pngFile(t)}).
					wantError(http.StatusBadRequest, "invalid_fields", "latitude")
				if e.Message != "坐标应为数字" {
					t.Errorf("message %q", e.Message)
				}
				e = c.reportFrom(freshAddr(), aReport(nil), filePart{"photos", "现场.jpg", elfFile}).wantError(http.StatusBadRequest, "invalid_fields", "file")
				wantContains(t, "executable", e.Fields["file"], "不支持的文件类型")
				e = c.reportFrom(freshAddr(), aReport(nil), filePart{"photos", "举报材料.pdf", testPDF}).wantError(http.StatusBadRequest, "invalid_fields", "file")
				if e.Fields["file"] != "照片类材料须上传图片文件" {
					t.Errorf("pdf as photo: %q", e.Fields["file"])
				}
				e = c.reportFrom(freshAddr(), aReport(nil), filePart{"photos", "IMG.HEIC", heicFile()}).wantError(http.StatusBadRequest, "invalid_fields", "file")
				wantContains(t, "heic", e.Fields["file"], "JPG 或 PNG")
				var seven []filePart
				for i := range 7 {
					seven = append(seven, filePart{"photos", fmt.Sprintf("%d.png", i), pngFile(t)})
				}
				c.reportFrom(freshAddr(), aReport(nil), seven...).wantError(http.StatusBadRequest, "too_many_files")
			})
			if after := len(w.as(t, "prov").reports("")); after != before {
				t.Errorf("%d reports after refusals, want %d", after, before)
			}
		})
	})
}

func TestPublicReportRateLimit(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		anon := w.anon(t)
		// Requests made with httptest come from 192.0.2.1 unless told otherwise.
		// Only accepted reports count: three mistakes (a 400, a 413 photo, a bad
		// multipart form) between the five good reports lock nobody out.
		for i := range 5 {
			body := aReport(obj{"description": fmt.Sprintf("第%d次举报：河道边违规堆放危险化学品桶", i+1)})
			switch i {
			case 1:
				anon.reportFrom("", aReport(obj{"address": nil})).wantError(http.StatusBadRequest, "invalid_fields", "address")
			case 2:
				big := make([]byte, workflow.DefaultMaxUpload+1)
				anon.reportFrom("", aReport(nil), filePart{"photos", "big.png", big}).want(http.StatusRequestEntityTooLarge)
			case 3:
				anon.reportFrom("", aReport(obj{"latitude": "北纬", "longitude": "1"}), filePart{"photos", "a.png", pngFile(t)}).wantError(http.StatusBadRequest, "invalid_fields", "latitude")
			}
			anon.reportFrom("", body).want(http.StatusCreated)
		}
		r := anon.reportFrom("", aReport(nil))
		e := r.wantError(http.StatusTooManyRequests, "rate_limited")
		if e.Message != "提交过于频繁，请 60 分钟后再试" {
			t.Errorf("message %q", e.Message)
		}
		// start is on the hour: the window ends in an hour.
		if got := r.header.Get("Retry-After"); got != "3600" {
			t.Errorf("Retry-After %q, want 3600", got)
		}
		// The same with the photos form: the limit comes before the upload is read.
		anon.reportFrom("192.0.2.1:5555", aReport(nil), filePart{"photos", "a.png", pngFile(t)}).wantError(http.StatusTooManyRequests, "rate_limited")
		// Another address is not held back, nor is the status lookup.
		anon.reportFrom("198.51.100.9:1234", aReport(nil)).want(http.StatusCreated)
		anon.get(reportsPath+"/2222-2222-2222-2222").wantError(http.StatusNotFound, "not_found")
		if n := len(w.as(t, "prov").reports("")); n != 6 {
			t.Errorf("%d reports stored, want 6", n)
		}

		// Twenty minutes on, the wait is forty.
		w.clock.Set(start.Add(20 * time.Minute))
		if got := anon.reportFrom("", aReport(nil)).want(http.StatusTooManyRequests).header.Get("Retry-After"); got != "2400" {
			t.Errorf("Retry-After %q, want 2400", got)
		}
		// The next window takes reports again.
		w.clock.Set(start.Add(time.Hour))
		anon.reportFrom("", aReport(nil)).want(http.StatusCreated)
	})
}

// ---- what the reporter reads ----

func TestPublicReportStatusWording(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		anon, donghu, entA, officer := w.anon(t), w.as(t, "donghu"), w.as(t, "entA"), w.as(t, "officer")
		f := w.file(t, aReport(obj{"contact_name": "王小明", "contact_phone": "13912345678", "wants_reward": true}))
		var seen [][]byte
		check := func(code, status, text string) reportStatus {
			t.Helper()
			r := anon.get(reportsPath + "/" + code).want(http.StatusOK)
			seen = append(seen, r.body)
			var st reportStatus
			r.decode(&st)
			if st.Status != status || st.StatusText != text {
				t.Errorf("status %q %q, want %q %q", st.Status, st.StatusText, status, text)
			}
			return st
		}

		st := check(f.code, "received", "已受理，等待核查")
		if st.ReceivedOn != "2026-11-28" || st.Merged || st.Reason != "" || st.Reward != nil {
			t.Errorf("received %+v", st)
		}
		// Typed as people type it.
		for _, typed := range []string{strings.ToLower(f.code), strings.ReplaceAll(f.code, "-", " "), strings.ReplaceAll(strings.ToLower(f.code), "-", ""), " " + f.code + " "} {
			if got := anon.status(strings.ReplaceAll(typed, " ", "%20")); got.Status != "received" {
				t.Errorf("code typed %q: %+v", typed, got)
			}
		}

		h := f.hazard
		officer.addEvidence(h.ID, "photo_before", "现场核查.jpg", jpegFile(t, nil))
		check(f.code, "checking", "正在核查")

		h = donghu.mustFire(donghu.hazard(h.ID), "confirm", obj{"enterprise_id": w.ents["A"].ID, "deadline": "2026-12-20"})
		st = check(f.code, "confirmed", "经核查属实，已列入隐患清单，正在督促整改")
		if st.Reward == nil || st.Reward.Status != "eligible" || !hasHan(st.Reward.Text) {
			t.Errorf("reward after confirmation %+v", st.Reward)
		}
		h = entA.mustFire(h, "plan", obj{"measures": "清运钢瓶", "responsible_person": "李建国", "responsible_phone": "13807910001"})
		check(f.code, "confirmed", "经核查属实，已列入隐患清单，正在督促整改")
		h = entA.mustFire(h, "submit", obj{"comment": "钢瓶已全部清运"})
		check(f.code, "verifying", "整改已完成，正在核实")
		w.clock.Set(start.Add(48 * time.Hour))
		w.forgetLogins()
		w.as(t, "donghu").mustFire(h, "approve", obj{"comment": "东湖区局监管员现场核实，已清运"})
		st = check(f.code, "rectified", "隐患已整改完毕，核实销号")
		if st.ReceivedOn != "2026-11-28" || st.UpdatedOn != "2026-11-30" {
			t.Errorf("dates %+v", st)
		}

		// Not substantiated, with the reason.
		g := w.file(t, aReport(obj{"description": "路边广告牌松动，随时可能坠落"}))
		w.as(t, "officer").mustFire(g.hazard, "dismiss", obj{"reason": "现场核查广告牌已加固，不存在隐患"})
		st = check(g.code, "not_substantiated", "经核查不属实，不予立案")
		if st.Reason != "现场核查广告牌已加固，不存在隐患" || st.Merged {
			t.Errorf("dismissed %+v", st)
		}

		// Merged: follows the hazard it was merged into.
		target := w.file(t, aReport(obj{"description": "菜市场消防通道被摊位占用"}))
		dup := w.file(t, aReport(obj{"description": "菜市场里消防通道全被摊位堵死了"}))
		w.as(t, "donghu").mustFire(dup.hazard, "dismiss", obj{"reason": "与已受理的举报重复", "duplicate_of": target.hazard.ID})
		st = check(dup.code, "checking", "您的举报与已登记的同一隐患合并办理：正在核查")
		if !st.Merged || st.Reason != "" {
			t.Errorf("merged %+v", st)
		}
		th := w.as(t, "donghu").mustFire(target.hazard, "confirm", obj{"responsible_unit": "东湖区市场监督管理所", "deadline": "2026-12-20"})
		check(dup.code, "confirmed", "您的举报与已登记的同一隐患合并办理：经核查属实，已列入隐患清单，正在督促整改")
		check(target.code, "confirmed", "经核查属实，已列入隐患清单，正在督促整改")
		th = w.as(t, "donghu").mustFire(th, "plan", obj{"measures": "清理摊位", "responsible_person": "赵六"})
		th = w.as(t, "donghu").mustFire(th, "submit", obj{})
		check(dup.code, "verifying", "您的举报与已登记的同一隐患合并办理：整改已完成，正在核实")
		w.as(t, "donghu2").mustFire(th, "approve", obj{"comment": "已清理"})
		check(dup.code, "rectified", "您的举报与已登记的同一隐患合并办理：隐患已整改完毕，核实销号")

		// Unknown and malformed codes are one answer.
		for _, code := range []string{"2222-2222-2222-2222", "hello", "0000-0000-0000-0000", f.code + "-2222", "%3Cscript%3E"} {
			e := anon.get(reportsPath+"/"+code).wantError(http.StatusNotFound, "not_found")
			if e.Message != "查询码有误或不存在，请核对后重试" {
				t.Errorf("code %q: %q", code, e.Message)
			}
		}

		// Nothing internal: no staff or enterprise people, no codes, no enterprise.
		words := append(staffNames(), h.Code, target.hazard.Code, "李建国", "13807910001", "王小明", "13912345678",
			w.ents["A"].Name, "东湖区市场监督管理所", "赵六", "hazard", "enterprise")
		for _, b := range seen {
			wantNone(t, "status", b, words...)
		}
	})
}

// ---- staff views, contact and privacy ----

func TestReportStaffViewsAndContact(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		const name, phone = "王小明", "13912345678"
		named := w.file(t, aReport(obj{"description": "化工厂后门夜间偷排刺鼻废气", "contact_name": name, "contact_phone": phone, "wants_reward": true}))
		anon := w.file(t, aReport(obj{"description": "化工厂围墙外堆放废弃油桶"}))
		far := w.file(t, aReport(obj{"description": "西湖区某仓库电线私拉乱接", "region_code": "360103", "address": "西湖区桃花路1号"}))

		t.Run("lists", func(t *testing.T) {
			donghu := w.as(t, "donghu")
			ids := func(rs []staffReport) []int64 {
				var out []int64
				for _, r := range rs {
					out = append(out, r.ID)
				}
				return out
			}
			if got := ids(donghu.reports("")); !slices.Equal(got, []int64{named.report.ID, anon.report.ID}) {
				t.Errorf("donghu sees %v", got)
			}
			if got := ids(w.as(t, "officer").reports("view=unchecked")); !slices.Equal(got, []int64{named.report.ID, anon.report.ID}) {
				t.Errorf("officer unchecked %v", got)
			}
			if got := ids(w.as(t, "xihu").reports("")); !slices.Equal(got, []int64{far.report.ID}) {
				t.Errorf("xihu sees %v", got)
			}
			if got := ids(w.as(t, "city").reports("")); len(got) != 3 {
				t.Errorf("city sees %v", got)
			}
			for _, view := range []string{"owed", "rewards"} {
				if got := donghu.reports("view=" + view); len(got) != 0 {
					t.Errorf("view %s before any check: %+v", view, got)
				}
			}
			if got := ids(donghu.reports("hazard_id=" + strconv.FormatInt(anon.hazard.ID, 10))); !slices.Equal(got, []int64{anon.report.ID}) {
				t.Errorf("by hazard %v", got)
			}
			e := donghu.get("/api/v1/reports?view=all").wantError(http.StatusBadRequest, "invalid_fields", "view")
			wantContains(t, "view", e.Fields["view"], "unchecked")
			donghu.get("/api/v1/reports?hazard_id=x").wantError(http.StatusBadRequest, "invalid_fields", "hazard_id")
			for _, user := range []string{"entA", "admin"} {
				e := w.as(t, user).get("/api/v1/reports").wantError(http.StatusForbidden, "forbidden")
				if e.Message != "仅监管人员和信息员可以查看举报" {
					t.Errorf("%s: %q", user, e.Message)
				}
			}
			w.anon(t).get("/api/v1/reports").wantError(http.StatusUnauthorized, "unauthorized")
			// Lists never carry the contact.
			for _, user := range []string{"donghu", "officer", "city", "prov"} {
				for _, q := range []string{"", "view=unchecked"} {
					wantNone(t, user+" list", w.as(t, user).get("/api/v1/reports?"+q).body, name, phone, "contact")
				}
			}
		})

		t.Run("contact", func(t *testing.T) {
			path := reportPath(named.report.ID) + "/contact"
			for _, tc := range []struct{ user, says string }{
				{"officer", "仅监管人员可以办理此事项"},
				{"entA", "仅监管人员可以办理此事项"},
				{"admin", "仅监管人员可以办理此事项"},
				{"xihu", "该举报不在您的管辖范围内"},
			} {
				e := w.as(t, tc.user).get(path).wantError(http.StatusForbidden, "forbidden")
				if e.Message != tc.says {
					t.Errorf("%s: %q, want %q", tc.user, e.Message, tc.says)
				}
			}
			w.anon(t).get(path).wantError(http.StatusUnauthorized, "unauthorized")
			// Refusals are not logged as viewings.
			if evs := w.as(t, "donghu").events(named.hazard.ID); len(evs) != 1 {
				t.Fatalf("%d events after refused viewings", len(evs))
			}

			for _, user := range []string{"donghu", "city"} {
				r := w.as(t, user).get(path).want(http.StatusOK)
				if got := r.object(); len(got) != 2 || got["name"] != name || got["phone"] != phone {
					t.Errorf("%s: contact %v", user, got)
				}
				if cc := r.header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q", cc)
				}
			}
			evs := w.as(t, "donghu").events(named.hazard.ID)
			if len(evs) != 3 {
				t.Fatalf("%d events, want create and two viewings", len(evs))
			}
			for i, user := range []string{"donghu", "city"} {
				ev := evs[i+1]
				if ev.Event != "view_contact" || ev.ActorID == nil || *ev.ActorID != w.users[user].ID || ev.Role != "supervisor" ||
					ev.Payload["report_id"] != float64(named.report.ID) || ev.From != "discovered" || ev.To != "discovered" {
					t.Errorf("viewing %d: %+v", i, ev)
				}
			}
			// The log records that the contact was seen, never the contact.
			wantNone(t, "events", w.as(t, "prov").get(hazardPath(named.hazard.ID)+"/events").body, name, phone)

			e := w.as(t, "donghu").get(reportPath(anon.report.ID)+"/contact").wantError(http.StatusNotFound, "anonymous")
			if e.Message != "该举报为匿名举报，未留联系方式" {
				t.Errorf("anonymous: %q", e.Message)
			}
			w.as(t, "donghu").get(reportPath(999999)+"/contact").wantError(http.StatusNotFound, "not_found")
		})

		t.Run("hidden from the enterprise and exports", func(t *testing.T) {
			donghu, entA := w.as(t, "donghu"), w.as(t, "entA")
			h := donghu.mustFire(donghu.hazard(named.hazard.ID), "confirm", obj{"enterprise_id": w.ents["A"].ID, "deadline": "2026-12-20"})
			h = entA.mustFire(h, "plan", obj{"measures": "加装废气收集处理装置", "responsible_person": "李建国"})
			entA.addEvidence(h.ID, "photo_after", "整改后.png", pngFile(t))
			donghu.get(reportPath(named.report.ID) + "/contact").want(http.StatusOK)
			for _, path := range []string{
				hazardPath(h.ID), hazardPath(h.ID) + "/events", hazardPath(h.ID) + "/evidence", hazardPath(h.ID) + "/verify",
				"/api/v1/hazards?limit=200", "/api/v1/hazards?q=" + url.QueryEscape("废气"), "/api/v1/me",
			} {
				wantNone(t, "entA "+path, entA.get(path).want(http.StatusOK).body, name, phone)
			}
			entA.get(reportPath(named.report.ID)+"/contact").wantError(http.StatusForbidden, "forbidden")
			entA.get(hazardPath(h.ID)+"/similar").wantError(http.StatusForbidden, "forbidden")

			// The ledger, as the widest staff export, holds neither in any cell.
			for _, user := range []string{"city", "donghu", "prov"} {
				x, err := excelize.OpenReader(bytes.NewReader(w.as(t, user).download("/api/v1/ledger.xlsx")))
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, sheet := range x.GetSheetList() {
					rows, err := x.GetRows(sheet)
					if err != nil {
						t.Fatal(err)
					}
					for i, row := range rows {
						for j, cell := range row {
							if strings.Contains(cell, name) || strings.Contains(cell, phone) {
								t.Errorf("%s's ledger %s row %d column %d shows the contact: %q", user, sheet, i+1, j+1, cell)
							}
							found = found || strings.Contains(cell, h.Code)
						}
					}
				}
				_ = x.Close()
				if !found {
					t.Errorf("%s's ledger does not list the reported hazard %s: the search above proves nothing", user, h.Code)
				}
			}
		})
	})
}

// ---- duplicates ----

func TestReportSimilarAndDuplicate(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		first := w.file(t, aReport(obj{"description": "豫章路加油站旁有人违规销售烟花爆竹", "latitude": 28.6832, "longitude": 115.8922}))
		second := w.file(t, aReport(obj{"description": "豫章路加油站旁边有人在卖烟花爆竹，很危险", "latitude": 28.6833, "longitude": 115.8923,
			"contact_name": "李娜", "contact_phone": "13600001111", "wants_reward": true}))
		other := w.file(t, aReport(obj{"description": "学校门口的路灯坏了好几天", "address": "东湖区八一大道200号", "latitude": 28.70, "longitude": 115.95}))
		w.file(t, aReport(obj{"description": "西湖区加油站旁有人卖烟花爆竹", "region_code": "360103", "address": "西湖区某路"}))

		var out struct {
			Items []struct {
				ID        int64    `json:"id"`
				Code      string   `json:"code"`
				Title     string   `json:"title"`
				State     string   `json:"state"`
				Score     float64  `json:"score"`
				DistanceM *float64 `json:"distance_m"`
			} `json:"items"`
		}
		w.as(t, "donghu").get(hazardPath(second.hazard.ID) + "/similar").want(http.StatusOK).decode(&out)
		if len(out.Items) != 1 {
			t.Fatalf("similar %+v, want only the first report (same county, near, alike)", out.Items)
		}
		s := out.Items[0]
		if s.ID != first.hazard.ID || s.Code != first.hazard.Code || s.State != "discovered" || s.Score < 0.2 || s.Score > 1 ||
			s.DistanceM == nil || *s.DistanceM > 50 {
			t.Errorf("similar %+v", s)
		}
		for _, it := range out.Items {
			if it.ID == other.hazard.ID {
				t.Error("an unrelated, distant report is hinted")
			}
		}
		w.as(t, "officer").get(hazardPath(second.hazard.ID) + "/similar").want(http.StatusOK)
		w.as(t, "xihu").get(hazardPath(second.hazard.ID)+"/similar").wantError(http.StatusForbidden, "forbidden")
		w.as(t, "admin").get(hazardPath(second.hazard.ID)+"/similar").wantError(http.StatusForbidden, "forbidden")
		w.as(t, "donghu").get(hazardPath(999999)+"/similar").wantError(http.StatusNotFound, "not_found")

		// Dismissed as a duplicate: the later report's code follows the first.
		d := w.as(t, "donghu").mustFire(second.hazard, "dismiss", obj{"reason": "与先前举报为同一隐患", "duplicate_of": first.hazard.ID})
		if d.State != "dismissed" || d.DuplicateOf == nil || *d.DuplicateOf != first.hazard.ID {
			t.Errorf("dismissed %+v", d)
		}
		if st := w.anon(t).status(second.code); !st.Merged || st.Status != "checking" {
			t.Errorf("merged status %+v", st)
		}
		// A merged hazard is no longer hinted.
		w.as(t, "donghu").get(hazardPath(first.hazard.ID) + "/similar").want(http.StatusOK).decode(&out)
		for _, it := range out.Items {
			if it.ID == second.hazard.ID {
				t.Error("the dismissed duplicate is still hinted")
			}
		}
		// Once the first is confirmed, the merged real-name report has the reward
		// priority (the first was anonymous).
		w.as(t, "donghu").mustFire(w.as(t, "donghu").hazard(first.hazard.ID), "confirm", obj{"responsible_unit": "豫章路加油站", "deadline": "2026-12-20"})
		rs := w.as(t, "donghu").reports("view=rewards")
		if len(rs) != 1 || rs[0].ID != second.report.ID || rs[0].RewardStatus != "eligible" {
			t.Errorf("reward-eligible %+v", rs)
		}
		st := w.anon(t).status(second.code)
		if !st.Merged || st.Status != "confirmed" || st.Reward == nil || st.Reward.Status != "eligible" {
			t.Errorf("merged after confirmation %+v", st)
		}
	})
}

// ---- rewards and answers ----

func TestReportRewards(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, donghu2 := w.as(t, "donghu"), w.as(t, "donghu2")
		var rs []filed
		for i, who := range []string{"王一", "王二", "王三"} {
			f := w.file(t, aReport(obj{"description": fmt.Sprintf("第%d处：厂房内违规住人，消防设施缺失", i+1),
				"contact_name": who, "contact_phone": fmt.Sprintf("1391234567%d", i), "wants_reward": true}))
			donghu.mustFire(f.hazard, "confirm", obj{"enterprise_id": w.ents["A"].ID, "deadline": "2026-12-20"})
			rs = append(rs, f)
		}
		anonymous := w.file(t, aReport(obj{"description": "厂房内违规住人（匿名）"}))
		donghu.mustFire(anonymous.hazard, "confirm", obj{"responsible_unit": "某厂", "deadline": "2026-12-20"})

		if got := donghu.reports("view=rewards"); len(got) != 3 {
			t.Fatalf("reward-eligible %+v", got)
		}
		path := func(f filed, tail string) string { return reportPath(f.report.ID) + "/reward" + tail }

		// Refusals.
		donghu.post(path(rs[0], ""), obj{}).wantError(http.StatusBadRequest, "invalid_fields", "fine")
		donghu.post(path(rs[0], ""), obj{"fine": -1}).wantError(http.StatusBadRequest, "invalid_fields", "fine")
		donghu.post(path(rs[0], ""), obj{"fine": "一万"}).wantError(http.StatusBadRequest, "invalid_json", "fine")
		w.as(t, "officer").post(path(rs[0], ""), obj{"fine": 10000}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").post(path(rs[0], ""), obj{"fine": 10000}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "xihu").post(path(rs[0], ""), obj{"fine": 10000}).wantError(http.StatusForbidden, "forbidden")
		e := donghu.post(path(anonymous, ""), obj{"fine": 10000}).wantError(http.StatusUnprocessableEntity, "not_eligible")
		wantContains(t, "anonymous", e.Message, "不符合奖励条件")
		donghu.post(path(rs[0], "/decision"), obj{"approve": true}).wantError(http.StatusUnprocessableEntity, "not_proposed")
		donghu.post(path(rs[0], "/paid"), nil).wantError(http.StatusUnprocessableEntity, "not_approved")

		// 15% of the fine, at least 3,000, at most 300,000.
		for i, tc := range []struct{ fine, amount float64 }{{10000, 3000}, {100000, 15000}, {3000000, 300000}} {
			var r staffReport
			donghu.post(path(rs[i], ""), obj{"fine": tc.fine}).want(http.StatusOK).decode(&r)
			if r.RewardStatus != "proposed" || r.Fine == nil || *r.Fine != tc.fine || r.RewardAmount == nil || *r.RewardAmount != tc.amount ||
				r.RewardProposedBy == nil || *r.RewardProposedBy != w.users["donghu"].ID {
				t.Errorf("fine %.0f: %+v", tc.fine, r)
			}
		}
		donghu.post(path(rs[0], ""), obj{"fine": 50000}).wantError(http.StatusUnprocessableEntity, "not_eligible")
		if st := w.anon(t).status(rs[0].code); st.Reward == nil || st.Reward.Status != "proposed" || st.Reward.Amount != nil {
			t.Errorf("reporter sees a proposal as %+v", st.Reward)
		}

		// The decision is another supervisor's.
		e = donghu.post(path(rs[0], "/decision"), obj{"approve": true}).wantError(http.StatusForbidden, "forbidden")
		if e.Message != "核定奖励的人不能审批同一笔奖励" {
			t.Errorf("same supervisor: %q", e.Message)
		}
		donghu2.post(path(rs[0], "/decision"), obj{}).wantError(http.StatusBadRequest, "invalid_fields", "approve")
		donghu2.post(path(rs[0], "/decision"), obj{"approve": "yes"}).wantError(http.StatusBadRequest, "invalid_json", "approve")
		donghu2.post(path(rs[1], "/decision"), obj{"approve": false}).wantError(http.StatusBadRequest, "invalid_fields", "note")
		w.as(t, "entA").post(path(rs[0], "/decision"), obj{"approve": true}).wantError(http.StatusForbidden, "forbidden")
		var r staffReport
		donghu2.post(path(rs[0], "/decision"), obj{"approve": true, "note": "同意"}).want(http.StatusOK).decode(&r)
		if r.RewardStatus != "approved" || r.RewardDecidedBy == nil || *r.RewardDecidedBy != w.users["donghu2"].ID {
			t.Errorf("approved %+v", r)
		}
		donghu2.post(path(rs[0], "/decision"), obj{"approve": true}).wantError(http.StatusUnprocessableEntity, "not_proposed")
		st := w.anon(t).status(rs[0].code)
		if st.Reward == nil || st.Reward.Status != "approved" || st.Reward.Amount == nil || *st.Reward.Amount != 3000 || st.Reward.Text != "已批准奖励¥3000.00，将通知您领取" {
			t.Errorf("reporter sees approval as %+v", st.Reward)
		}
		donghu.post(path(rs[0], "/paid"), nil).want(http.StatusOK).decode(&r)
		if r.RewardStatus != "paid" || r.RewardPaidAt == nil {
			t.Errorf("paid %+v", r)
		}
		donghu.post(path(rs[0], "/paid"), nil).wantError(http.StatusUnprocessableEntity, "not_approved")
		st = w.anon(t).status(rs[0].code)
		if st.Reward == nil || st.Reward.Status != "paid" || st.Reward.Text != "奖励¥3000.00已发放" || *st.Reward.Amount != 3000 {
			t.Errorf("reporter sees payment as %+v", st.Reward)
		}

		donghu2.post(path(rs[1], "/decision"), obj{"approve": false, "note": "举报内容与查处事实不符"}).want(http.StatusOK)
		st = w.anon(t).status(rs[1].code)
		if st.Reward == nil || st.Reward.Status != "declined" || st.Reward.Text != "经审核不予奖励：举报内容与查处事实不符" || st.Reward.Amount != nil {
			t.Errorf("reporter sees the decline as %+v", st.Reward)
		}
		// Still to be decided or paid: only the third.
		if got := donghu.reports("view=rewards"); len(got) != 1 || got[0].ID != rs[2].report.ID || *got[0].RewardAmount != 300000 {
			t.Errorf("rewards list %+v", got)
		}
		// Every step is in the hazard's log, without the contact.
		var rewards []event
		for _, ev := range donghu.events(rs[0].hazard.ID) {
			if ev.Event == "reward" {
				rewards = append(rewards, ev)
			}
		}
		if len(rewards) != 3 || rewards[0].Payload["amount"] != float64(3000) || rewards[0].Payload["fine"] != float64(10000) ||
			rewards[1].Payload["status"] != "approved" || rewards[2].Payload["status"] != "paid" {
			t.Errorf("reward events %+v", rewards)
		}
		wantNone(t, "events", donghu.get(hazardPath(rs[0].hazard.ID)+"/events").body, "王一", "13912345670")
	})
}

func TestAnswerReporter(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, officer := w.as(t, "donghu"), w.as(t, "officer")
		f := w.file(t, aReport(obj{"description": "小区楼道堆放电动车电池充电"}))
		path := reportPath(f.report.ID) + "/answer"

		e := officer.post(path, obj{"text": "已核查"}).wantError(http.StatusUnprocessableEntity, "not_checked")
		wantContains(t, "unchecked", e.Message, "尚未核查")

		// A report not checked in time is flagged; the check may be extended.
		ext := reportPath(f.report.ID) + "/extend-check"
		donghu.post(ext, obj{}).wantError(http.StatusBadRequest, "invalid_fields", "reason")
		officer.post(ext, obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		w.clock.Set(start.AddDate(0, 0, 31))
		w.forgetLogins()
		donghu, officer = w.as(t, "donghu"), w.as(t, "officer")
		if rs := donghu.reports("view=unchecked"); len(rs) != 1 || !rs[0].CheckOverdue || rs[0].CheckDue != "2026-12-28" {
			t.Errorf("overdue check %+v", rs)
		}
		var r staffReport
		donghu.post(ext, obj{"reason": "需协调住建部门联合核查"}).want(http.StatusOK).decode(&r)
		if r.CheckDue != "2027-02-26" || r.CheckExtensionReason != "需协调住建部门联合核查" {
			t.Errorf("extended %+v", r)
		}
		if rs := donghu.reports("view=unchecked"); len(rs) != 1 || rs[0].CheckOverdue {
			t.Errorf("after extension %+v", rs)
		}

		donghu.mustFire(donghu.hazard(f.hazard.ID), "confirm", obj{"responsible_unit": "某物业公司", "deadline": "2027-01-20"})
		donghu.post(ext, obj{"reason": "再延"}).wantError(http.StatusConflict, "already_done")
		owed := donghu.reports("view=owed")
		if len(owed) != 1 || owed[0].ID != f.report.ID || owed[0].AnswerDue == nil || *owed[0].AnswerDue != "2027-01-08" || owed[0].AnswerLate {
			t.Errorf("owed %+v", owed)
		}
		officer.post(path, obj{}).wantError(http.StatusBadRequest, "invalid_fields", "text")
		officer.post(path, obj{"answer": "x"}).wantError(http.StatusBadRequest, "invalid_json", "answer")
		w.as(t, "entA").post(path, obj{"text": "x"}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "xihu").post(path, obj{"text": "x"}).wantError(http.StatusForbidden, "forbidden")
		const answer = "经核查，您反映的问题属实，已责令物业公司限期清理。感谢您的监督。"
		officer.post(path, obj{"text": answer}).want(http.StatusOK).decode(&r)
		if r.Answer != answer || r.AnsweredBy == nil || *r.AnsweredBy != w.users["officer"].ID || r.AnsweredAt == nil {
			t.Errorf("answered %+v", r)
		}
		if st := w.anon(t).status(f.code); st.Answer != answer || st.Status != "confirmed" {
			t.Errorf("reporter reads %+v", st)
		}
		if got := donghu.reports("view=owed"); len(got) != 0 {
			t.Errorf("still owed %+v", got)
		}
		evs := donghu.events(f.hazard.ID)
		if last := evs[len(evs)-1]; last.Event != "answer_reporter" || last.Payload["report_id"] != float64(f.report.ID) || *last.ActorID != w.users["officer"].ID {
			t.Errorf("answer event %+v", last)
		}
	})
}
