package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/pgtest"
)

func TestPing(t *testing.T) {
	db := openTemp(t)
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	db.Close()
	if err := db.Ping(t.Context()); err == nil {
		t.Fatal("Ping on a closed store succeeded")
	}
}

// TestServerRestartUnderStore is PostgreSQL restarted under a running
// store: calls while it is down fail with an error that says what failed
// and that the database cannot be reached (tandem.EUnavailable, a 503),
// and once it is back calls succeed again on the same DB, without
// reopening it.
func TestServerRestartUnderStore(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	db, err := Open(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := db.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	down, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = db.SiteByID(down, site.ID)
	if err == nil {
		t.Fatal("SiteByID succeeded with the server down")
	}
	if !strings.Contains(err.Error(), "site by id") || tandem.ErrorCode(err) != tandem.EUnavailable {
		t.Errorf("SiteByID with the server down: %v; want an unavailable error saying what failed", err)
	}
	if msg := tandem.ErrorMessage(err); !strings.Contains(msg, "database cannot be reached") {
		t.Errorf("SiteByID with the server down shows %q", msg)
	}
	if err := db.AppendAudit(down, &tandem.AuditEntry{SessionID: "s", Actor: "system", Action: "while-down"}); tandem.ErrorCode(err) != tandem.EUnavailable {
		t.Errorf("AppendAudit with the server down: %v; want an unavailable error", err)
	}
	if err := db.Ping(down); err == nil {
		t.Error("Ping succeeded with the server down")
	}

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// The first call may still meet a connection from before the restart;
	// it fails clearly or succeeds. The one after it succeeds.
	if _, err := db.SiteByID(ctx, site.ID); err != nil && !strings.Contains(err.Error(), "site by id") {
		t.Errorf("the first call after the restart: %v; want success or an error saying what failed", err)
	}
	got, err := db.SiteByID(ctx, site.ID)
	if err != nil {
		t.Fatalf("a call after the restart: %v", err)
	}
	if got.Name != "Shop" {
		t.Errorf("after the restart the site reads %+v", got)
	}
	if err := db.AppendAudit(ctx, &tandem.AuditEntry{SessionID: "s", Actor: "system", Action: "after-restart"}); err != nil {
		t.Errorf("a write after the restart: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping after the restart: %v", err)
	}
}

// TestOpenErrorHidesPassword: a server that cannot be reached is a clear
// error at Open, which names the URL without its password.
func TestOpenErrorHidesPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Port 1 on the loopback: nothing listens there.
	_, err := Open(ctx, "postgres://tandem:s3cret-word@127.0.0.1:1/tandem?sslmode=disable&connect_timeout=5")
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-word") {
		t.Errorf("Open's error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "open store postgres://tandem:xxxxx@127.0.0.1:1/tandem") {
		t.Errorf("Open's error = %v, want it to name the store's URL", err)
	}
	for _, bad := range []string{"postgres://[::1", "mysql://x@y/z"} {
		if _, err := Open(ctx, bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}
