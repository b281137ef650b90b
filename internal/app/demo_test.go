package app

import (
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/internal/screenmap"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// The demo site is made with the canvas app's screen mapping, so that
// /native.html shows its elements to agents out of the box; a start on the
// same data keeps what an admin set since.
func TestDemoSiteHasTheCanvasAppsMapping(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	info, err := seedDemo(ctx, db, dir, "http://127.0.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	site, err := db.SiteByKey(ctx, info.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	if site.ScreenMapping == "" {
		t.Fatal("the demo site has no screen mapping")
	}
	if again, err := screenmap.Check([]byte(site.ScreenMapping)); err != nil || again != site.ScreenMapping {
		t.Fatalf("the demo's mapping does not check as stored: %q, %v", again, err)
	}
	site.ScreenMapping = ""
	if err := db.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	if _, err := seedDemo(ctx, db, dir, "http://127.0.0.1:7001"); err != nil {
		t.Fatal(err)
	}
	if site, err = db.SiteByKey(ctx, info.SiteKey); err != nil || site.ScreenMapping != "" {
		t.Fatalf("a later start changed the admin's mapping: %q, %v", site.ScreenMapping, err)
	}
}
