package record

import "context"

// Gate bounds how many Writers store a chunk at the same time.
type Gate struct{ slots chan struct{} }

// NewGate lets n Writers store at once.
func NewGate(n int) *Gate { return &Gate{slots: make(chan struct{}, max(n, 1))} }

func (g *Gate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *Gate) leave() {
	if g != nil {
		<-g.slots
	}
}
