// Command hazardloop runs the hazard governance service.
//
//	hazardloop [serve] [flags]   serve HTTP (the default)
//	hazardloop demo [flags]      seed the demo province and exit
//	hazardloop sweep [flags]     take the supervision steps now due, once, and exit (for cron)
//	hazardloop backup --out F    write a consistent copy of the embedded database to F, online
//	hazardloop verify [--checkpoint F.json]
//	                             check every hazard's hash chain and head (and the log against a saved checkpoint); exit 1 naming the first break
//	hazardloop checkpoint        add the new events to the transparency log and sign a checkpoint now
//	hazardloop load [flags]      drive the hazard list with concurrent clients; print throughput and latency
//	hazardloop regions import --file F.csv
//	                             load a table of divisions (code,name,parent_code): adds, renames, never deletes
//
// Every flag has an environment twin (HAZARDLOOP_ plus the flag name in upper case
// with - as _); a flag given on the command line wins over the environment.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hazardloop/blob"
	"hazardloop/demo"
	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/metrics"
	"hazardloop/model"
	"hazardloop/regions"
	"hazardloop/standards"
	"hazardloop/webhook"
	"hazardloop/workflow"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "hazardloop:", err)
		os.Exit(1)
	}
}

// config is every setting of the service.
type config struct {
	Addr           string
	DatabaseURL    string
	DataDir        string
	AdminPassword  string
	SessionTTL     time.Duration
	LogFormat      string
	TrustedProxies string
	Open311Keys    string
	Demo           bool
	SweepInterval  time.Duration
	LadderGeneral  string
	LadderMajor    string
	LadderPlanDays int
	LadderWorking  bool
	LadderReply    string
	RemindDays     int
	TransferDays   int
	VerifyDays     int
	ResumeDays     int
	ladder         workflow.LadderPolicy
	MaxUploadMB    int
	ReportKey      string
	S3             blob.S3Config
	Reports        workflow.ReportPolicy
	Disaster       workflow.DisasterPolicy
	Patrol         workflow.PatrolPolicy
	FloodSeason    string
	PatrolByType   string
	Out            string
	Hazards        int
	File           string
	LoadRegions    bool
	Webhooks       string
	WebhookSecret  string
	SigningKey     string
	Deployment     string
	Checkpoint     string
	demoLocal      bool // --demo without --addr: listening on 127.0.0.1 only
}

func parseConfig(name string, args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("hazardloop "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.DatabaseURL, "database-url", "hazardloop.db", "SQLite file path, sqlite:// URL, or postgres:// URL")
	fs.StringVar(&c.DataDir, "data-dir", "./data", "directory for files (evidence, exports)")
	fs.StringVar(&c.AdminPassword, "admin-password", "", "password of the admin account created on an empty database (random if empty; prefer the environment)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", 12*time.Hour, "how long a login lasts")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated proxy addresses whose X-Forwarded-For is trusted")
	fs.StringVar(&c.Open311Keys, "open311-keys", "", "comma-separated api_keys that POST /open311/v2/requests requires, or @FILE with one key a line (none: no key asked)")
	fs.BoolVar(&c.Demo, "demo", false, "seed a demo province with users of every role and hazards in every state")
	fs.DurationVar(&c.SweepInterval, "sweep-interval", time.Minute, "how often the supervision ladder is swept; 0 turns the background sweeper off (then run hazardloop sweep from cron)")
	d := workflow.DefaultLadder
	fs.StringVar(&c.LadderGeneral, "ladder-general", joinDays(d.General), "days overdue at which a general hazard gets 函告,通报,约谈,曝光")
	fs.StringVar(&c.LadderMajor, "ladder-major", joinDays(d.Major), "days overdue at which a major hazard gets 函告,通报,约谈,曝光")
	fs.IntVar(&c.LadderPlanDays, "ladder-plan-days", d.PlanDays, "days after listing at which a hazard still without a deadline counts as overdue")
	fs.BoolVar(&c.LadderWorking, "ladder-working-days", d.WorkingDays, "count overdue days in working days (holiday calendar) instead of calendar days")
	fs.StringVar(&c.LadderReply, "ladder-reply-days", joinDays(d.ReplyDays), "working days the addressee has to reply to each step")
	fs.IntVar(&c.RemindDays, "remind-days", d.RemindDays, "remind (期限临近提醒, webhook kind deadline_approaching) open hazards due within this many days, once per due day; 0 turns reminders off")
	fs.IntVar(&c.TransferDays, "transfer-days", d.TransferDays, "working days the receiver of a transfer (移交) has to accept or decline it; later it is flagged and notified (webhook kind transfer_pending)")
	fs.IntVar(&c.VerifyDays, "verify-days", d.VerifyDays, "working days a submission may wait for verification; later it is flagged (核实超时) and notified once (webhook kind verify_overdue)")
	fs.IntVar(&c.ResumeDays, "resume-review-days", d.ResumeReviewDays, "days a request to resume production (复产) waits for its on-site review; later it is flagged and notified once (webhook kind resume_review_due)")
	fs.IntVar(&c.MaxUploadMB, "max-upload-mb", workflow.DefaultMaxUpload>>20, "size limit of one evidence file, in MiB")
	fs.StringVar(&c.ReportKey, "report-key", "", "32-byte key (base64 or hex) sealing reporters' contacts; default: made once and kept in <data-dir>/report.key (set it explicitly for several replicas)")
	fs.StringVar(&c.S3.Endpoint, "s3-endpoint", "", "S3-compatible object store host:port for evidence (default: files under <data-dir>/evidence)")
	fs.StringVar(&c.S3.Bucket, "s3-bucket", "hazardloop", "S3 bucket")
	fs.StringVar(&c.S3.AccessKey, "s3-access-key", "", "S3 access key")
	fs.StringVar(&c.S3.SecretKey, "s3-secret-key", "", "S3 secret key (prefer the environment)")
	fs.StringVar(&c.S3.Region, "s3-region", "", "S3 region")
	fs.StringVar(&c.S3.Prefix, "s3-prefix", "evidence/", "prefix of object keys")
	fs.BoolVar(&c.S3.UseSSL, "s3-use-ssl", true, "talk to the object store over TLS")
	fs.StringVar(&c.Out, "out", "", "backup: the file to write")
	fs.StringVar(&c.Webhooks, "webhooks", "", "comma-separated URLs that receive notifications (叫应) as signed JSON")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", "", "HMAC-SHA256 key signing webhook bodies (prefer the environment)")
	fs.StringVar(&c.SigningKey, "signing-key", "", "file holding the Ed25519 note signer key (PRIVATE+KEY+hazardloop/…) that signs the log's checkpoints; default: made once and kept in <data-dir>/signing.key (replicas must share one)")
	fs.StringVar(&c.Deployment, "deployment", "", "the deployment's name: checkpoints' origin, and the signing key's name, is hazardloop/<deployment> (default: the key's name; a key made here is named hazardloop/default)")
	fs.StringVar(&c.Checkpoint, "checkpoint", "", "verify: a checkpoint saved earlier (the JSON of GET /api/v1/checkpoints/{n}) to check the log against")
	fs.StringVar(&c.File, "file", "", "regions import: the CSV table of divisions (code,name,parent_code, UTF-8) to load")
	fs.BoolVar(&c.LoadRegions, "load-regions", true, "on a database without regions, load the shipped table of 江西省's divisions (23,959, down to the village) at start")
	fs.IntVar(&c.Hazards, "hazards", 0, "demo: also seed this many realistic hazards in bulk (a province: 1000000)")
	dp := workflow.DefaultDisasterPolicy
	fs.IntVar(&c.Disaster.MajorPeople, "disaster-major-people", dp.MajorPeople, "a disaster hazard threatening at least this many people is suggested major (灾害隐患建议重大)")
	fs.Float64Var(&c.Disaster.MajorProperty, "disaster-major-property", dp.MajorProperty, "a disaster hazard threatening at least this much property, 万元, is suggested major")
	fs.Float64Var(&c.Disaster.RewardMin, "avoidance-reward-min", dp.RewardMin, "smallest reward for a successful avoidance (成功避险奖励), yuan per person")
	fs.Float64Var(&c.Disaster.RewardMax, "avoidance-reward-max", dp.RewardMax, "largest reward for a successful avoidance, yuan per person")
	pp := workflow.DefaultPatrolPolicy
	fs.IntVar(&c.Patrol.FloodDays, "patrol-days-flood", pp.FloodDays, "days of a disaster hazard's patrol cycle (常态化排查) in the flood season; a missed patrol is flagged once per cycle (webhook kind patrol_due)")
	fs.IntVar(&c.Patrol.Days, "patrol-days", pp.Days, "days of a disaster hazard's patrol cycle outside the flood season")
	fs.StringVar(&c.FloodSeason, "flood-season", pp.SeasonFrom.String()+".."+pp.SeasonTo.String(), "the flood season (汛期), MM-DD..MM-DD, both days included")
	fs.StringVar(&c.PatrolByType, "patrol-days-by-type", "", "per disaster type patrol cycles instead of the two above: type=days or type=flood/other days, comma-separated (geological=15,forest_fire=10,flood=3/20)")
	r := workflow.DefaultReportPolicy
	fs.Float64Var(&c.Reports.RewardRate, "reward-rate", r.RewardRate, "share of the fine paid as a reporter's reward")
	fs.Float64Var(&c.Reports.RewardMin, "reward-min", r.RewardMin, "smallest reward, yuan")
	fs.Float64Var(&c.Reports.RewardMax, "reward-max", r.RewardMax, "largest reward, yuan")
	fs.IntVar(&c.Reports.AnswerDays, "report-answer-days", r.AnswerDays, "days after the check within which the reporter hears the outcome")
	fs.IntVar(&c.Reports.CheckDays, "report-check-days", r.CheckDays, "days after intake after which an unchecked report is flagged")
	fs.IntVar(&c.Reports.CheckDaysMax, "report-check-days-max", r.CheckDaysMax, "longest check period after an extension, days")
	fs.IntVar(&c.Reports.IntakePerWindow, "intake-limit", r.IntakePerWindow, "public reports one client address may send per intake window")
	fs.DurationVar(&c.Reports.IntakeWindow, "intake-window", r.IntakeWindow, "the window of --intake-limit")
	fs.IntVar(&c.Reports.HintPerWindow, "hint-limit", r.HintPerWindow, "duplicate hints (附近类似问题) the public report page may ask per client address per intake window")
	// The environment twins become the defaults, so that flags given win.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		env := "HAZARDLOOP_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := f.Value.Set(v); err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s: %w", env, err))
			}
			f.DefValue = f.Value.String()
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// The demo's accounts have a known password: it listens on this machine
	// only unless --addr (or HAZARDLOOP_ADDR) says otherwise.
	_, addrGiven := os.LookupEnv("HAZARDLOOP_ADDR")
	fs.Visit(func(f *flag.Flag) { addrGiven = addrGiven || f.Name == "addr" })
	if c.Demo && !addrGiven {
		c.Addr, c.demoLocal = "127.0.0.1:8080", true
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	var err error
	c.ladder = workflow.LadderPolicy{PlanDays: c.LadderPlanDays, WorkingDays: c.LadderWorking, RemindDays: c.RemindDays, TransferDays: c.TransferDays, VerifyDays: c.VerifyDays, ResumeReviewDays: c.ResumeDays}
	if c.ladder.General, err = workflow.ParseThresholds(c.LadderGeneral); err != nil {
		return nil, fmt.Errorf("--ladder-general: %w", err)
	}
	if c.ladder.Major, err = workflow.ParseThresholds(c.LadderMajor); err != nil {
		return nil, fmt.Errorf("--ladder-major: %w", err)
	}
	if c.ladder.ReplyDays, err = parseDays(c.LadderReply); err != nil {
		return nil, fmt.Errorf("--ladder-reply-days: %w", err)
	}
	if err := c.ladder.Validate(); err != nil {
		return nil, fmt.Errorf("ladder settings: %w", err)
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 1024 {
		return nil, fmt.Errorf("--max-upload-mb must be between 1 and 1024")
	}
	if c.Disaster.MajorPeople < 1 || c.Disaster.MajorProperty <= 0 {
		return nil, fmt.Errorf("--disaster-major-people must be at least 1 and --disaster-major-property above 0")
	}
	if c.Disaster.RewardMin < 0 || c.Disaster.RewardMax <= 0 || c.Disaster.RewardMax < c.Disaster.RewardMin {
		return nil, fmt.Errorf("--avoidance-reward-min must be at least 0 and --avoidance-reward-max above 0 and not below it")
	}
	if c.Patrol.SeasonFrom, c.Patrol.SeasonTo, err = workflow.ParseFloodSeason(c.FloodSeason); err != nil {
		return nil, fmt.Errorf("--flood-season: %w", err)
	}
	if c.Patrol.ByType, err = workflow.ParsePatrolDaysByType(c.PatrolByType); err != nil {
		return nil, fmt.Errorf("--patrol-days-by-type: %w", err)
	}
	if err := c.Patrol.Validate(); err != nil {
		return nil, fmt.Errorf("--patrol-days, --patrol-days-flood: %w", err)
	}
	if r := c.Reports; r.RewardRate <= 0 || r.RewardRate > 1 || r.RewardMin < 0 || r.RewardMax < r.RewardMin ||
		r.AnswerDays < 1 || r.CheckDays < 1 || r.CheckDaysMax < r.CheckDays || r.IntakePerWindow < 1 || r.HintPerWindow < 1 || r.IntakeWindow < time.Second {
		return nil, fmt.Errorf("report settings are inconsistent: %+v", r)
	}
	return c, nil
}

// open311Keys reads --open311-keys: a comma-separated list, or @FILE naming a
// file of one key a line (so that keys stay out of the process list).
func open311Keys(v string) ([]string, error) {
	if !strings.HasPrefix(v, "@") {
		return splitList(v), nil
	}
	b, err := os.ReadFile(v[1:])
	if err != nil {
		return nil, fmt.Errorf("--open311-keys: %w", err)
	}
	keys := splitList(strings.ReplaceAll(string(b), "\n", ","))
	if len(keys) == 0 {
		return nil, fmt.Errorf("--open311-keys: %s holds no key", v[1:])
	}
	return keys, nil
}

// splitList reads a comma-separated setting.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinDays(d [4]int) string { return fmt.Sprintf("%d,%d,%d,%d", d[0], d[1], d[2], d[3]) }

func parseDays(s string) ([4]int, error) {
	var out [4]int
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return out, fmt.Errorf("want four day counts like 5,5,5,10, got %q", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return out, fmt.Errorf("want four day counts like 5,5,5,10, got %q", s)
		}
		out[i] = n
	}
	return out, nil
}

// run is main without the process: tests call it with their own arguments, output
// and a channel that receives the address once the server listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, listening chan<- string) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "load":
		return runLoad(ctx, args, stdout, stderr)
	case "regions":
		if len(args) == 0 || args[0] != "import" {
			return errors.New("usage: hazardloop regions import --file F.csv")
		}
		args = args[1:]
	case "serve", "demo", "sweep", "backup", "verify", "checkpoint":
	default:
		return fmt.Errorf("unknown command %q (want serve, demo, sweep, backup, verify, checkpoint, load or regions)", cmd)
	}
	cfg, err := parseConfig(cmd, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := newLogger(cfg.LogFormat, stderr)

	store, err := model.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if cmd == "backup" {
		if cfg.Out == "" {
			return errors.New("backup needs --out FILE")
		}
		if err := store.Backup(ctx, cfg.Out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已备份到 %s\n", cfg.Out)
		return nil
	}
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	key, err := reportKey(cfg)
	if err != nil {
		return err
	}
	// verify makes no key: without one it checks a saved checkpoint against
	// the verifier key the database recorded.
	signer, vkey, err := signingKey(cfg, cmd != "verify")
	if err != nil {
		return err
	}
	if signer == nil {
		k, err := store.LoggedKey(ctx)
		if err != nil {
			return err
		}
		vkey = k.Verifier
	}
	met := metrics.New()
	svc := workflow.New(store, workflow.Options{SessionTTL: cfg.SessionTTL, Ladder: cfg.ladder,
		Blobs: blobs, MaxUpload: cfg.MaxUploadMB << 20, ReportKey: key, Reports: cfg.Reports, Disaster: cfg.Disaster, Patrol: cfg.Patrol, Metrics: met,
		Webhooks: splitList(cfg.Webhooks), Signer: signer, VerifierKey: vkey})
	if cmd == "verify" {
		return runVerify(ctx, cfg, store, svc, extraChecks(store), stdout)
	}
	if err := svc.Checkpoints.EnsureKey(ctx); err != nil {
		if errors.Is(err, model.ErrKeyMismatch) {
			return fmt.Errorf("refusing to start: this replica signs checkpoints with another key than the one the database's log was first signed with, so its checkpoints could not be checked against the published key (本实例的签名密钥与数据库登记的不同，拒绝启动；各实例须使用同一 --signing-key): %w", err)
		}
		return err
	}
	if cmd == "checkpoint" {
		return runCheckpoint(ctx, svc, stdout)
	}
	if err := svc.Supervision.LoadCalendars(ctx); err != nil {
		return err
	}
	if err := svc.Hazards.EnsureSummaries(ctx); err != nil {
		return fmt.Errorf("dashboard counts: %w", err)
	}
	if cmd == "regions" {
		return importRegions(ctx, svc, cfg.File, stdout)
	}
	if cfg.LoadRegions && cmd != "sweep" {
		if err := loadShippedRegions(ctx, svc, store, stdout); err != nil {
			return fmt.Errorf("regions: %w", err)
		}
	}
	if cmd != "sweep" {
		if n, err := svc.Standards.LoadShipped(ctx, standards.Shipped()); err != nil {
			return fmt.Errorf("standards: %w", err)
		} else if n > 0 {
			fmt.Fprintf(stdout, "已载入判定标准 %d 部（重大事故隐患判定标准、地质灾害险情分级）\n", n)
		}
	}
	sweeper := &workflow.Sweeper{Supervision: svc.Supervision, Interval: cfg.SweepInterval, Log: log, Checkpoints: svc.Checkpoints}
	if cmd == "sweep" {
		res, err := sweeper.SweepOnce(ctx, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "督办巡查完成：升级 %d 次，期限临近提醒 %d 条，巡查逾期 %d 条，%d 个事务，最长事务 %s，用时 %s\n", res.Steps, res.Reminders, res.Patrols, res.Batches, res.Longest, res.Duration)
		return nil
	}

	pw, created, err := svc.Directory.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	if created && cfg.AdminPassword == "" {
		// Printed once, to the operator's terminal, never into the log.
		fmt.Fprintf(stdout, "已创建管理员账号 admin，初始密码：%s（仅显示这一次，请登录后妥善保管）\n", pw)
	}
	// The ladder is configuration: a start with another policy is a change
	// of it, recorded in the audit log.
	if _, err := svc.Supervision.RecordLadder(ctx); err != nil {
		return fmt.Errorf("audit ladder policy: %w", err)
	}
	if cfg.Demo || cmd == "demo" {
		if err := demo.Province(ctx, svc, stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if cfg.Hazards > 0 {
			start := time.Now()
			last := time.Now()
			err := demo.Hazards(ctx, svc, store, cfg.Hazards, func(done, total int) {
				if time.Since(last) > 5*time.Second || done == total {
					last = time.Now()
					fmt.Fprintf(stdout, "已生成 %d / %d 条隐患（%s）\n", done, total, time.Since(start).Round(time.Second))
				}
			})
			if err != nil {
				return fmt.Errorf("demo --hazards: %w", err)
			}
		}
	}
	if cmd == "demo" {
		return nil
	}
	if cfg.SweepInterval > 0 {
		sweepCtx, stopSweep := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); sweeper.Run(sweepCtx) }()
		defer func() { stopSweep(); <-done }()
	}
	if cfg.Webhooks != "" {
		if cfg.WebhookSecret == "" {
			return errors.New("--webhooks needs --webhook-secret (HAZARDLOOP_WEBHOOK_SECRET) to sign what it sends")
		}
		d := &webhook.Dispatcher{Outbox: svc.Notifications, Secret: []byte(cfg.WebhookSecret), Log: log}
		dctx, stopDispatch := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); d.Run(dctx) }()
		defer func() { stopDispatch(); <-done }()
	}
	return serve(ctx, cfg, svc, ledger.New(store, svc.Hazards, met), met, log, listening)
}

// cliAdmin is who the command line acts as.
var cliAdmin = workflow.Actor{Name: "命令行", Role: model.RoleAdmin}

// importRegions loads the table in file and prints what changed.
func importRegions(ctx context.Context, svc *workflow.Services, file string, stdout io.Writer) error {
	if file == "" {
		return errors.New("regions import needs --file F.csv (columns code,name,parent_code)")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	res, err := svc.Directory.ImportRegions(ctx, cliAdmin, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s（用时 %s）\n", res, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadShippedRegions loads the shipped table of 江西省 into a database that has
// no regions: a real first start. It is a step of the command, not of opening
// the store, so that tests keep their own small sets of regions. Replicas
// starting together on PostgreSQL may race: the loser finds the regions there.
func loadShippedRegions(ctx context.Context, svc *workflow.Services, store *model.Store, stdout io.Writer) error {
	if n, err := store.CountRegions(ctx); err != nil || n > 0 {
		return err
	}
	start := time.Now()
	res, err := svc.Directory.ImportRegions(ctx, cliAdmin, regions.Jiangxi())
	if err != nil {
		if n, cerr := store.CountRegions(ctx); cerr == nil && n > 0 {
			return nil
		}
		return err
	}
	fmt.Fprintf(stdout, "首次启动：已载入%s %d 个（用时 %s）\n", regions.JiangxiName, res.Added, time.Since(start).Round(time.Millisecond))
	return nil
}

// openBlobs is where evidence files go: the S3-compatible store when configured,
// so that replicas share files, else a directory under the data dir.
func openBlobs(ctx context.Context, cfg *config) (workflow.Blobs, error) {
	if cfg.S3.Endpoint != "" {
		return blob.NewS3(ctx, cfg.S3)
	}
	return blob.NewDir(filepath.Join(cfg.DataDir, "evidence"))
}

// reportKey decodes --report-key, or keeps a key of its own in the data dir:
// enough for one process; several replicas must share one explicit key.
func reportKey(cfg *config) ([]byte, error) {
	decode := func(s string) ([]byte, error) {
		s = strings.TrimSpace(s)
		if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
		if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
		return nil, errors.New("the report key must be 32 bytes, in hex or base64")
	}
	if cfg.ReportKey != "" {
		return decode(cfg.ReportKey)
	}
	path := filepath.Join(cfg.DataDir, "report.key")
	if b, err := os.ReadFile(path); err == nil {
		return decode(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("keep report key: %w", err)
	}
	return k, nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func serve(ctx context.Context, cfg *config, svc *workflow.Services, led *ledger.Service, met *metrics.Set, log *slog.Logger, listening chan<- string) error {
	keys, err := open311Keys(cfg.Open311Keys)
	if err != nil {
		return err
	}
	h, err := handler.New(svc, led, handler.Options{Logger: log, TrustedProxies: splitList(cfg.TrustedProxies), Metrics: met,
		Open311Keys: keys})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	log.Info("listening", "addr", ln.Addr().String())
	if cfg.demoLocal {
		log.Warn("demo accounts have a known password: listening on 127.0.0.1 only; give --addr to listen elsewhere")
	}
	if listening != nil {
		listening <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
