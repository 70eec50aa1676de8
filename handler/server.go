// Package handler is the HTTP face of hazardloop: routes, middleware, binding and
// the one place that turns errors into responses. Handlers are thin: bind, one
// workflow call, render. Business rules live in workflow.
package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hazardloop/ledger"
	"hazardloop/metrics"
	"hazardloop/workflow"
)

// Options configure the HTTP layer.
type Options struct {
	Logger         *slog.Logger
	TrustedProxies []string // addresses whose X-Forwarded-For is believed; none by default
	MaxJSONBytes   int64    // body limit of JSON requests; 1 MiB by default
	Metrics        *metrics.Set
	Open311Keys    []string // when any, POST /open311/v2/requests wants one of them as api_key
}

// Server holds what the handlers need: each workflow service its handlers call,
// and the ledger.
type Server struct {
	hazards       *workflow.Hazards
	supervision   *workflow.Supervision
	reports       *workflow.Reports
	evidence      *workflow.Evidence
	directory     *workflow.Directory
	notifications *workflow.Notifications
	standards     *workflow.Catalogue
	idem          *workflow.Idempotency
	checkpoints   *workflow.Checkpoints
	ledger        *ledger.Service
	checkReady    func(context.Context) error
	log           *slog.Logger
	opts          Options
	pages         *pages
	ui            *ui
}

// New returns the service's HTTP handler over the workflow's services and the
// ledger over them (led).
func New(svc *workflow.Services, led *ledger.Service, o Options) (http.Handler, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxJSONBytes <= 0 {
		o.MaxJSONBytes = 1 << 20
	}
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{hazards: svc.Hazards, supervision: svc.Supervision, reports: svc.Reports, evidence: svc.Evidence,
		directory: svc.Directory, notifications: svc.Notifications, standards: svc.Standards, idem: svc.Idempotency,
		checkpoints: svc.Checkpoints, ledger: led, checkReady: svc.Ready,
		log: o.Logger, opts: o, pages: pg}
	if s.ui, err = newUI(s); err != nil {
		return nil, err
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(o.TrustedProxies); err != nil {
		return nil, err
	}
	r.HandleMethodNotAllowed = true
	r.Use(s.requestID, s.baseHeaders, s.logRequests, s.recover)
	r.NoRoute(browserPage, func(c *gin.Context) { s.fail(c, errRoute) })
	r.NoMethod(browserPage, func(c *gin.Context) { s.fail(c, errMethod) })

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/metrics", gin.WrapH(o.Metrics.Handler()))
	r.GET("/readyz", s.ready)

	s.pageRoutes(r)
	s.open311Routes(r)

	// Every route under /api/v1 is described in openapi.json (one entry per
	// method and path): add its description there with the route, or
	// TestOpenAPIDescribesEveryRoute fails.
	api := r.Group("/api/v1")
	api.GET("/openapi.json", s.openAPI)
	api.POST("/login", s.login)
	api.GET("/public/exposures", s.publicExposures)
	api.GET("/public/regions", s.findRegions)
	api.POST("/public/reports", s.submitReport)
	api.GET("/public/reports/:code", s.reportStatus)
	api.GET("/public/nearby", s.nearbyHint)

	auth := api.Group("", s.authenticate)
	auth.POST("/logout", s.logout)
	auth.GET("/me", s.me)
	auth.GET("/regions", s.listRegions)
	auth.POST("/regions", s.createRegion)
	auth.GET("/departments", s.listDepartments)
	auth.GET("/disaster-types", s.listDisasterTypes)
	auth.GET("/enterprises", s.listEnterprises)
	auth.POST("/enterprises", s.createEnterprise)
	auth.GET("/users", s.listUsers)
	auth.POST("/users", s.createUser)
	auth.PATCH("/users/:id", s.updateUser)
	auth.POST("/users/:id/unlock", s.unlockUser)
	auth.GET("/audit", s.listAudit)
	auth.GET("/hazards", s.listHazards)
	jsonLimit := func() int64 { return s.opts.MaxJSONBytes }
	uploadLimit := func() int64 { return int64(s.evidence.MaxUpload()) + 1<<20 }
	auth.POST("/hazards", s.idempotent(jsonLimit), s.createHazard)
	auth.GET("/hazards/similar", s.similarTo)
	auth.GET("/hazards/:id", s.getHazard)
	auth.GET("/hazards/:id/events", s.listEvents)
	auth.POST("/hazards/:id/events", s.idempotent(jsonLimit), s.fireEvent)
	auth.GET("/hazards/:id/verify", s.verifyChain)
	auth.GET("/hazards/:id/events/:seq/proof", s.eventProof)
	auth.GET("/checkpoints", s.checkpointList)
	auth.GET("/checkpoints/key", s.checkpointKey)
	auth.GET("/checkpoints/:n", s.checkpointNote)
	auth.GET("/checkpoints/:n/consistency", s.checkpointConsistency)
	auth.GET("/hazards/:id/escalations", s.listEscalations)
	auth.GET("/escalations/unreplied", s.unreplied)
	auth.GET("/transfers", s.transfers)
	auth.GET("/supervision/regions", s.ranking)
	auth.GET("/map/counties.svg", s.countyMapSVG)
	auth.GET("/statistics", s.statistics)
	auth.GET("/statistics.xlsx", s.statisticsWorkbook)
	auth.GET("/periodic-reports/draft", s.periodicDraft)
	auth.GET("/periodic-reports", s.listPeriodic)
	auth.POST("/periodic-reports", s.filePeriodic)
	auth.GET("/escalations/:id/document", s.escalationDocument)
	auth.GET("/hazards/:id/records/:kind", s.hazardRecord)
	auth.POST("/region-supervisions", s.issueRegion)
	auth.GET("/region-supervisions", s.listRegionDocuments)
	auth.GET("/region-supervisions/:id", s.getRegionDocument)
	auth.GET("/region-supervisions/:id/document", s.regionDocumentPrint)
	auth.POST("/region-supervisions/:id/sign", s.signRegion)
	auth.POST("/region-supervisions/:id/reply", s.replyRegion)
	auth.POST("/escalations/:id/acknowledge", s.acknowledge)
	auth.POST("/escalations/:id/reply", s.reply)
	auth.POST("/hazards/:id/evidence", s.idempotent(uploadLimit), s.uploadEvidence)
	auth.GET("/hazards/:id/evidence", s.listEvidence)
	auth.GET("/hazards/:id/similar", s.similarHazards)
	auth.GET("/hazards/:id/suggested-clauses", s.suggestedClauses)
	auth.GET("/standards", s.listStandards)
	auth.GET("/standards/:id", s.getStandard)
	auth.PUT("/standards/:id", s.putStandard)
	auth.GET("/evidence/:id", s.downloadEvidence)
	auth.POST("/evidence/:id/withdraw", s.withdrawEvidence)
	auth.GET("/reports", s.listReports)
	auth.GET("/reports/:id/contact", s.reporterContact)
	auth.POST("/reports/:id/extend-check", s.extendCheck)
	auth.POST("/reports/:id/answer", s.answerReporter)
	auth.POST("/reports/:id/reward", s.proposeReward)
	auth.POST("/reports/:id/reward/decision", decideRewardWith(s, s.reports.DecideReward))
	auth.POST("/reports/:id/reward/paid", payRewardWith(s, s.reports.MarkRewardPaid))
	auth.GET("/hazards/:id/avoidances", s.listAvoidances)
	auth.POST("/avoidances/:id/rewards", s.proposeAvoidanceReward)
	auth.POST("/avoidance-rewards/:id/decision", decideRewardWith(s, s.hazards.DecideAvoidanceReward))
	auth.POST("/avoidance-rewards/:id/paid", payRewardWith(s, s.hazards.PayAvoidanceReward))
	auth.GET("/rewards", s.myRewards)
	auth.GET("/feeds/major-hazards", s.majorFeed)
	auth.GET("/outbox", s.listOutbox)
	auth.GET("/notices", s.listNotices)
	auth.POST("/notices/read-all", s.readAllNotices)
	auth.POST("/notices/:id/read", s.readNotice)
	auth.GET("/ladder", s.ladderPolicy)
	auth.GET("/calendars", s.listCalendars)
	auth.PUT("/calendars/:year", s.putCalendar)
	auth.GET("/ledger.xlsx", s.exportLedger)
	auth.GET("/ledger/template.xlsx", s.ledgerTemplate)
	auth.POST("/ledger/import", s.importLedger)
	auth.GET("/ledger/columns", s.ledgerColumns)
	auth.GET("/ledger/imports/:id/errors.xlsx", s.importErrors)
	return r, nil
}

const requestIDKey = "request_id"

// requestID takes a sane X-Request-ID from the client or makes one, and echoes it.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !saneID(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// baseHeaders sets the headers of every answer before its handler runs, so that
// a handler may replace them (static files are cached, HTML pages set their
// own policies): an answer is never stored by a cache nor sniffed as something
// else (JSON with a script in a string), and a browser that reached us over TLS
// (directly, or through a trusted proxy that says so) keeps to it for a year.
func (s *Server) baseHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if s.ui.secure(c.Request) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// logRequests writes one line per request. Client addresses are not logged: they
// are personal data, and the public reporting channel promises anonymity.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.opts.Metrics.Request(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("request_id", c.GetString(requestIDKey)),
		slog.String("method", c.Request.Method),
		slog.String("route", c.FullPath()),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
	)
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.fail(c, panicError{v})
		}
	}()
	c.Next()
}

func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.checkReady(ctx); err != nil {
		s.log.Error("not ready", "request_id", c.GetString(requestIDKey), "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "message": "服务暂不可用"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
