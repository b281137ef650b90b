package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/store"
)

// tandem site set --pickup-timeout sets how long people wait before they
// are offered to leave a message; a bad value is refused and changes nothing.
func TestSitePickupTimeout(t *testing.T) {
	dir := newDataDir(t)
	key := addSite(t, dir, "Shop")
	stored := func() time.Duration {
		t.Helper()
		db, err := backend.OpenStore(context.Background(), backend.SQLiteURL(filepath.Join(dir, app.DBFile)))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		site, err := db.SiteByKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.PickupTimeout(context.Background(), site.ID)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := stored(); d != store.DefaultPickupTimeout {
		t.Fatalf("a new site's pick-up time is %v", d)
	}
	for _, c := range []struct {
		arg, out string
		ok       bool
		want     time.Duration
	}{
		{"90s", "after 1m30s without an agent", true, 90 * time.Second},
		{"-1s", "pick-up time -1s", false, 90 * time.Second},
		{"25h", "pick-up time 25h0m0s", false, 90 * time.Second},
		{"soon", "invalid value", false, 90 * time.Second},
		{"0", "without being told", true, 0},
	} {
		stdout, stderr, err := tandemCmd(t, dir, "", "site", "set", key, "--pickup-timeout", c.arg)
		if msg := stdout + stderr + errText(err); (err == nil) != c.ok || !strings.Contains(msg, c.out) {
			t.Errorf("--pickup-timeout %s: err %v, printed %q %q; want ok=%v and %q", c.arg, err, stdout, stderr, c.ok, c.out)
		}
		if d := stored(); d != c.want {
			t.Errorf("after --pickup-timeout %s the pick-up time is %v, want %v", c.arg, d, c.want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
