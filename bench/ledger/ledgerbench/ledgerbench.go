// Package ledgerbench is the harness of the ledger benchmarks (issue 3, "Round trip
// and scale"): a directory of regions, enterprises and accounts, a province of
// hazards seeded in one statement, the 100,000-row ledger an import reads, the real
// HTTP handler on a local server, and a sampler of peak memory. The Go benchmarks
// (handler/ledger_bench_test.go) and the side-by-side script with exceljs
// (bench/ledger/run.sh, through bench/ledger's main package) both use it.
package ledgerbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hazardloop/blob"
	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/workflow"
)

// EnvRows sets how many rows the ledger benchmarks export and import.
const EnvRows = "HAZARDLOOP_BENCH_LEDGER_ROWS"

// Rows is the row count of the ledger benchmarks: EnvRows, else 100,000 (a
// province's ledger).
func Rows() int {
	if n, err := strconv.Atoi(os.Getenv(EnvRows)); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// Now is the benchmark's clock: 2026-11-28 10:00 in Shanghai.
var Now = time.Date(2026, 11, 28, 10, 0, 0, 0, model.Shanghai)

// User is the supervisor of the whole province who exports and imports; Password
// is the password of every account of the directory.
const (
	User     = "prov"
	Password = "bench-password-1"
)

var regions = []workflow.RegionInput{
	{Code: "360000", Name: "江西省"},
	{Code: "360100", Name: "南昌市", ParentCode: "360000"},
	{Code: "360102", Name: "东湖区", ParentCode: "360100"},
	{Code: "360103", Name: "西湖区", ParentCode: "360100"},
	{Code: "360400", Name: "九江市", ParentCode: "360000"},
	{Code: "360402", Name: "濂溪区", ParentCode: "360400"},
}

// counties are the regions hazards belong to.
var counties = []string{"360102", "360103", "360402"}

// Enterprises is how many enterprises the directory holds; enterprise j is in
// county j%3.
const Enterprises = 60

// Enterprise returns the name, credit code and region of enterprise j.
func Enterprise(j int) (name, credit, region string) {
	region = counties[j%len(counties)]
	first := fmt.Sprintf("91%sMA%07d", region, j+1)
	return fmt.Sprintf("江西第%02d精细化工有限公司", j+1), first + string(workflow.CreditCheckChar(first)), region
}

// Directory creates the regions, the enterprises and the accounts (User, and a
// verifier whose name the export joins) in a migrated, empty store.
func Directory(ctx context.Context, s *model.Store) error {
	eng := workflow.New(s, workflow.Options{Now: func() time.Time { return Now }})
	admin := workflow.Actor{Name: "基准管理员", Role: model.RoleAdmin}
	for _, r := range regions {
		if _, err := eng.Directory.CreateRegion(ctx, admin, r); err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
	}
	for j := range Enterprises {
		name, credit, region := Enterprise(j)
		if _, err := eng.Directory.CreateEnterprise(ctx, admin, workflow.EnterpriseInput{Name: name, CreditCode: credit, RegionCode: region, Industry: "工贸"}); err != nil {
			return fmt.Errorf("enterprise %d: %w", j, err)
		}
	}
	// The lowest bcrypt cost: Login takes the cost from the hash.
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	if err != nil {
		return err
	}
	province := "360000"
	for _, u := range []*model.User{
		{Username: User, DisplayName: "省厅监管员", Role: model.RoleSupervisor, RegionCode: &province},
		{Username: "verifier", DisplayName: "省厅核查员", Role: model.RoleSupervisor, RegionCode: &province},
	} {
		u.PasswordHash, u.Active, u.CreatedAt = string(hash), true, Now.UTC()
		if err := s.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("user %s: %w", u.Username, err)
		}
	}
	return nil
}

// Seed inserts n hazards in one statement, every ledger column filled as a county
// fills it: a mix of states (written off, rectifying, some overdue, listed,
// verifying, discovered), one in twenty major, enterprises and verifier joined.
func Seed(ctx context.Context, s *model.Store, n int) error {
	var ids []int64
	if err := s.Raw(ctx, &ids, "SELECT id FROM enterprises ORDER BY id"); err != nil {
		return err
	}
	if len(ids) != Enterprises || ids[len(ids)-1]-ids[0] != Enterprises-1 {
		return fmt.Errorf("seed: want %d enterprises with consecutive ids, have %d", Enterprises, len(ids))
	}
	var users []int64
	if err := s.Raw(ctx, &users, "SELECT id FROM users WHERE username = 'verifier'"); err != nil || len(users) != 1 {
		return fmt.Errorf("seed: no verifier: %v", err)
	}
	series := "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
	from, head := "n", "substr('0000000000000000000000000000000000000000000000000000000000000000' || i, -64, 64)"
	if s.Dialect() == model.DialectPostgres {
		series, from, head = "", "generate_series(1, ?) AS n(i)", "right(repeat('0', 64) || i, 64)"
	}
	// i%10: 0-2 written off, 3 rectifying and overdue, 4-5 rectifying, 6-7 listed,
	// 8 verifying, 9 discovered. Enterprise i%60 is in county (i%60)%3.
	open := "i % 10 BETWEEN 3 AND 8"
	planned := "i % 10 <= 5 OR i % 10 = 8"
	ts, verified := Now.Add(-30*24*time.Hour).UTC(), Now.Add(-3*24*time.Hour).UTC()
	args := []any{ids[0], ts,
		model.NewDate(2026, 11, 10), model.NewDate(2026, 12, 31),
		users[0], ts, ts, users[0], verified, verified,
		model.NewDate(2026, 11, 10), model.NewDate(2026, 12, 31), model.NewDate(2026, 12, 1), model.NewDate(2026, 12, 31),
		ts, ts}
	// The row count's placeholder comes first in SQLite's WITH, last in
	// PostgreSQL's FROM.
	if s.Dialect() == model.DialectPostgres {
		args = append(args, n)
	} else {
		args = append([]any{n}, args...)
	}
	query := series + `INSERT INTO hazards (code, title, description, source, level, industry, region_code, enterprise_id,
			location, discovered_at, state, version, escalation_level, listed_supervision, production_suspended,
			basis_standard, basis_clause, measures, responsible_unit, responsible_person, responsible_phone,
			funds, funds_source, deadline, emergency_plan, created_by, listed_at, planned_at, verified_by, verified_at, closed_at,
			last_seq, chain_head, due_on, next_step_on, created_at, updated_at, region_province, region_city, region_county)
		SELECT 'YH-' || i, '配电箱未接地、临时线路私拉乱接（第' || i || '项）',
			'车间东侧配电箱外壳未做保护接地，临时用电线路沿地面敷设且无防护，存在触电和火灾风险。',
			CASE WHEN i % 3 = 0 THEN 'self_inspection' ELSE 'supervisory_check' END,
			CASE WHEN i % 20 = 0 THEN 'major' ELSE 'general' END, '工贸',
			CASE (i % 60) % 3 WHEN 0 THEN '360102' WHEN 1 THEN '360103' ELSE '360402' END, ? + i % 60,
			'一号车间东侧配电室', ?,
			CASE WHEN i % 10 <= 2 THEN 'written_off' WHEN i % 10 <= 5 THEN 'rectifying' WHEN i % 10 <= 7 THEN 'listed'
				WHEN i % 10 = 8 THEN 'verifying' ELSE 'discovered' END, 3,
			CASE WHEN i % 10 = 3 THEN 2 ELSE 0 END, i % 20 = 0 AND i % 10 <> 9, i % 40 = 0,
			CASE WHEN i % 20 = 0 THEN '《工贸企业重大事故隐患判定标准》' ELSE '' END,
			CASE WHEN i % 20 = 0 THEN '第五条第（二）项' ELSE '' END,
			CASE WHEN i % 10 <= 8 THEN '更换配电箱并做保护接地，临时线路架空敷设并穿管保护，完成后组织验收。' ELSE '' END,
			CASE WHEN i % 10 <= 8 THEN '江西精细化工有限公司设备部' ELSE '' END,
			CASE WHEN ` + planned + ` THEN '王建国' ELSE '' END,
			CASE WHEN ` + planned + ` THEN '13907910000' ELSE '' END,
			CASE WHEN ` + planned + ` THEN (i % 97) * 0.5 ELSE NULL END,
			CASE WHEN ` + planned + ` THEN '企业自筹' ELSE '' END,
			CASE WHEN i % 10 = 3 THEN {date} WHEN ` + planned + ` THEN {date} ELSE NULL END,
			CASE WHEN i % 20 = 0 THEN '设置警戒区域，停用该配电箱，安排专人巡查。' ELSE '' END,
			?, CASE WHEN i % 10 <= 8 THEN {ts} ELSE NULL END, CASE WHEN ` + planned + ` THEN {ts} ELSE NULL END,
			CASE WHEN i % 10 <= 2 THEN {int} ELSE NULL END, CASE WHEN i % 10 <= 2 THEN {ts} ELSE NULL END,
			CASE WHEN i % 10 <= 2 THEN {ts} ELSE NULL END,
			3, ` + head + `,
			CASE WHEN i % 10 = 3 THEN {date} WHEN ` + open + ` THEN {date} ELSE NULL END,
			CASE WHEN i % 10 = 3 THEN {date} WHEN ` + open + ` THEN {date} ELSE NULL END, ?, ?,
			'360000', CASE (i % 60) % 3 WHEN 2 THEN '360400' ELSE '360100' END,
			CASE (i % 60) % 3 WHEN 0 THEN '360102' WHEN 1 THEN '360103' ELSE '360402' END
		FROM ` + from
	// PostgreSQL types a parameter inside CASE as text: cast it there; SQLite's
	// CAST would turn a date into a number.
	casts := strings.NewReplacer("{date}", "?", "{ts}", "?", "{int}", "?")
	if s.Dialect() == model.DialectPostgres {
		casts = strings.NewReplacer("{date}", "CAST(? AS DATE)", "{ts}", "CAST(? AS TIMESTAMPTZ)", "{int}", "CAST(? AS BIGINT)")
	}
	err := s.Exec(ctx, casts.Replace(query), args...)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if s.Dialect() == model.DialectPostgres {
		return s.Exec(ctx, "ANALYZE hazards")
	}
	return nil
}

// WriteImportFile writes the ledger an import benchmark reads: n new rows (no
// 隐患编号) of the directory's enterprises, 40% discovered, 30% rectifying, 30%
// written off, one in twenty major, every column a county fills for that state.
// It is written by the exporter's own encoder.
func WriteImportFile(w io.Writer, n int, tmpDir string) error {
	enc, err := xlsx.NewEncoder(xlsx.Meta{Title: "江西省隐患排查治理台账", ExportedAt: Now}, tmpDir)
	if err != nil {
		return err
	}
	var r xlsx.Row
	for i := 1; i <= n; i++ {
		importRow(&r, i)
		if err := enc.Write(&r); err != nil {
			enc.Abort()
			return err
		}
	}
	return enc.Close(w)
}

func importRow(r *xlsx.Row, i int) {
	name, credit, region := Enterprise(i % Enterprises)
	disc := time.Date(2026, 10, 1+i%28, 9, i%60, 0, 0, model.Shanghai)
	*r = xlsx.Row{
		Title:       fmt.Sprintf("消防通道堆放杂物、应急照明损坏（第%d项）", i),
		Description: "仓库北侧消防通道堆放包装材料，宽度不足1米；二层应急照明灯损坏，断电后不能自动点亮。",
		Source:      model.SourceSupervisoryCheck, Level: model.LevelGeneral, Industry: "工贸",
		RegionCode: region, Enterprise: name, CreditCode: credit, Location: "成品仓库北侧", DiscoveredAt: &disc,
		State: model.StateDiscovered,
	}
	if i%20 == 0 {
		r.Level, r.BasisStandard, r.BasisClause = model.LevelMajor, "《工贸企业重大事故隐患判定标准》", "第四条第（一）项"
	}
	switch i % 10 {
	case 0, 1, 2, 3:
		return
	case 4, 5, 6:
		r.State = model.StateRectifying
	default:
		r.State = model.StateWrittenOff
	}
	funds, suspended := float64(i%97)*0.5, false
	deadline := model.NewDate(2026, 12, 31)
	r.Measures, r.ResponsibleUnit, r.ResponsiblePerson, r.ResponsiblePhone = "清理消防通道并划线，维修更换应急照明灯，建立每日巡查制度。", name, "李卫东", "13907910001"
	r.Funds, r.FundsSource, r.Deadline, r.ProductionSuspended = &funds, "企业自筹", &deadline, &suspended
	if r.Level == model.LevelMajor {
		r.EmergencyPlan = "设置警示标志，安排专人值守，暂停该区域作业。"
	}
	if r.State == model.StateWrittenOff {
		verified := time.Date(2026, 11, 20, 15, 30, 0, 0, model.Shanghai)
		closed := verified.Add(24 * time.Hour)
		r.Verifier, r.VerifiedAt, r.ClosedAt = "赵核查", &verified, &closed
	}
}

// Server is the real HTTP handler over a store, on a local HTTP server, logged in
// as User.
type Server struct {
	URL   string
	srv   *httptest.Server
	token string
}

// Serve starts the handler over s (a store Directory filled) and logs in.
func Serve(ctx context.Context, s *model.Store, blobDir string) (*Server, error) {
	blobs, err := blob.NewDir(blobDir)
	if err != nil {
		return nil, err
	}
	eng := workflow.New(s, workflow.Options{Now: func() time.Time { return Now }, Blobs: blobs,
		ReportKey: []byte("0123456789abcdef0123456789abcdef")})
	h, err := handler.New(eng, ledger.New(s, eng.Hazards, nil), handler.Options{})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(h)
	body, _ := json.Marshal(map[string]string{"username": User, "password": Password})
	resp, err := http.Post(srv.URL+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		srv.Close()
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		srv.Close()
		return nil, fmt.Errorf("login: %d %v", resp.StatusCode, err)
	}
	return &Server{URL: srv.URL, srv: srv, token: out.Token}, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Export downloads GET /api/v1/ledger.xlsx, the whole province, into w and
// returns its size.
func (s *Server) Export(ctx context.Context, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/ledger.xlsx", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("export: %d %s", resp.StatusCode, b)
	}
	return io.Copy(w, resp.Body)
}

// CheckExport fails an export of rows seeded hazards whose file is too small to
// hold them (a seeded row takes about 130 bytes of the archive): a seed that
// misses a column the export's scope filters on exports nothing, and a benchmark
// of an empty file measures nothing.
func CheckExport(rows int, size int64) error {
	if size < int64(rows)*64 {
		return fmt.Errorf("export: %d bytes for %d hazards: rows are missing", size, rows)
	}
	return nil
}

// ImportResult is what POST /api/v1/ledger/import answered.
type ImportResult struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Errors    []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Import uploads file to POST /api/v1/ledger/import and fails unless every row
// was written.
func (s *Server) Import(ctx context.Context, file []byte) (ImportResult, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "全省隐患台账.xlsx")
	if err != nil {
		return ImportResult{}, err
	}
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v1/ledger/import", &body)
	if err != nil {
		return ImportResult{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ImportResult{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("import: %d %.2000s", resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, err
	}
	if res.Created != res.Rows || len(res.Errors) > 0 {
		return res, fmt.Errorf("import: %d rows, %d created, %d errors (first: %+v)", res.Rows, res.Created, len(res.Errors), res.Errors[:min(1, len(res.Errors))])
	}
	return res, nil
}

// Peak samples the Go runtime's memory while a measurement runs.
type Peak struct {
	stop           chan struct{}
	done           sync.WaitGroup
	HeapInuse, Sys uint64 // the highest seen, bytes
	TotalAlloc     uint64 // allocated during the measurement, bytes
	start          uint64
}

// StartPeak starts sampling every 20 ms (after a GC, so that the figure is the
// measurement's, not the garbage of what came before).
func StartPeak() *Peak {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p := &Peak{stop: make(chan struct{}), start: m.TotalAlloc, HeapInuse: m.HeapInuse, Sys: m.Sys}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.sample()
			}
		}
	}()
	return p
}

func (p *Peak) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p.HeapInuse, p.Sys = max(p.HeapInuse, m.HeapInuse), max(p.Sys, m.Sys)
	p.TotalAlloc = m.TotalAlloc - p.start
}

// Stop ends the sampling and takes a last sample.
func (p *Peak) Stop() *Peak {
	close(p.stop)
	p.done.Wait()
	p.sample()
	return p
}

// MiB converts bytes to mebibytes.
func MiB(b uint64) float64 { return float64(b) / (1 << 20) }
