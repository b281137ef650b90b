package apptest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backendtest"
)

// StartNodes starts n Tandem nodes of one installation: one store and one
// blob storage (those backendtest selects), each node with its own data
// dir, spool, listeners and node URL. The first node creates the site and
// the agent; every returned TestServer names them. Fields of cfg that are
// zero get Start's defaults.
func StartNodes(t testing.TB, n int, cfg app.Config, siteOrigin string) []*TestServer {
	t.Helper()
	if n < 1 {
		t.Fatalf("StartNodes(%d): want at least one node", n)
	}
	if cfg.StoreURL == "" && cfg.BlobsURL == "" {
		cfg.StoreURL, cfg.BlobsURL = backendtest.URLs(t, t.TempDir())
	}
	nodes := make([]*TestServer, n)
	for i := range nodes {
		c := cfg
		c.DataDir = t.TempDir()
		c.RecordingSpoolDir = filepath.Join(c.DataDir, fmt.Sprintf("spool-%d", i))
		origin := siteOrigin
		if i > 0 {
			origin = "" // the first node made the site
		}
		nodes[i] = Start(t, c, origin)
		nodes[i].Site, nodes[i].SiteOrigin = nodes[0].Site, nodes[0].SiteOrigin
	}
	return nodes
}
