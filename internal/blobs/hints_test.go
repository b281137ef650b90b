package blobs

import (
	"context"
	"io"
	"testing"
	"time"
)

// hinted is a Store that answers the optional hints.
type hinted struct {
	Store
	parallel int
	gather   time.Duration
}

func (h hinted) MaxParallel() int         { return h.parallel }
func (h hinted) GatherFor() time.Duration { return h.gather }

// plain is a Store with no hints.
type plain struct{}

func (plain) Put(context.Context, string, io.Reader) error       { return nil }
func (plain) Get(context.Context, string) (io.ReadCloser, error) { return nil, nil }
func (plain) List(context.Context, string) ([]string, error)     { return nil, nil }
func (plain) Delete(context.Context, string) error               { return nil }

func TestHints(t *testing.T) {
	for _, tt := range []struct {
		name     string
		s        Store
		parallel int
		gather   time.Duration
	}{
		{"no hints", plain{}, 1, 5 * time.Second},
		{"object storage", hinted{plain{}, 32, 30 * time.Second}, 32, 30 * time.Second},
		{"nonsense hints", hinted{plain{}, -3, -time.Second}, 1, 5 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaxParallel(tt.s); got != tt.parallel {
				t.Errorf("MaxParallel = %d, want %d", got, tt.parallel)
			}
			if got := GatherFor(tt.s, 5*time.Second); got != tt.gather {
				t.Errorf("GatherFor = %v, want %v", got, tt.gather)
			}
		})
	}
}
