// Package metrics holds the Prometheus collectors of hazardloop in one registry
// that the command creates and passes down. Every method is safe on a nil *Set, so
// code under test needs none.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Set is the service's collectors.
type Set struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	events        *prometheus.CounterVec
	conflicts     prometheus.Counter
	escalations   *prometheus.CounterVec
	importRows    *prometheus.CounterVec
	sweepDuration prometheus.Histogram
	sweepSteps    prometheus.Counter
	sweepReminds  prometheus.Counter
	outboxLag     prometheus.Gauge
	outboxPending prometheus.Gauge
	signIns       *prometheus.CounterVec
	signInLocks   *prometheus.CounterVec
}

// New registers the collectors (and the Go and process collectors) in a new
// registry.
func New() *Set {
	r := prometheus.NewRegistry()
	s := &Set{
		registry: r,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hazardloop_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hazardloop_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hazardloop_events_total", Help: "Hazard events appended, by event.",
		}, []string{"event"}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hazardloop_conflicts_total", Help: "Events refused for a stale version.",
		}),
		escalations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hazardloop_escalations_total", Help: "Supervision steps taken, by step.",
		}, []string{"step"}),
		importRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hazardloop_import_rows_total", Help: "Ledger import rows, by result.",
		}, []string{"result"}),
		sweepDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hazardloop_sweep_duration_seconds", Help: "Duration of a supervision sweep.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}),
		sweepSteps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hazardloop_sweep_steps_total", Help: "Steps taken by sweeps.",
		}),
		sweepReminds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hazardloop_sweep_reminders_total", Help: "Approaching-deadline reminders (期限临近提醒) recorded by sweeps.",
		}),
		outboxLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hazardloop_outbox_lag_seconds", Help: "Age of the oldest undelivered notification.",
		}),
		outboxPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hazardloop_outbox_pending", Help: "Notifications not yet delivered.",
		}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hazardloop_sign_ins_total", Help: "Sign-ins by outcome: ok, failed, or locked (refused while locked).",
		}, []string{"outcome"}),
		signInLocks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hazardloop_sign_in_locks_total", Help: "Sign-in locks set for guessing, by what was locked: account or address.",
		}, []string{"kind"}),
	}
	r.MustRegister(s.signIns, s.signInLocks, s.requests, s.latency, s.events, s.conflicts, s.escalations, s.importRows,
		s.sweepDuration, s.sweepSteps, s.sweepReminds, s.outboxLag, s.outboxPending,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

// Handler serves the registry in the Prometheus text format.
func (s *Set) Handler() http.Handler {
	if s == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

// Request counts one HTTP request; route is the route pattern, never the raw path.
func (s *Set) Request(route, method string, status int, d time.Duration) {
	if s == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	s.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	s.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// Event counts an appended event.
func (s *Set) Event(event string) {
	if s != nil {
		s.events.WithLabelValues(event).Inc()
	}
}

// Conflict counts an event refused for a stale version.
func (s *Set) Conflict() {
	if s != nil {
		s.conflicts.Inc()
	}
}

// Escalation counts a supervision step taken.
func (s *Set) Escalation(step int) {
	if s != nil {
		s.escalations.WithLabelValues(strconv.Itoa(step)).Inc()
	}
}

// ImportRows counts imported ledger rows by result: created, updated, unchanged,
// skipped (not written: invalid, or refused with the rest of an invalid file).
func (s *Set) ImportRows(result string, n int) {
	if s != nil && n > 0 {
		s.importRows.WithLabelValues(result).Add(float64(n))
	}
}

// Sweep records a sweep: its duration, the ladder steps and the reminders it
// recorded.
func (s *Set) Sweep(d time.Duration, steps, reminders int) {
	if s != nil {
		s.sweepDuration.Observe(d.Seconds())
		s.sweepSteps.Add(float64(steps))
		s.sweepReminds.Add(float64(reminders))
	}
}

// Outbox records the dispatcher's view of undelivered notifications.
func (s *Set) Outbox(pending int, oldest time.Duration) {
	if s != nil {
		s.outboxPending.Set(float64(pending))
		s.outboxLag.Set(oldest.Seconds())
	}
}

// SignIn counts a sign-in by its outcome and the locks its failure set.
func (s *Set) SignIn(outcome string, locked []string) {
	if s == nil {
		return
	}
	s.signIns.WithLabelValues(outcome).Inc()
	for _, k := range locked {
		s.signInLocks.WithLabelValues(k).Inc()
	}
}
