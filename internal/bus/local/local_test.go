package local

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/bustest"
)

func TestConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T, n int) []bus.Bus {
		b := New()
		t.Cleanup(func() { b.Close(context.Background()) })
		out := make([]bus.Bus, n)
		for i := range out {
			out[i] = b
		}
		return out
	})
}
