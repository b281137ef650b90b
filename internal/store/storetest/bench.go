package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// benchParallelism is how many goroutines per CPU the benchmarks run: a
// server has many more requests in flight than it has cores, each waiting on
// the store in turn.
const benchParallelism = 4

// Bench measures the store's hot paths, each from many goroutines at once
// (b.RunParallel), and reports each as ops/s: accept (UpdateAssist from
// waiting to consenting), consent (RecordConsent), audit (AppendAudit) and
// redeem (LiveInvite then RedeemInvite, as a person opening an invite link
// does), post (PostMessage), list (ListConversations), and the passport's
// verify (GrantByAccessHash) and refresh (RotateGrant). open returns a new, empty store, shared by the sub-benchmarks;
// Bench closes it.
func Bench(b *testing.B, open func(tb testing.TB) store.Store) {
	ctx := context.Background()
	s := open(b)
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Errorf("Close: %v", err)
		}
	})
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	benchMust(b, s.CreateSite(ctx, site), "CreateSite")
	// Rows to copy for the many waiting assists and unused invites that
	// accept and redeem use up, written in batches before the clock starts.
	assist := &tandem.Assist{SiteID: site.ID, PersonID: "person", PageID: "page", PageURL: "https://shop.example/cart"}
	benchMust(b, s.CreateAssist(ctx, assist), "CreateAssist")
	inv := &tandem.Invite{SiteID: site.ID, AgentID: "agent-1", TokenHash: "template", ExpiresAt: time.Now().Add(24 * time.Hour)}
	benchMust(b, s.CreateInvite(ctx, inv), "CreateInvite")
	assistRow, inviteRow := templateRow(b, s, "assists", assist.ID), templateRow(b, s, "invites", inv.ID)
	var batch atomic.Int64 // makes the ids of each run's rows new

	b.Run("accept", func(b *testing.B) {
		run := batch.Add(1)
		ids := bulk(b, s, "assists", assistRow, b.N, func(r store.Row, i int) {
			r["id"] = fmt.Sprintf("bench-%d-%d", run, i)
		})
		var next atomic.Int64
		parallel(b, func() error {
			a := *assist
			a.ID = ids[next.Add(1)-1]
			a.State, a.AgentID = tandem.AssistConsenting, "agent-1"
			return s.UpdateAssist(ctx, &a, tandem.AssistWaiting)
		})
	})
	b.Run("consent", func(b *testing.B) {
		parallel(b, func() error {
			return s.RecordConsent(ctx, &tandem.Consent{AssistID: assist.ID, AgentID: "agent-1", Method: "prompt", Allowed: true})
		})
	})
	b.Run("audit", func(b *testing.B) {
		parallel(b, func() error {
			return s.AppendAudit(ctx, &tandem.AuditEntry{SessionID: assist.ID, Actor: "agent:agent-1", Action: "point", Detail: `{"x":1,"y":2}`})
		})
	})
	b.Run("redeem", func(b *testing.B) {
		run := batch.Add(1)
		tokens := make([]string, b.N)
		bulk(b, s, "invites", inviteRow, b.N, func(r store.Row, i int) {
			tokens[i] = fmt.Sprintf("bench-%d-%d", run, i)
			r["id"], r["token_hash"] = tokens[i], tokens[i]
		})
		var next atomic.Int64
		parallel(b, func() error {
			now := time.Now()
			inv, err := s.LiveInvite(ctx, site.ID, tokens[next.Add(1)-1], "", now)
			if err != nil {
				return err
			}
			return s.RedeemInvite(ctx, &store.InviteRedemption{InviteID: inv.ID, Now: now,
				Assist:  &tandem.Assist{SiteID: site.ID, State: tandem.AssistLive, PersonID: "person", StartedAt: now},
				Consent: &tandem.Consent{Method: "invite", Allowed: true}})
		})
	})
	benchChat(b, s)
	benchPassport(b, s, site)
}

// benchPassport measures verification (GrantByAccessHash of one of 1000
// grants, what every API call of a site costs when the passport's cache
// misses) and refresh (RotateGrant of a grant after another, each from
// its current generation).
func benchPassport(b *testing.B, s store.Store, site *tandem.Site) {
	ctx := context.Background()
	benchMust(b, s.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: site.ID, AccessTTL: time.Minute, RefreshTTL: time.Hour}), "PutServiceLine")
	id := &tandem.Identity{Email: "robin@example.com"}
	benchMust(b, s.CreateIdentity(ctx, id), "CreateIdentity")
	soon := time.Now().Add(time.Hour)
	var gs []*tandem.Grant
	for i := range 1000 {
		g := &tandem.Grant{IdentityID: id.ID, SiteID: site.ID, DeviceID: fmt.Sprintf("d%d", i), AccessHash: sha(fmt.Sprintf("a%d", i)),
			RefreshHash: sha(fmt.Sprintf("r%d", i)), AccessExpiresAt: soon, ExpiresAt: soon}
		_, err := s.CreateGrant(ctx, g, "")
		benchMust(b, err, "CreateGrant")
		gs = append(gs, g)
	}
	b.Run("verify", func(b *testing.B) {
		var next atomic.Int64
		parallel(b, func() error {
			g := gs[next.Add(1)%int64(len(gs))]
			got, err := s.GrantByAccessHash(ctx, g.AccessHash)
			if err == nil && got.ID != g.ID {
				err = fmt.Errorf("GrantByAccessHash found grant %s, want %s", got.ID, g.ID)
			}
			return err
		})
	})
	// Each grant is refreshed by one goroutine at a time, from the
	// generation last written (which outlives a run: b.Run runs its
	// function more than once).
	var generation [1000]atomic.Int64
	var held [1000]atomic.Bool
	b.Run("refresh", func(b *testing.B) {
		var next atomic.Int64
		parallel(b, func() error {
			n := next.Add(1)
			i := n % int64(len(gs))
			for !held[i].CompareAndSwap(false, true) {
				n = next.Add(1)
				i = n % int64(len(gs))
			}
			defer held[i].Store(false)
			from := generation[i].Load()
			err := s.RotateGrant(ctx, &store.RotateGrant{GrantID: gs[i].ID, FromGeneration: from, AccessHash: sha(fmt.Sprintf("a%d.%d", i, from+1)),
				RefreshHash: sha(fmt.Sprintf("r%d.%d", i, from+1)), AccessExpiresAt: soon, ExpiresAt: soon, At: time.Now()})
			if err == nil {
				generation[i].Store(from + 1)
			}
			return err
		})
	})
}

// benchChat measures posting (PostMessage to 8 busy conversations, so
// that posters contend for each one's numbering as a lively group does)
// and listing (ListConversations of an agent in 100 conversations, a
// page of 50 with unread counts and newest messages).
func benchChat(b *testing.B, s store.Store) {
	ctx := context.Background()
	u := &tandem.User{Email: "bench@example.com", Name: "Bench", Role: tandem.RoleAgent}
	benchMust(b, s.CreateUser(ctx, u), "CreateUser")
	me := tandem.Account{Kind: tandem.AccountUser, ID: u.ID}
	var cs []*tandem.Conversation
	for i := range 100 {
		c := &tandem.Conversation{Kind: tandem.ConversationGroup, Name: fmt.Sprintf("room %d", i)}
		benchMust(b, s.CreateConversation(ctx, c, []*tandem.Member{{Account: me}}), "CreateConversation")
		_, err := s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: me, Text: "hello"}})
		benchMust(b, err, "PostMessage")
		cs = append(cs, c)
	}
	b.Run("post", func(b *testing.B) {
		var next atomic.Int64
		parallel(b, func() error {
			c := cs[next.Add(1)%8]
			_, err := s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: me, Text: "a message of a usual length, say forty words"}})
			return err
		})
	})
	b.Run("list", func(b *testing.B) {
		parallel(b, func() error {
			list, err := s.ListConversations(ctx, store.ConversationFilter{Member: me})
			if err == nil && len(list) != store.DefaultListLimit {
				err = fmt.Errorf("listed %d conversations, want %d", len(list), store.DefaultListLimit)
			}
			return err
		})
	})
}

// parallel runs op b.N times from benchParallelism goroutines per CPU and
// reports the rate as ops/s.
func parallel(b *testing.B, op func() error) {
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// templateRow returns the row of table whose id is id.
func templateRow(b *testing.B, s store.Store, table, id string) store.Row {
	b.Helper()
	var row store.Row
	benchMust(b, s.ReadTable(context.Background(), table, func(r store.Row) error {
		if r["id"] == id {
			row = r
		}
		return nil
	}), "ReadTable "+table)
	if row == nil {
		b.Fatalf("no row %s in %s", id, table)
	}
	return row
}

// bulk writes n copies of template to table, each changed by set, in
// batches, and returns their ids.
func bulk(b *testing.B, s store.Store, table string, template store.Row, n int, set func(r store.Row, i int)) []string {
	b.Helper()
	ids := make([]string, 0, n)
	rows := make([]store.Row, 0, store.CopyBatch)
	flush := func() {
		benchMust(b, s.WriteRows(context.Background(), table, rows), "WriteRows "+table)
		rows = rows[:0]
	}
	for i := range n {
		r := make(store.Row, len(template))
		for k, v := range template {
			r[k] = v
		}
		set(r, i)
		ids = append(ids, r["id"].(string))
		if rows = append(rows, r); len(rows) == store.CopyBatch {
			flush()
		}
	}
	if len(rows) > 0 {
		flush()
	}
	return ids
}

// benchMust stops b at once on err.
func benchMust(b *testing.B, err error, what string) {
	b.Helper()
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
}
