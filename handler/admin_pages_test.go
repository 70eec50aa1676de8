package handler_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
)

// TestAdminPageNamesAndRole: the account list names enterprises and regions;
// the new account's role is to be chosen, and the server refuses none.
func TestAdminPageNamesAndRole(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	p := newPageClient(t, w)
	csrf := p.login("admin")
	_, body := p.do(http.MethodGet, "/admin", nil, nil)
	row := regexp.MustCompile(`(?s)<tr id="u` + itoa(w.users["entA"].ID) + `">.*?</tr>`).FindString(body)
	for _, want := range []string{"南昌东湖精细化工有限公司", "东湖区（360102）"} {
		if !strings.Contains(row, want) {
			t.Errorf("entA's row lacks %s: %s", want, row)
		}
	}
	if !strings.Contains(body, `<select name="role" required><option value="">请选择</option>`) || strings.Contains(body, `<option value="admin" selected>`) {
		t.Error("the role is not left to choose")
	}
	if !strings.Contains(body, "8到72个字符") {
		t.Error("the password rule is not in characters")
	}
	resp, body := p.do(http.MethodPost, "/admin/users", url.Values{"csrf": {csrf}, "username": {"zhangsan"}, "password": {"安全第一预防为主"}, "region_code": {"360102"}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "请选择账号的角色") || !strings.Contains(body, `value="zhangsan"`) {
		t.Errorf("no role: %d", resp.StatusCode)
	}
	resp, _ = p.do(http.MethodPost, "/admin/users", url.Values{"csrf": {csrf}, "username": {"zhangsan"}, "password": {"安全第一预防为主"}, "role": {"officer"}, "region_code": {"360102"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an officer with a password of 8 Chinese characters: %d", resp.StatusCode)
	}
}

var navPattern = regexp.MustCompile(`(?s)<nav>(.*?)</nav>`)
var hrefPattern = regexp.MustCompile(`href="([^"]+)"`)

// TestMenusOnlyWhatTheRoleMay: every entry of each role's menu opens, and an
// enterprise is not offered the ledger import it is refused.
func TestMenusOnlyWhatTheRoleMay(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	for _, user := range []string{"admin", "prov", "donghu", "officer", "entA"} {
		p := newPageClient(t, w)
		p.login(user)
		_, body := p.do(http.MethodGet, "/hazards", nil, nil)
		nav := navPattern.FindStringSubmatch(body)
		if nav == nil {
			t.Fatalf("%s: no menu", user)
		}
		for _, m := range hrefPattern.FindAllStringSubmatch(nav[1], -1) {
			if resp, _ := p.do(http.MethodGet, m[1], nil, nil); resp.StatusCode != http.StatusOK {
				t.Errorf("%s's menu offers %s, which answers %d", user, m[1], resp.StatusCode)
			}
		}
		imports := strings.Contains(body, `href="/ledger/import"`)
		if imports != (user == "prov" || user == "donghu") {
			t.Errorf("%s offered the ledger import: %v", user, imports)
		}
		if resp, _ := p.do(http.MethodGet, "/ledger/import", nil, nil); (resp.StatusCode == http.StatusOK) != imports {
			t.Errorf("%s: the import page answers %d, offered %v", user, resp.StatusCode, imports)
		}
	}
}

// TestCalendarPage: the admin sees a year's holidays, uploads the next
// year's notice and is told what changed; others are refused the page.
func TestCalendarPage(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	p := newPageClient(t, w)
	csrf := p.login("admin")
	_, body := p.do(http.MethodGet, "/admin/calendars?year=2026", nil, nil)
	for _, want := range []string{"国务院办公厅关于2026年部分节假日安排的通知", "春节", "2月15日 至 2月23日", "2月14日（周六）", `<td class="off">15</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("2026 lacks %s", want)
		}
	}
	file := `{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
		"holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}], "workdays": ["2027-01-04"]}`
	// 2027 ships provisional: the statutory days only, no make-up days.
	resp, body := p.upload(csrf, "2027", file)
	for _, want := range []string{"2027年节假日日历已更新", "新增休息日：1月2日、1月3日", "取消休息日：2月5日", "新增调休上班日：1月4日", "由暂定安排改为正式安排"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("upload: %d, lacks %s", resp.StatusCode, want)
		}
	}
	resp, body = p.upload(csrf, "2026", file)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "文件中的年份 2027 与地址中的年份 2026 不一致") {
		t.Errorf("a file of another year: %d", resp.StatusCode)
	}
	resp, body = p.upload(csrf, "2027", `{"year": 2027, "holidays": [{"name": "元旦", "from": "2027-01-03", "to": "2027-01-01"}]}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "日历未更新") {
		t.Errorf("a reversed range: %d", resp.StatusCode)
	}
	var got struct {
		Items []struct {
			Year int `json:"year"`
		} `json:"items"`
	}
	w.as(t, "admin").get("/api/v1/calendars").want(http.StatusOK).decode(&got)
	if n := len(got.Items); n == 0 || got.Items[n-1].Year != 2027 {
		t.Errorf("calendars in force %+v", got.Items)
	}
	sup := newPageClient(t, w)
	supCSRF := sup.login("donghu")
	if resp, _ := sup.do(http.MethodGet, "/admin/calendars", nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a supervisor opens the calendar page: %d", resp.StatusCode)
	}
	if resp, _ := sup.upload(supCSRF, "2027", file); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a supervisor uploads a calendar: %d", resp.StatusCode)
	}
}

// upload posts a calendar file from the calendar page's form.
func (p *pageClient) upload(csrf, year, file string) (*http.Response, string) {
	p.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", csrf)
	_ = mw.WriteField("year", year)
	fw, _ := mw.CreateFormFile("file", "holidays.json")
	_, _ = io.WriteString(fw, file)
	return p.sendMultipart("/admin/calendars", &buf, mw)
}
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
