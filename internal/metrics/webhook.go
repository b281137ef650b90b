package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// webhookMetrics are the outgoing deliveries' counts (internal/webhook).
type webhookMetrics struct {
	attempts *prometheus.CounterVec
	latency  prometheus.Histogram
}

func newWebhookMetrics(reg *prometheus.Registry) *webhookMetrics {
	w := &webhookMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_webhook_attempts_total",
			Help: "Attempts at delivering requests to bots, by outcome (delivered; retry: failed, to be tried again; dead: failed for good).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tandem_webhook_attempt_duration_seconds",
			Help:    "How long an attempt at delivering a request to a bot took, its answer read.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 7), // 5ms … 20s (past the 10s timeout)
		}),
	}
	for _, o := range []string{"delivered", "retry", "dead"} {
		w.attempts.WithLabelValues(o) // shown at 0 from the start
	}
	reg.MustRegister(w.attempts, w.latency)
	return w
}

// WebhookAttempt counts one attempt at a delivery to a bot, with its
// outcome ("delivered", "retry" or "dead") and how long it took; it makes
// Metrics a webhook.Observer.
func (m *Metrics) WebhookAttempt(outcome string, d time.Duration) {
	m.webhook.attempts.WithLabelValues(outcome).Inc()
	m.webhook.latency.Observe(d.Seconds())
}
