// Command hazardloop runs the hazard governance service.
//
//	hazardloop [serve] [flags]   serve HTTP (the default)
//	hazardloop demo [flags]      seed the demo province and exit
//	hazardloop sweep [flags]     take the supervision steps now due, once, and exit (for cron)
//
// Every flag has an environment twin (HAZARDLOOP_ plus the flag name in upper case
// with - as _); a flag given on the command line wins over the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hazardloop/handler"
	"hazardloop/model"
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
	Demo           bool
	SweepInterval  time.Duration
	LadderGeneral  string
	LadderMajor    string
	LadderPlanDays int
	LadderWorking  bool
	LadderReply    string
	ladder         workflow.LadderPolicy
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
	fs.BoolVar(&c.Demo, "demo", false, "seed a demo province with users of every role and hazards in every state")
	fs.DurationVar(&c.SweepInterval, "sweep-interval", time.Minute, "how often the supervision ladder is swept; 0 turns the background sweeper off (then run hazardloop sweep from cron)")
	d := workflow.DefaultLadder
	fs.StringVar(&c.LadderGeneral, "ladder-general", joinDays(d.General), "days overdue at which a general hazard gets 函告,通报,约谈,曝光")
	fs.StringVar(&c.LadderMajor, "ladder-major", joinDays(d.Major), "days overdue at which a major hazard gets 函告,通报,约谈,曝光")
	fs.IntVar(&c.LadderPlanDays, "ladder-plan-days", d.PlanDays, "days after listing at which a hazard still without a deadline counts as overdue")
	fs.BoolVar(&c.LadderWorking, "ladder-working-days", d.WorkingDays, "count overdue days in working days (holiday calendar) instead of calendar days")
	fs.StringVar(&c.LadderReply, "ladder-reply-days", joinDays(d.ReplyDays), "working days the addressee has to reply to each step")
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
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	var err error
	c.ladder = workflow.LadderPolicy{PlanDays: c.LadderPlanDays, WorkingDays: c.LadderWorking}
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
	return c, nil
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
	case "serve", "demo", "sweep":
	default:
		return fmt.Errorf("unknown command %q (want serve, demo or sweep)", cmd)
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
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	engine := workflow.New(store, workflow.Options{SessionTTL: cfg.SessionTTL, Ladder: cfg.ladder})
	if err := engine.LoadCalendars(ctx); err != nil {
		return err
	}
	sweeper := &workflow.Sweeper{Engine: engine, Interval: cfg.SweepInterval, Log: log}
	if cmd == "sweep" {
		res, err := sweeper.SweepOnce(ctx, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "督办巡查完成：升级 %d 次，%d 个事务，最长事务 %s，用时 %s\n", res.Steps, res.Batches, res.Longest, res.Duration)
		return nil
	}

	pw, created, err := engine.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	if created && cfg.AdminPassword == "" {
		// Printed once, to the operator's terminal, never into the log.
		fmt.Fprintf(stdout, "已创建管理员账号 admin，初始密码：%s（仅显示这一次，请登录后妥善保管）\n", pw)
	}
	if cfg.Demo || cmd == "demo" {
		if err := seedDemo(ctx, engine, stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
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
	return serve(ctx, cfg, engine, log, listening)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func serve(ctx context.Context, cfg *config, engine *workflow.Engine, log *slog.Logger, listening chan<- string) error {
	var proxies []string
	for _, p := range strings.Split(cfg.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			proxies = append(proxies, p)
		}
	}
	h, err := handler.New(engine, handler.Options{Logger: log, TrustedProxies: proxies})
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
