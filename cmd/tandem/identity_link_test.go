package main

import (
	"context"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/store"
)

// Agents get a passport account linked to their console account at
// creation (--agent) or later (identity link), and lose it (--unlink);
// a link to nobody, or to an agent already linked, is refused.
func TestIdentityLink(t *testing.T) {
	dir := newDataDir(t)
	mustRun(t, dir, "alex's console password\n", "user", "add", "--email", "alex@example.com", "--name", "Alex", "--password-stdin")
	mustRun(t, dir, "kim's console password\n", "user", "add", "--email", "kim@example.com", "--name", "Kim", "--password-stdin")
	out := mustRun(t, dir, "alex's passport password\n", "identity", "add", "--email", "alex.p@example.com", "--name", "Alex",
		"--password-stdin", "--agent", "alex@example.com")
	if !strings.Contains(out, "linked to agent alex@example.com") {
		t.Fatalf("identity add --agent output:\n%s", out)
	}
	mustRun(t, dir, "", "identity", "add", "--email", "kim.p@example.com", "--name", "Kim")
	out = mustRun(t, dir, "", "identity", "link", "--email", "kim.p@example.com", "--agent", "kim@example.com")
	if !strings.Contains(out, "linked to agent kim@example.com") {
		t.Fatalf("identity link output:\n%s", out)
	}

	linkOf := func(identity, agent string) bool {
		t.Helper()
		db := openStore(t, dir)
		defer db.Close()
		id, err := db.(store.Passport).IdentityByEmail(context.Background(), identity)
		if err != nil {
			t.Fatal(err)
		}
		if agent == "" {
			return id.UserID == ""
		}
		u, err := db.UserByEmail(context.Background(), agent)
		if err != nil {
			t.Fatal(err)
		}
		return id.UserID == u.ID
	}
	if !linkOf("alex.p@example.com", "alex@example.com") || !linkOf("kim.p@example.com", "kim@example.com") {
		t.Fatal("the links were not stored")
	}

	for _, args := range [][]string{
		{"identity", "add", "--email", "x@example.com", "--name", "X", "--agent", "nobody@example.com"}, // no such agent
		{"identity", "add", "--email", "y@example.com", "--name", "Y", "--agent", "alex@example.com"},   // Alex is linked already
		{"identity", "link", "--email", "kim.p@example.com", "--agent", "nobody@example.com"},           // no such agent
		{"identity", "link", "--email", "nobody.p@example.com", "--agent", "kim@example.com"},           // no such identity
		{"identity", "link", "--email", "kim.p@example.com", "--agent", "alex@example.com"},             // Alex is linked already
		{"identity", "link", "--email", "kim.p@example.com"},                                            // neither --agent nor --unlink
		{"identity", "link", "--email", "kim.p@example.com", "--agent", "kim@example.com", "--unlink"},  // both
	} {
		if _, _, err := tandemCmd(t, dir, "", args...); err == nil {
			t.Errorf("tandem %v passed", args)
		}
	}
	if !linkOf("kim.p@example.com", "kim@example.com") {
		t.Fatal("a refused link changed Kim's")
	}
	mustRun(t, dir, "", "identity", "link", "--email", "kim.p@example.com", "--unlink")
	if !linkOf("kim.p@example.com", "") {
		t.Fatal("--unlink left the link")
	}
}
