package app

import (
	"testing"

	"github.com/tandemhq/tandem/internal/pgtest"
)

// TestMain runs the suite on the backends internal/backendtest selects; a
// PostgreSQL the tests started stops with them.
func TestMain(m *testing.M) { pgtest.Main(m) }
