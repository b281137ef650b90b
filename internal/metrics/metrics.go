// Package metrics exposes Tandem's Prometheus metrics. It owns a registry
// (no global state) and implements the small observer interfaces that the
// capability packages declare.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every metric Tandem reports.
type Metrics struct {
	reg *prometheus.Registry

	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	channels     *prometheus.GaugeVec
	framesIn     prometheus.Counter
	bytesIn      prometheus.Counter
	duplicates   prometheus.Counter
	slowReaders  prometheus.Counter
	assistsLive  prometheus.Gauge
	assistsTotal prometheus.Counter

	terminalsLive   prometheus.Gauge
	terminalHelpers prometheus.Gauge
	terminalBytes   *prometheus.CounterVec
	terminalIn      prometheus.Counter // terminalBytes{from="host"}, looked up once
	terminalOut     prometheus.Counter // terminalBytes{from="relay"}
	terminalResyncs prometheus.Counter

	sweep             *sweepMetrics
	webhook           *webhookMetrics
	recordingFailures prometheus.Counter
	recordingSpooled  prometheus.Counter
	recordingSpool    prometheus.Gauge
	recordingLost     prometheus.Counter
}

// New registers Tandem's metrics and the Go runtime's on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tandem_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8),
		}, []string{"route"}),
		channels: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tandem_channels_open", Help: "Open WebSocket channels by kind (person, agent).",
		}, []string{"kind"}),
		framesIn:     counter("tandem_assist_frames_total", "Data frames accepted from people's pages."),
		bytesIn:      counter("tandem_assist_frame_bytes_total", "Bytes of data frames accepted."),
		duplicates:   counter("tandem_assist_duplicate_frames_total", "Resent frames dropped as duplicates after a reconnect."),
		slowReaders:  counter("tandem_assist_slow_readers_total", "Agent channels cut off for falling behind."),
		assistsLive:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_assists_live", Help: "Assists in the live state."}),
		assistsTotal: counter("tandem_assists_started_total", "Assists that went live."),

		terminalsLive:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_terminal_sessions_live", Help: "Terminal sessions being shared."}),
		terminalHelpers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_terminal_helpers", Help: "Helpers attached to terminal sessions (SSH and web)."}),
		terminalBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_terminal_bytes_total", Help: "Terminal output relayed: read from hosts (from=host) and written to helpers (from=relay).",
		}, []string{"from"}),
		terminalResyncs: counter("tandem_terminal_resyncs_total", "Helpers skipped ahead to the current screen for not keeping up."),

		recordingFailures: counter("tandem_recording_store_failures_total", "Recording chunks that blob storage failed to store, or to store in time."),
		recordingSpooled:  counter("tandem_recording_spooled_chunks_total", "Recording chunks put in the local spool to wait for blob storage."),
		recordingSpool:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_recording_spool_bytes", Help: "Bytes of recording chunks waiting in the local spool."}),
		recordingLost:     counter("tandem_recording_lost_bytes_total", "Recorded bytes that could not be stored and are missing from recordings."),
	}
	m.reg.MustRegister(m.requests, m.latency, m.channels, m.framesIn, m.bytesIn, m.duplicates,
		m.slowReaders, m.assistsLive, m.assistsTotal,
		m.terminalsLive, m.terminalHelpers, m.terminalBytes, m.terminalResyncs,
		m.recordingFailures, m.recordingSpooled, m.recordingSpool, m.recordingLost,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.terminalIn = m.terminalBytes.WithLabelValues("host")
	m.terminalOut = m.terminalBytes.WithLabelValues("relay")
	m.sweep = newSweepMetrics(m.reg)
	m.webhook = newWebhookMetrics(m.reg)
	return m
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Request counts one HTTP request.
func (m *Metrics) Request(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// Channel counts WebSocket channels opening (+1) and closing (-1).
func (m *Metrics) Channel(kind string, delta int) {
	m.channels.WithLabelValues(kind).Add(float64(delta))
}

// FrameIn counts an accepted data frame.
func (m *Metrics) FrameIn(bytes int) {
	m.framesIn.Inc()
	m.bytesIn.Add(float64(bytes))
}

// FrameDuplicate counts a resent frame that was dropped.
func (m *Metrics) FrameDuplicate() { m.duplicates.Inc() }

// SlowReader counts a reader cut off for falling behind.
func (m *Metrics) SlowReader() { m.slowReaders.Inc() }

// AssistStarted counts an assist going live.
func (m *Metrics) AssistStarted() {
	m.assistsLive.Inc()
	m.assistsTotal.Inc()
}

// AssistEnded counts a live assist ending.
func (m *Metrics) AssistEnded() { m.assistsLive.Dec() }

// TerminalSessions counts terminal sessions starting (+1) and ending (-1).
func (m *Metrics) TerminalSessions(delta int) { m.terminalsLive.Add(float64(delta)) }

// TerminalHelpers counts helpers attaching (+1) and leaving (-1).
func (m *Metrics) TerminalHelpers(delta int) { m.terminalHelpers.Add(float64(delta)) }

// TerminalOutput counts bytes of the hosts' terminal output.
func (m *Metrics) TerminalOutput(n int) { m.terminalIn.Add(float64(n)) }

// TerminalDelivered counts bytes of terminal output written to helpers.
func (m *Metrics) TerminalDelivered(n int) { m.terminalOut.Add(float64(n)) }

// TerminalResync counts a helper skipped ahead for not keeping up.
func (m *Metrics) TerminalResync() { m.terminalResyncs.Inc() }

// The methods below make Metrics a record.Events.

// StoreFailed counts a recording chunk that storage failed to store.
func (m *Metrics) StoreFailed() { m.recordingFailures.Inc() }

// Spooled counts a chunk of n bytes put in the recording spool.
func (m *Metrics) Spooled(n int64) {
	m.recordingSpooled.Inc()
	m.recordingSpool.Add(float64(n))
}

// Unspooled counts a chunk of n bytes leaving the spool: stored, or
// (stored false) refused by the store for good, which Lost counts.
func (m *Metrics) Unspooled(n int64, _ bool) { m.recordingSpool.Sub(float64(n)) }

// Lost counts recorded bytes that will never be stored.
func (m *Metrics) Lost(n int64) { m.recordingLost.Add(float64(n)) }
