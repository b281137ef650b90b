package metrics

import "github.com/prometheus/client_golang/prometheus"

// sweepMetrics are the recording sweeper's counts (internal/retention).
type sweepMetrics struct {
	expired prometheus.Counter
	deleted prometheus.Counter
	failed  prometheus.Counter
	rounds  *prometheus.CounterVec
}

func newSweepMetrics(reg *prometheus.Registry) *sweepMetrics {
	s := &sweepMetrics{
		expired: counter("tandem_recordings_expired_total", "Recordings whose site's retention ran out, queued for deletion."),
		deleted: counter("tandem_recordings_deleted_total", "Recordings whose blobs were deleted (retention, or their assist or site removed)."),
		failed:  counter("tandem_recording_delete_failures_total", "Recording deletes that failed; each stays queued and is retried next round."),
		rounds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_recording_sweeps_total", Help: "Rounds of the recording sweeper, by result (ok, failed).",
		}, []string{"result"}),
	}
	reg.MustRegister(s.expired, s.deleted, s.failed, s.rounds)
	return s
}

// RecordingSweep counts one round of the recording sweeper; err is the
// round's error, nil when it did all it had to.
func (m *Metrics) RecordingSweep(expired, deleted, failed int, err error) {
	m.sweep.expired.Add(float64(expired))
	m.sweep.deleted.Add(float64(deleted))
	m.sweep.failed.Add(float64(failed))
	result := "ok"
	if err != nil {
		result = "failed"
	}
	m.sweep.rounds.WithLabelValues(result).Inc()
}
