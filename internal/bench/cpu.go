package bench

import (
	"sync"
	"time"
)

// cpuMeter measures the CPU time this process uses over a span of time.
type cpuMeter struct {
	mu   sync.Mutex
	cpu0 time.Duration
	t0   time.Time
	ok   bool
}

func (m *cpuMeter) start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cpu0, m.ok = processCPU()
	m.t0 = time.Now()
}

// perSecond returns the CPU time used since start per second of wall time
// (1.0 is one core busy), or 0 if unknown or not started.
func (m *cpuMeter) perSecond() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	cpu1, ok := processCPU()
	wall := time.Since(m.t0)
	if !m.ok || !ok || wall <= 0 {
		return 0
	}
	return (cpu1 - m.cpu0).Seconds() / wall.Seconds()
}
