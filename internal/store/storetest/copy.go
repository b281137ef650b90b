package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// RunCopy checks store.Copy and the Copier of two backends: a store filled
// with every kind of row is copied from a store openFrom makes to one openTo
// makes, and every table must then hold the same rows on both sides, and the
// copy must work as a store. Each open must return a new, empty store; the
// two may be the same backend or different ones. RunCopy closes what it
// opens.
func RunCopy(t *testing.T, openFrom, openTo func(t *testing.T) store.Store) {
	opened := func(open func(t *testing.T) store.Store) store.Store {
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	t.Run("EveryRow", func(t *testing.T) { testCopyEveryRow(t, opened(openFrom), opened(openTo)) })
	t.Run("RefusesNonEmpty", func(t *testing.T) { testCopyRefusesNonEmpty(t, opened(openFrom), opened(openTo)) })
	t.Run("WriteRows", func(t *testing.T) { testWriteRows(t, opened(openTo)) })
}

// filled is what fill wrote, to look up in the copy.
type filled struct {
	user        *tandem.User
	fingerprint string
	site        *tandem.Site
	assists     []*tandem.Assist
	unused      string // token hash of an unused invite
	terminal    *store.Terminal
	secret      []byte
	doomed      []string
	expired     string // an assist whose recording retention ended at at(0)
	auditMaxID  int64
	auditLen    int
	sessionHash string
	chat        *filledChat
}

// filledChat is what fillChat wrote.
type filledChat struct {
	bot          *tandem.Bot
	conversation *tandem.Conversation
	message      *tandem.Message
	delivery     *tandem.Delivery
}

// fillChat writes every kind of row of conversations, bots and the
// outbox into s.
func fillChat(t *testing.T, s store.Store, f *filled) {
	ctx := context.Background()
	var fc filledChat
	fc.bot = &tandem.Bot{OwnerID: f.user.ID, Name: "triage", Description: "Answers first", URL: "https://bot.example/events",
		InterfaceURL: "https://bot.example/ui", Scopes: []tandem.Scope{tandem.ScopeMessagesWrite, tandem.ScopeAssistHandover},
		TokenHash: "bot-token-hash", TokenID: "tok-1", SigningSecret: "whsec_c2VjcmV0", Recommended: true}
	must(t, s.CreateBot(ctx, fc.bot), "CreateBot")
	must(t, s.CreateBotCommand(ctx, &tandem.BotCommand{BotID: fc.bot.ID, Name: "ticket", Hint: "[title]"}), "CreateBotCommand")
	f.site.TriageBotID = fc.bot.ID
	must(t, s.UpdateSite(ctx, f.site), "UpdateSite triage bot")
	fc.conversation = &tandem.Conversation{Kind: tandem.ConversationSupport, SiteID: f.site.ID, AssistID: f.assists[2].ID, Queued: true,
		Summary: "Wants a refund", CreatedAt: at(1)}
	must(t, s.CreateConversation(ctx, fc.conversation, []*tandem.Member{{Account: tandem.Account{Kind: tandem.AccountPerson}},
		{Account: botAccount(fc.bot), Granted: fc.bot.Scopes}}), "CreateConversation")
	group := newGroup(t, s, "Team", 2, userAccount(f.user))
	post(t, s, group, userAccount(f.user), "hello team", 3)
	att := &tandem.Attachment{Name: "shot.png", ContentType: "image/png", Size: 3, BlobKey: "conversations/shot.png", Width: 2, Height: 1}
	must(t, s.CreateAttachment(ctx, fc.conversation.ID, person(fc.conversation), att), "CreateAttachment")
	fc.message = &tandem.Message{ConversationID: fc.conversation.ID, Author: person(fc.conversation), Text: "@triage help, é", ClientID: "c-1",
		Mentions: []tandem.Account{botAccount(fc.bot)}, Attachments: []tandem.Attachment{{ID: att.ID}}, CreatedAt: at(4),
		Blocks: []tandem.Block{{Kind: tandem.BlockActions, Buttons: []tandem.Button{{ID: "b1", Kind: tandem.ButtonCallback, ActionID: "a", Value: "v"}}}}}
	fc.delivery = newDelivery(fc.bot, fc.conversation, tandem.DeliveryMention)
	_, err := s.PostMessage(ctx, &store.NewMessage{Message: fc.message, Deliveries: []*tandem.Delivery{fc.delivery}})
	must(t, err, "PostMessage")
	must(t, s.MarkRead(ctx, fc.conversation.ID, person(fc.conversation), 1), "MarkRead")
	must(t, s.CreateHook(ctx, &tandem.Hook{BotID: fc.bot.ID, ConversationID: fc.conversation.ID, TokenHash: "hook-hash"}), "CreateHook")
	claimed, err := s.ClaimDeliveries(ctx, at(5), 10, time.Minute)
	must(t, err, "ClaimDeliveries")
	if len(claimed) != 1 {
		t.Fatalf("ClaimDeliveries = %d deliveries, want 1", len(claimed))
	}
	d := *claimed[0]
	d.Attempts, d.LastStatus, d.LastError, d.NextAttemptAt = 1, 503, "unavailable", at(6)
	must(t, s.RecordAttempt(ctx, &d, &tandem.DeliveryAttempt{N: 1, At: at(5), Status: 503, Error: "unavailable", Duration: time.Second}), "RecordAttempt")
	f.chat = &fc
}

// fill writes every kind of row there is into s, through the Store API.
func fill(t *testing.T, s store.Store) filled {
	ctx := context.Background()
	var f filled
	f.user = newUser(t, s, "alex@example.com")
	admin := newUser(t, s, "sam@example.com")
	for _, u := range []*tandem.User{f.user, f.user, admin} {
		line, fp := newKey(t, "laptop")
		must(t, s.AddUserKey(ctx, u.ID, line), "AddUserKey")
		f.fingerprint = fp
	}
	// A disabled user with an open invite: disabled_at and user_invites.
	kim := newUser(t, s, "kim@example.com")
	kim.DisabledAt = at(2)
	must(t, s.UpdateUser(ctx, kim), "UpdateUser disable")
	must(t, s.CreateUserInvite(ctx, &store.UserInvite{TokenHash: "invite-hash", UserID: kim.ID, CreatedAt: at(1), ExpiresAt: at(900)}), "CreateUserInvite")
	f.sessionHash = "session-hash"
	must(t, s.CreateLoginSession(ctx, &store.LoginSession{TokenHash: f.sessionHash, UserID: f.user.ID, CSRFToken: "csrf", CreatedAt: at(0), ExpiresAt: at(600)}), "CreateLoginSession")
	must(t, s.CreateLoginSession(ctx, &store.LoginSession{TokenHash: "other-hash", UserID: admin.ID, CSRFToken: "csrf2", ExpiresAt: at(600)}), "CreateLoginSession")

	f.site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example", "http://localhost:3000"},
		StrictMasking: true, CaptureBodies: true, ConsentEachAgent: true, RecordingRetention: time.Hour, AutoVideo: true,
		ScreenMapping: `{"maskTypes":["password"]}`}
	must(t, s.CreateSite(ctx, f.site), "CreateSite")
	plain := newSite(t, s, "Blog")
	doomedSite := newSite(t, s, "Old")

	for i, st := range []tandem.AssistState{tandem.AssistWaiting, tandem.AssistConsenting, tandem.AssistLive, tandem.AssistEnded} {
		a := &tandem.Assist{SiteID: f.site.ID, State: st, PersonID: fmt.Sprintf("person-%d", i), PageID: "page-1",
			PageURL: "https://shop.example/cart?x=é", UserAgent: "Mozilla/5.0", Viewport: tandem.Viewport{Width: 390, Height: 844, DPR: 2.625},
			CreatedAt: at(i)}
		if st != tandem.AssistWaiting {
			a.AgentID = f.user.ID
		}
		if st == tandem.AssistLive {
			a.Verified = tandem.VerifiedPerson{IdentityID: "identity-copied", Email: "sam@example.com", Name: "Sam"}
		}
		if st == tandem.AssistLive || st == tandem.AssistEnded {
			a.StartedAt = at(i + 1)
		}
		if st == tandem.AssistEnded {
			a.EndedAt, a.EndReason = at(i+2), "ended by person"
		}
		must(t, s.CreateAssist(ctx, a), "CreateAssist "+string(st))
		f.assists = append(f.assists, a)
	}
	expired := newEnded(t, s, f.site.ID, at(-600))
	n, err := s.ExpireRecordings(ctx, at(0), 10)
	must(t, err, "ExpireRecordings")
	if n != 1 {
		t.Fatalf("ExpireRecordings = %d, want 1", n)
	}
	f.doomed = append(f.doomed, expired.ID)
	f.expired = expired.ID
	gone := newAssist(t, s, doomedSite.ID, at(0))
	must(t, s.DeleteSite(ctx, doomedSite.ID), "DeleteSite")
	f.doomed = append(f.doomed, gone.ID)
	newAssist(t, s, plain.ID, at(3))

	live := f.assists[2]
	must(t, s.RecordConsent(ctx, &tandem.Consent{AssistID: live.ID, AgentID: f.user.ID, PersonID: "person-2", PageURL: "https://shop.example/cart",
		Method: "prompt", Allowed: false, Text: "Alex wants to see this page", At: at(2)}), "RecordConsent refused")
	must(t, s.RecordConsent(ctx, &tandem.Consent{AssistID: live.ID, AgentID: f.user.ID, Method: "prompt", Allowed: true, At: at(3)}), "RecordConsent allowed")
	must(t, s.AddPage(ctx, &tandem.Page{AssistID: live.ID, PageID: "page-1", Hash: "", URL: "https://shop.example/cart", Title: "Cart", At: at(2)}), "AddPage")
	must(t, s.AddPage(ctx, &tandem.Page{AssistID: live.ID, PageID: "page-1", Hash: "#pay", URL: "https://shop.example/cart#pay", Title: "Cart", At: at(3)}), "AddPage")

	f.unused = "unused-token"
	must(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: f.site.ID, AgentID: f.user.ID, TokenHash: f.unused, CodeHash: "code-1", URL: "https://shop.example/help", ExpiresAt: at(10_000)}), "CreateInvite")
	must(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: f.site.ID, AgentID: f.user.ID, TokenHash: "used-token", ExpiresAt: at(10_000)}), "CreateInvite")
	r, err := redeem(s, f.site.ID, "used-token", "", at(5))
	must(t, err, "redeem")
	f.assists = append(f.assists, r.Assist)

	// More audit entries than one batch, so that Copy writes several.
	for i := range 2*store.CopyBatch + 7 {
		e := &tandem.AuditEntry{SessionID: live.ID, Actor: "agent:" + f.user.ID, Action: "point", Detail: fmt.Sprintf(`{"n":%d}`, i), At: at(i % 7)}
		must(t, s.AppendAudit(ctx, e), "AppendAudit")
		f.auditMaxID = max(f.auditMaxID, e.ID)
		f.auditLen++
	}

	hostKey, _ := newKey(t, "host")
	f.terminal = &store.Terminal{HostKey: hostKey, HostName: "build-01", Command: "/bin/bash", ReadOnly: true, Approve: true, RecordingID: "rec-1", RecordInput: true, CreatedAt: at(1)}
	must(t, s.CreateTerminal(ctx, f.terminal), "CreateTerminal")
	ended := &store.Terminal{HostName: "db-02", CreatedAt: at(2)}
	must(t, s.CreateTerminal(ctx, ended), "CreateTerminal")
	must(t, s.EndTerminal(ctx, ended.ID, "host disconnected", at(4)), "EndTerminal")

	f.secret = []byte("key\x00\xff\x01binary")
	_, err = s.Secret(ctx, "cookie-key", f.secret)
	must(t, err, "Secret")
	_, err = s.Acquire(ctx, f.assists[2].ID, store.LeaseAssist, "node-a", "http://10.0.0.1:8080", time.Minute)
	must(t, err, "Acquire")
	fillChat(t, s, &f)
	fillPassport(t, s, f.site)
	// One link used and revoked (every nullable column set), one not.
	used := newShareLink(f.user, store.ShareAssist, "assist1", "copy-used", 0)
	used.NeedsAccount = true
	must(t, s.CreateShareLink(ctx, used), "CreateShareLink")
	must(t, s.UseShareLink(ctx, used.ID, at(1)), "UseShareLink")
	must(t, s.RevokeShareLink(ctx, used.ID, at(2)), "RevokeShareLink")
	must(t, s.CreateShareLink(ctx, newShareLink(admin, store.ShareTerminal, "term1", "copy-fresh", 3)), "CreateShareLink")
	fillVideos(t, s, f.assists[3])
	must(t, s.SetAvailable(ctx, f.user.ID, true, at(1)), "SetAvailable")
	must(t, s.SetPickupTimeout(ctx, f.site.ID, 90*time.Second, at(1)), "SetPickupTimeout")
	must(t, s.MarkLeftMessage(ctx, f.assists[0].ID, at(2)), "MarkLeftMessage")
	return f
}

// fillPassport writes every kind of row of the passport into s: a
// confidential site, an identity linked to a console user, grants live,
// rotated and ended, a code, a passport session and a signing key.
func fillPassport(t *testing.T, s store.Store, site *tandem.Site) {
	ctx := context.Background()
	l := &tandem.ServiceLine{SiteID: site.ID, Domains: []string{"https://shop.example"}, RedirectURIs: []string{"https://shop.example/cb", "com.example.shop:/cb"},
		Devices: []tandem.DeviceKind{tandem.DeviceBrowser, tandem.DeviceAndroid}, AccessTTL: 15 * time.Minute, RefreshTTL: 30 * 24 * time.Hour,
		OneDevice: true, ClientSecretHash: sha("5ec"), VouchKey: vouchKeyPEM, CreatedAt: at(0), UpdatedAt: at(1)}
	must(t, s.PutServiceLine(ctx, l), "PutServiceLine")
	id := &tandem.Identity{Email: "robin@example.com", Name: "Robin é", PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5", UserID: "user-1", CreatedAt: at(0)}
	must(t, s.CreateIdentity(ctx, id), "CreateIdentity")
	phone, _ := newGrant(t, s, "phone", id, site.ID, "phone", 1, "")
	must(t, s.RotateGrant(ctx, &store.RotateGrant{GrantID: phone.ID, FromGeneration: 0, AccessHash: sha("ap2"), RefreshHash: sha("rp2"),
		AccessExpiresAt: at(20), ExpiresAt: at(700), At: at(2)}), "RotateGrant")
	must(t, s.SetRefreshAhead(ctx, phone.ID, true), "SetRefreshAhead")
	newGrant(t, s, "laptop", id, site.ID, "laptop", 3, tandem.GrantSignedInElsewhere)
	must(t, s.CreateAuthCode(ctx, &tandem.AuthCode{Hash: sha("code"), SiteID: site.ID, IdentityID: id.ID, RedirectURI: l.RedirectURIs[1],
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Nonce: "n", Scope: "openid", DeviceID: "phone", DeviceKind: tandem.DeviceAndroid,
		SessionHash: sha("ps"), CreatedAt: at(4), ExpiresAt: at(5)}), "CreateAuthCode")
	must(t, s.UseVouchJTI(ctx, site.ID, sha("jti"), at(9), at(4)), "UseVouchJTI")
	must(t, s.CreateConsoleCode(ctx, newConsoleCode(id, "console-code", 4)), "CreateConsoleCode")
	must(t, s.CreatePassportSession(ctx, &store.PassportSession{TokenHash: sha("ps"), IdentityID: id.ID, CreatedAt: at(1), ExpiresAt: at(600)}),
		"CreatePassportSession")
	must(t, s.CreateSigningKey(ctx, &tandem.SigningKey{ID: "kid-1", Algorithm: "RS256", PrivateDER: []byte("\x30\x82\x00\xff der"),
		CreatedAt: at(0), SignsFrom: at(0), RetiresAt: at(1000)}), "CreateSigningKey")
}

// readAll returns every row of table in s, in the order ReadTable gives.
func readAll(t *testing.T, s store.Store, table string) []store.Row {
	t.Helper()
	var rows []store.Row
	must(t, s.ReadTable(context.Background(), table, func(r store.Row) error {
		rows = append(rows, r)
		return nil
	}), "ReadTable "+table)
	return rows
}

// rowKey is a row as text, columns in name order, to sort and compare rows
// without depending on a backend's collation.
func rowKey(r store.Row) string {
	cols := make([]string, 0, len(r))
	for c := range r {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, "%s=%#v;", c, r[c])
	}
	return b.String()
}

// checkRowTypes fails t unless every value of rows is of a type Row allows,
// and the columns that must be booleans or times are.
func checkRowTypes(t *testing.T, table string, rows []store.Row) {
	t.Helper()
	want := map[string]map[string]string{
		"sites":         {"strict_masking": "bool", "consent_each_agent": "bool", "recording_retention": "int64", "created_at": "int64"},
		"assists":       {"created_at": "int64", "viewport_dpr": "float64", "viewport_width": "int64"},
		"consents":      {"allowed": "bool", "at": "int64", "id": "int64"},
		"terminals":     {"read_only": "bool", "approve": "bool", "record_input": "bool", "created_at": "int64"},
		"audit":         {"id": "int64", "at": "int64"},
		"secrets":       {"value": "[]uint8", "created_at": "int64"},
		"conversations": {"queued": "bool", "last_seq": "int64", "created_at": "int64"},
		"bots":          {"recommended": "bool"},
		"deliveries":    {"payload": "[]uint8", "next_attempt_at": "int64"},
	}[table]
	for _, r := range rows {
		for col, v := range r {
			switch v.(type) {
			case nil, string, int64, float64, bool, []byte:
			default:
				t.Errorf("%s.%s is a %T, not a type Row allows", table, col, v)
			}
			if w, ok := want[col]; ok && fmt.Sprintf("%T", v) != w {
				t.Errorf("%s.%s is a %T (%v), want %s", table, col, v, v, w)
			}
		}
	}
}

func testCopyEveryRow(t *testing.T, src, dst store.Store) {
	ctx := context.Background()
	f := fill(t, src)
	if !slices.Equal(src.Tables(), dst.Tables()) {
		t.Fatalf("the backends list different tables: %v and %v", src.Tables(), dst.Tables())
	}
	progress := make(map[string]int64)
	var order []string
	must(t, store.Copy(ctx, src, dst, func(table string, rows int64) {
		if len(order) == 0 || order[len(order)-1] != table {
			order = append(order, table)
		}
		if rows < progress[table] {
			t.Errorf("progress of %s went back from %d to %d", table, progress[table], rows)
		}
		progress[table] = rows
	}), "Copy")
	if !slices.Equal(order, src.Tables()) {
		t.Errorf("progress reported tables %v, want each of %v once, in order", order, src.Tables())
	}

	for _, table := range src.Tables() {
		from, to := readAll(t, src, table), readAll(t, dst, table)
		checkRowTypes(t, table, from)
		checkRowTypes(t, table, to)
		if len(from) == 0 {
			t.Errorf("table %s is empty in the filled store: the test does not cover it", table)
		}
		if int64(len(from)) != progress[table] {
			t.Errorf("progress of %s ended at %d, the table has %d rows", table, progress[table], len(from))
		}
		if n, err := dst.CountRows(ctx, table); err != nil || n != int64(len(from)) {
			t.Errorf("CountRows(%s) on the copy = %d, %v; want %d", table, n, err, len(from))
		}
		if len(from) != len(to) {
			t.Errorf("table %s: %d rows in the source, %d in the copy", table, len(from), len(to))
			continue
		}
		fromKeys, toKeys := make([]string, len(from)), make([]string, len(to))
		for i := range from {
			fromKeys[i], toKeys[i] = rowKey(from[i]), rowKey(to[i])
		}
		slices.Sort(fromKeys)
		slices.Sort(toKeys)
		for i := range fromKeys {
			if fromKeys[i] != toKeys[i] {
				t.Errorf("table %s differs after the copy:\nsource %s\ncopy   %s", table, fromKeys[i], toKeys[i])
				break
			}
		}
	}
	// Tables with integer keys come in key order.
	for _, table := range []string{"audit", "consents"} {
		rows := readAll(t, src, table)
		for i := 1; i < len(rows); i++ {
			if a, b := rows[i-1]["id"].(int64), rows[i]["id"].(int64); a >= b {
				t.Errorf("ReadTable(%s) gave id %d before %d, want primary-key order", table, a, b)
				break
			}
		}
	}

	checkCopyWorks(t, dst, f)
}

// checkCopyWorks reads what fill wrote through the copy's Store API, and
// writes to it as a server would.
func checkCopyWorks(t *testing.T, dst store.Store, f filled) {
	ctx := context.Background()
	for _, a := range f.assists {
		got, err := dst.AssistByID(ctx, a.ID)
		must(t, err, "AssistByID on the copy")
		if got.State != a.State || got.AgentID != a.AgentID || got.Viewport != a.Viewport || got.PageURL != a.PageURL ||
			!sameTime(got.CreatedAt, a.CreatedAt) || !sameTime(got.StartedAt, a.StartedAt) || !sameTime(got.EndedAt, a.EndedAt) {
			t.Errorf("copied assist %+v, want %+v", got, a)
		}
	}
	if got, err := dst.AssistByID(ctx, f.expired); err != nil || !sameTime(got.RecordingDeletedAt, at(0)) {
		t.Errorf("the copy of an assist whose recording expired = %+v, %v; want RecordingDeletedAt %v", got, err, at(0))
	}
	site, err := dst.SiteByKey(ctx, f.site.Key)
	must(t, err, "SiteByKey on the copy")
	if site.ID != f.site.ID || !slices.Equal(site.AllowedOrigins, f.site.AllowedOrigins) || !site.StrictMasking || !site.CaptureBodies ||
		site.ScreenMapping != f.site.ScreenMapping ||
		!site.ConsentEachAgent || site.RecordingRetention != time.Hour {
		t.Errorf("copied site %+v, want %+v", site, f.site)
	}
	if u, err := dst.UserByKeyFingerprint(ctx, f.fingerprint); err != nil || u.Email != "sam@example.com" {
		t.Errorf("UserByKeyFingerprint on the copy = %+v, %v", u, err)
	}
	if ls, err := dst.LoginSessionByHash(ctx, f.sessionHash); err != nil || ls.UserID != f.user.ID || !sameTime(ls.ExpiresAt, at(600)) {
		t.Errorf("LoginSessionByHash on the copy = %+v, %v", ls, err)
	}
	if _, err := dst.LiveInvite(ctx, f.site.ID, "used-token", "", at(6)); tandem.ErrorCode(err) != tandem.EUsed {
		t.Errorf("the used invite on the copy: %v, want %s", err, tandem.EUsed)
	}
	if got, err := dst.Secret(ctx, "cookie-key", []byte("another")); err != nil || string(got) != string(f.secret) {
		t.Errorf("Secret on the copy = %q, %v; want the source's %q", got, err, f.secret)
	}
	ids, err := dst.DoomedRecordings(ctx, 10)
	must(t, err, "DoomedRecordings on the copy")
	slices.Sort(ids)
	want := slices.Sorted(slices.Values(f.doomed))
	if !slices.Equal(ids, want) {
		t.Errorf("deletion queue on the copy = %v, want %v", ids, want)
	}
	if term, err := dst.TerminalByID(ctx, f.terminal.ID); err != nil || !term.ReadOnly || !term.RecordInput || term.HostKey != f.terminal.HostKey {
		t.Errorf("TerminalByID on the copy = %+v, %v", term, err)
	}
	live := f.assists[2]
	if cs, err := dst.ConsentsFor(ctx, live.ID); err != nil || len(cs) != 2 || cs[0].Allowed || !cs[1].Allowed {
		t.Errorf("ConsentsFor on the copy = %v, %v; want refused then allowed", cs, err)
	}
	if ps, err := dst.PagesFor(ctx, live.ID); err != nil || len(ps) != 2 {
		t.Errorf("PagesFor on the copy = %v, %v; want 2 pages", ps, err)
	}

	// New rows get ids past the copied ones: a backend that numbers rows
	// itself must carry its counter over.
	e := &tandem.AuditEntry{SessionID: live.ID, Actor: "system", Action: "end"}
	must(t, dst.AppendAudit(ctx, e), "AppendAudit on the copy")
	if e.ID <= f.auditMaxID {
		t.Errorf("AppendAudit on the copy got id %d, not past the copied %d", e.ID, f.auditMaxID)
	}
	log, err := dst.AuditFor(ctx, live.ID)
	must(t, err, "AuditFor on the copy")
	if len(log) != f.auditLen+1 {
		t.Errorf("AuditFor on the copy has %d entries, want %d", len(log), f.auditLen+1)
	}
	must(t, dst.RecordConsent(ctx, &tandem.Consent{AssistID: live.ID, Method: "prompt", Allowed: true}), "RecordConsent on the copy")
	if cs, err := dst.ConsentsFor(ctx, live.ID); err != nil || len(cs) != 3 {
		t.Errorf("ConsentsFor after a new consent on the copy = %d, %v; want 3", len(cs), err)
	}
	if _, err := redeem(dst, f.site.ID, f.unused, "", at(7)); err != nil {
		t.Errorf("redeeming the unused invite on the copy: %v", err)
	}
	checkChatCopy(t, dst, f)
}

// checkChatCopy reads what fillChat wrote through the copy's Store API,
// and posts to it as a server would.
func checkChatCopy(t *testing.T, dst store.Store, f filled) {
	ctx := context.Background()
	fc := f.chat
	if site, err := dst.SiteByID(ctx, f.site.ID); err != nil || site.TriageBotID != fc.bot.ID {
		t.Errorf("the copy's site = %+v, %v; want triage bot %s", site, err, fc.bot.ID)
	}
	if b, err := dst.BotByTokenHash(ctx, "bot-token-hash"); err != nil || b.ID != fc.bot.ID || !b.Recommended || !slices.Equal(b.Scopes, fc.bot.Scopes) {
		t.Errorf("BotByTokenHash on the copy = %+v, %v", b, err)
	}
	c, err := dst.ConversationForAssist(ctx, f.assists[2].ID)
	must(t, err, "ConversationForAssist on the copy")
	if c.ID != fc.conversation.ID || !c.Queued || c.Summary != "Wants a refund" || c.LastSeq != 1 || !sameTime(c.LastMessageAt, at(4)) {
		t.Errorf("the copied conversation = %+v", c)
	}
	m, err := dst.MessageByID(ctx, fc.message.ID)
	must(t, err, "MessageByID on the copy")
	if m.Text != fc.message.Text || fmt.Sprint(m.Blocks) != fmt.Sprint(fc.message.Blocks) || len(m.Attachments) != 1 || m.Attachments[0] != fc.message.Attachments[0] ||
		!slices.Equal(m.Mentions, fc.message.Mentions) {
		t.Errorf("the copied message = %+v, want %+v", m, fc.message)
	}
	list, err := dst.ListConversations(ctx, store.ConversationFilter{Member: person(c)})
	must(t, err, "ListConversations on the copy")
	if len(list) != 1 || list[0].Unread != 0 || list[0].Last == nil || list[0].Last.ID != m.ID {
		t.Errorf("ListConversations on the copy = %+v", list)
	}
	if as, err := dst.DeliveryAttempts(ctx, fc.delivery.ID); err != nil || len(as) != 1 || as[0].Duration != time.Second {
		t.Errorf("DeliveryAttempts on the copy = %+v, %v", as, err)
	}
	// The copy goes on numbering, and the copied client id stays taken.
	next := &tandem.Message{ConversationID: c.ID, Author: person(c), Text: "still there?"}
	_, err = dst.PostMessage(ctx, &store.NewMessage{Message: next})
	must(t, err, "PostMessage on the copy")
	if next.Seq != 2 {
		t.Errorf("the first message posted on the copy has seq %d, want 2", next.Seq)
	}
	rep := &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: person(c), Text: "again", ClientID: "c-1"}}
	if created, err := dst.PostMessage(ctx, rep); err != nil || created || rep.Message.ID != fc.message.ID {
		t.Errorf("a repeated client id on the copy: created %v, %v, message %s", created, err, rep.Message.ID)
	}
}

// testCopyRefusesNonEmpty: a destination with a single row, in any table,
// is refused with nothing written.
func testCopyRefusesNonEmpty(t *testing.T, src, dst store.Store) {
	ctx := context.Background()
	fill(t, src)
	// A row in the last table only: Copy must look at every table before it
	// writes anything.
	_, err := dst.Secret(ctx, "other-key", []byte("theirs"))
	must(t, err, "Secret")
	err = store.Copy(ctx, src, dst, nil)
	if err == nil {
		t.Fatal("Copy into a store that has a secret succeeded")
	}
	wantCode(t, err, tandem.EConflict, "Copy into a non-empty store")
	if !strings.Contains(err.Error(), "secrets") {
		t.Errorf("the error %q does not name the table that has rows", err)
	}
	for _, table := range dst.Tables() {
		n, err := dst.CountRows(ctx, table)
		must(t, err, "CountRows")
		if want := int64(0); table == "secrets" {
			want = 1
			if n != want {
				t.Errorf("a refused Copy left %s with %d rows, want %d", table, n, want)
			}
		} else if n != want {
			t.Errorf("a refused Copy wrote %d rows to %s", n, table)
		}
	}
}

// testWriteRows: WriteRows writes all or nothing and refuses what does not
// fit the table; names are never SQL.
func testWriteRows(t *testing.T, s store.Store) {
	ctx := context.Background()
	row := func(id int64) store.Row {
		return store.Row{"id": id, "session_id": "s", "actor": "system", "action": "start", "detail": "", "at": at(0).UnixMilli()}
	}
	for _, tt := range []struct {
		name  string
		table string
		rows  []store.Row
	}{
		{"unknown table", "no_such_table", []store.Row{row(1)}},
		{"table name as SQL", "audit; DROP TABLE users", []store.Row{row(1)}},
		{"extra column", "audit", []store.Row{func() store.Row { r := row(1); r["evil"] = "x"; return r }()}},
		{"missing column", "audit", []store.Row{func() store.Row { r := row(1); delete(r, "detail"); return r }()}},
		{"column name as SQL", "audit", []store.Row{func() store.Row { r := row(1); delete(r, "detail"); r["detail) VALUES (1); --"] = ""; return r }()}},
		{"bad type", "audit", []store.Row{func() store.Row { r := row(1); r["at"] = time.Now(); return r }()}},
		{"duplicate key at the end", "audit", []store.Row{row(1), row(2), row(1)}},
		{"bad row at the end", "audit", []store.Row{row(1), row(2), {"id": int64(3)}}},
	} {
		if err := s.WriteRows(ctx, tt.table, tt.rows); err == nil {
			t.Errorf("WriteRows with %s succeeded", tt.name)
		}
		if n, err := s.CountRows(ctx, "audit"); err != nil || n != 0 {
			t.Errorf("after WriteRows with %s, audit has %d rows (%v), want 0", tt.name, n, err)
		}
	}
	if _, err := s.CountRows(ctx, "no_such_table"); err == nil {
		t.Error("CountRows of an unknown table succeeded")
	}
	if err := s.ReadTable(ctx, "no_such_table", func(store.Row) error { return nil }); err == nil {
		t.Error("ReadTable of an unknown table succeeded")
	}
	must(t, s.WriteRows(ctx, "audit", []store.Row{row(1), row(2)}), "WriteRows")
	if got := readAll(t, s, "audit"); len(got) != 2 || rowKey(got[0]) != rowKey(row(1)) || rowKey(got[1]) != rowKey(row(2)) {
		t.Errorf("audit after WriteRows = %v, want rows 1 and 2", got)
	}
	// ReadTable stops at fn's error and returns it.
	stop := errors.New("stop")
	calls := 0
	if err := s.ReadTable(ctx, "audit", func(store.Row) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ReadTable with fn failing = %v after %d calls, want fn's error after 1", err, calls)
	}
}

// fillVideos writes export jobs into s: one done with its video, one
// running under a node's claim, one queued.
func fillVideos(t *testing.T, s store.Store, ended *tandem.Assist) {
	ctx := context.Background()
	for i := range 3 {
		newVideo(t, s, ended.ID, i)
	}
	v, err := s.ClaimVideoExport(ctx, "node-a", time.Minute, at(4))
	must(t, err, "ClaimVideoExport")
	must(t, s.FinishVideoExport(ctx, v.ID, "node-a", store.VideoFinish{State: store.VideoDone, BlobKey: "videos/" + ended.ID + "/" + v.ID + ".mp4",
		Bytes: 1000, Duration: time.Second, Width: 390, Height: 844, Frames: 10, FinishedAt: at(5)}), "FinishVideoExport")
	_, err = s.ClaimVideoExport(ctx, "node-a", time.Minute, at(5))
	must(t, err, "ClaimVideoExport")
}
