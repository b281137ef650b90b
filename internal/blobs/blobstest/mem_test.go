package blobstest

import (
	"testing"

	"github.com/tandemhq/tandem/internal/blobs"
)

func TestMemStore(t *testing.T) {
	Run(t, func(*testing.T) blobs.Store { return NewMemStore() })
}
