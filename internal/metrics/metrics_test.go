package metrics

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/record"
)

// Terminal assistance's counts show on /metrics.
func TestTerminalMetrics(t *testing.T) {
	m := New()
	m.TerminalSessions(1)
	m.TerminalSessions(1)
	m.TerminalSessions(-1)
	m.TerminalHelpers(3)
	m.TerminalOutput(1000)
	m.TerminalDelivered(2500)
	m.TerminalResync()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		"tandem_terminal_sessions_live 1",
		"tandem_terminal_helpers 3",
		`tandem_terminal_bytes_total{from="host"} 1000`,
		`tandem_terminal_bytes_total{from="relay"} 2500`,
		"tandem_terminal_resyncs_total 1",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// The recording sweeper's counts show on /metrics.
func TestRecordingSweepMetrics(t *testing.T) {
	m := New()
	m.RecordingSweep(3, 5, 0, nil)
	m.RecordingSweep(0, 1, 2, errors.New("bucket down"))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		"tandem_recordings_expired_total 3",
		"tandem_recordings_deleted_total 6",
		"tandem_recording_delete_failures_total 2",
		`tandem_recording_sweeps_total{result="ok"} 1`,
		`tandem_recording_sweeps_total{result="failed"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// Recording storage's failures and spool show on /metrics.
func TestRecordingMetrics(t *testing.T) {
	m := New()
	var _ record.Events = m
	m.StoreFailed()
	m.StoreFailed()
	m.Spooled(1000)
	m.Spooled(500)
	m.Unspooled(1000, true)
	m.Lost(42)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		"tandem_recording_store_failures_total 2",
		"tandem_recording_spooled_chunks_total 2",
		"tandem_recording_spool_bytes 500",
		"tandem_recording_lost_bytes_total 42",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// The outgoing deliveries' counts show on /metrics.
func TestWebhookMetrics(t *testing.T) {
	m := New()
	m.WebhookAttempt("delivered", 20*time.Millisecond)
	m.WebhookAttempt("retry", 10*time.Second)
	m.WebhookAttempt("delivered", time.Millisecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`tandem_webhook_attempts_total{outcome="delivered"} 2`,
		`tandem_webhook_attempts_total{outcome="retry"} 1`,
		`tandem_webhook_attempts_total{outcome="dead"} 0`,
		"tandem_webhook_attempt_duration_seconds_count 3",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
