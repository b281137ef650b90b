package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
)

func TestBotAndConversationCommands(t *testing.T) {
	ctx := context.Background()
	dir := newDataDir(t)
	mustRun(t, dir, "", "user", "add", "--email", "alex@example.com", "--name", "Alex")
	mustRun(t, dir, "", "user", "add", "--email", "sam@example.com", "--name", "Sam")

	// Bad input changes nothing.
	for _, args := range [][]string{
		{"bot", "add", "--owner", "alex@example.com", "--name", "triage", "--url", "https://bots.example.com/t", "--scopes", "messages:read,root"},
		{"bot", "add", "--owner", "alex@example.com", "--name", "Triage Bot", "--url", "https://bots.example.com/t", "--scopes", "messages:read"},
		{"bot", "add", "--owner", "alex@example.com", "--name", "triage", "--url", "ftp://bots.example.com", "--scopes", "messages:read"},
		{"bot", "add", "--owner", "nobody@example.com", "--name", "triage", "--url", "https://bots.example.com/t", "--scopes", "messages:read"},
		{"bot", "add", "--name", "triage"},
	} {
		if _, _, err := tandemCmd(t, dir, "", args...); err == nil {
			t.Fatalf("tandem %s: no error", strings.Join(args, " "))
		}
	}
	if rows := dataLines(mustRun(t, dir, "", "bot", "list")); len(rows) != 0 {
		t.Fatalf("bots after bad input: %v", rows)
	}

	out := mustRun(t, dir, "", "bot", "add", "--owner", "alex@example.com", "--name", "triage", "--url", "https://bots.example.com/t",
		"--scopes", "messages:read,messages:write")
	m := regexp.MustCompile(`id (\S+)\ntoken: (tdb_\S+)\nsigning secret: (whsec_\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("bot add printed:\n%s", out)
	}
	id, token := m[1], m[2]
	db := openStore(t, dir)
	bs := db
	b, err := bs.BotByID(ctx, id)
	if err != nil || b.TokenHash != auth.HashToken(token) || b.SigningSecret != m[3] {
		t.Fatalf("stored bot %+v %v", b, err)
	}
	if rows := dataLines(mustRun(t, dir, "", "bot", "list")); len(rows) != 1 || !strings.Contains(rows[0], "triage") ||
		!strings.Contains(rows[0], "alex@example.com") || !strings.Contains(rows[0], b.TokenID) {
		t.Fatalf("bot list: %v", rows)
	}

	out = mustRun(t, dir, "", "conversation", "add", "--name", "Ops", "--member", "alex@example.com", "--member", "sam@example.com",
		"--bot", "triage", "--public-url", "https://tandem.example.com")
	cm := regexp.MustCompile(`id (\S+)\nbot triage webhook: https://tandem\.example\.com/hooks/(\S+)\n`).FindStringSubmatch(out)
	if cm == nil {
		t.Fatalf("conversation add printed:\n%s", out)
	}
	h, err := bs.HookByTokenHash(ctx, auth.HashToken(cm[2]))
	if err != nil || h.BotID != id || h.ConversationID != cm[1] {
		t.Fatalf("the printed webhook is not the bot's in the conversation: %+v %v", h, err)
	}
	member, err := bs.Member(ctx, cm[1], tandem.Account{Kind: tandem.AccountBot, ID: id})
	if err != nil || len(member.Granted) != 2 {
		t.Fatalf("bot membership %+v %v", member, err)
	}
	if _, _, err := tandemCmd(t, dir, "", "conversation", "add", "--name", "X", "--member", "nobody@example.com"); err == nil {
		t.Fatal("conversation add with an unknown member")
	}

	out = mustRun(t, dir, "", "site", "add", "--name", "Shop", "--origin", "https://shop.example.com")
	key := regexp.MustCompile(`site key: (\S+)`).FindStringSubmatch(out)[1]
	mustRun(t, dir, "", "site", "update", key, "--triage-bot", "triage")
	if site, _ := db.SiteByKey(ctx, key); site.TriageBotID != id {
		t.Fatalf("triage bot %q, want %s", site.TriageBotID, id)
	}
	if _, _, err := tandemCmd(t, dir, "", "site", "update", key, "--triage-bot", "nobody"); err == nil {
		t.Fatal("an unknown triage bot was accepted")
	}
	mustRun(t, dir, "", "site", "set", key, "--triage-bot", "none")
	if site, _ := db.SiteByKey(ctx, key); site.TriageBotID != "" {
		t.Fatalf("triage bot %q after none", site.TriageBotID)
	}

	mustRun(t, dir, "", "bot", "revoke", "triage")
	if b, _ := bs.BotByID(ctx, id); b.TokenHash != "" {
		t.Fatal("the token survived revoke")
	}
	if rows := dataLines(mustRun(t, dir, "", "bot", "list")); !strings.Contains(rows[0], "revoked") {
		t.Fatalf("bot list after revoke: %v", rows)
	}
	mustRun(t, dir, "", "bot", "remove", id)
	if _, err := bs.BotByID(ctx, id); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("removed bot: %v", err)
	}
	if _, err := bs.Member(ctx, cm[1], tandem.Account{Kind: tandem.AccountBot, ID: id}); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("removed bot still a member: %v", err)
	}
}
