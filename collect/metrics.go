package collect

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are a Collector's Prometheus metrics, in a registry of its own
// (no global state: two Collectors in one process count apart).
type metrics struct {
	reg                                 *prometheus.Registry
	accepted, rejected, refused, stored prometheus.Counter
	storeErrors                         prometheus.Counter
}

func newMetrics(c *Collector) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		x := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "tracegraph", Subsystem: "collect", Name: name, Help: help})
		m.reg.MustRegister(x)
		return x
	}
	m.accepted = counter("spans_accepted_total", "Spans staged and taken for pairing.")
	m.rejected = counter("spans_rejected_total", "Spans rejected as unreadable (OTLP partial success).")
	m.refused = counter("spans_refused_total", "Spans of exports refused with a retryable status (overload, store down).")
	m.stored = counter("events_stored_total", "Events stored.")
	m.storeErrors = counter("store_errors_total", "Failed store writes, each retried.")
	gauge := func(name, help string, f func() float64) {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "tracegraph", Subsystem: "collect", Name: name, Help: help}, f))
	}
	stat := func(f func(s statsView) float64) func() float64 {
		return func() float64 { return f(c.statsView()) }
	}
	counterFunc := func(name, help string, f func() float64) {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "tracegraph", Subsystem: "collect", Name: name, Help: help}, f))
	}
	counterFunc("hops_paired_total", "Hops whose two spans were paired.", stat(func(s statsView) float64 { return float64(s.paired) }))
	counterFunc("spans_expired_total", "Spans of traces paired because they were idle for the window or the window was full.",
		stat(func(s statsView) float64 { return float64(s.expired) }))
	gauge("spans_held", "Spans waiting for their trace to be paired.", stat(func(s statsView) float64 { return float64(s.held) }))
	gauge("store_lag_events", "Events paired and not yet stored.", stat(func(s statsView) float64 { return float64(s.queued) }))
	gauge("store_lag_seconds", "Age of the oldest event paired and not yet stored.", stat(func(s statsView) float64 { return s.lag.Seconds() }))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// statsView is what the gauges read, under the Collector's lock.
type statsView struct {
	paired, expired int64
	held, queued    int
	lag             time.Duration
}

func (c *Collector) statsView() statsView {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.pairer.Stats()
	v := statsView{paired: st.Paired, expired: c.expired, held: c.pairer.Held(), queued: c.queued}
	if c.queue.len() > 0 {
		v.lag = c.opts.Now().Sub(c.queue.at(0).queued)
	}
	return v
}
