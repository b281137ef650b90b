package bot

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/assist"
)

const shop = "https://shop.example.com"

// The triage flow, as a bot drives it: the site's triage bot is in the
// person's support conversation; it posts an invite, the person's
// redemption makes a waiting assist linked to the conversation, the bot
// reads it, hands over to agents and ends it. Each step is audited with
// the bot's token.
func TestAssistScopes(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("triage", tandem.ScopeMessagesWrite, tandem.ScopeAssistRead, tandem.ScopeAssistInvite,
		tandem.ScopeAssistHandover, tandem.ScopeAssistEnd)
	f.site.TriageBotID = b.ID
	if err := f.db.UpdateSite(f.ctx, f.site); err != nil {
		t.Fatal(err)
	}
	c, personToken, err := f.convs.OpenSupport(f.ctx, f.site.Key, shop, "")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := f.s.AssistOf(f.ctx, b, c.ID); err != nil || st != nil {
		t.Fatalf("assist before any: %+v %v", st, err)
	}
	inv, err := f.s.Invite(f.ctx, b, c.ID, "Show us your screen")
	if err != nil {
		t.Fatal(err)
	}
	btn := inv.Message.Blocks[0].Buttons[0]
	if btn.URL != inv.Link.Link || btn.Label != "Show us your screen" || !strings.HasPrefix(btn.URL, shop+"/#tandem-invite=") {
		t.Fatalf("invite button %+v", btn)
	}
	entries, _ := f.db.AuditFor(f.ctx, inv.Link.ID)
	if len(entries) != 1 || entries[0].Action != "bot.invite" || entries[0].Actor != "bot:"+b.ID || !strings.Contains(entries[0].Detail, "token "+b.TokenID) {
		t.Fatalf("invite audit %+v", entries)
	}

	token := btn.URL[strings.Index(btn.URL, "=")+1:]
	st, err := f.assists.RedeemInvite(f.ctx, assist.RedeemRequest{Token: token, HelpRequest: assist.HelpRequest{
		SiteKey: f.site.Key, PageID: "p1", URL: shop + "/cart", Origin: shop, ConversationID: c.ID, ConversationToken: personToken,
	}})
	if err != nil {
		t.Fatalf("redeem: %v", err)
	}
	if st.Assist.State != tandem.AssistWaiting || st.ConversationID != c.ID {
		t.Fatalf("redeemed: %s in %q", st.Assist.State, st.ConversationID)
	}
	status, err := f.s.AssistOf(f.ctx, b, c.ID)
	if err != nil || status == nil || status.ID != st.Assist.ID || status.State != "waiting" || status.PageURL != shop+"/cart" {
		t.Fatalf("assist status %+v %v", status, err)
	}
	// An invite while the person waits is fine; once live it is not.
	queued, err := f.s.Handover(f.ctx, b, c.ID, "wants a refund")
	if err != nil || !queued.Queued || queued.Summary != "wants a refund" {
		t.Fatalf("handover %+v %v", queued, err)
	}
	ended, err := f.s.EndAssist(f.ctx, b, c.ID)
	if err != nil || ended.State != tandem.AssistEnded || ended.EndReason != "ended by triage" {
		t.Fatalf("end %+v %v", ended, err)
	}
	if _, err := f.s.EndAssist(f.ctx, b, c.ID); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("end twice: %v", err)
	}
	log, _ := f.db.AuditFor(f.ctx, st.Assist.ID)
	seen := map[string]bool{}
	for _, e := range log {
		if e.Actor == "bot:"+b.ID && strings.HasPrefix(e.Action, "bot.") {
			if !strings.Contains(e.Detail, "token "+b.TokenID) {
				t.Fatalf("audit %+v does not name the token", e)
			}
			seen[e.Action] = true
		}
	}
	for _, a := range []string{"bot.read", "bot.handover", "bot.end"} {
		if !seen[a] {
			t.Fatalf("no %s in the assist's audit log: %+v", a, log)
		}
	}

	// The same in a group conversation is refused; so is a bot without
	// the grant.
	g := f.conversation(b, tandem.AllScopes()...)
	if _, err := f.s.Invite(f.ctx, b, g.ID, ""); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("invite in a group: %v", err)
	}
	other, _ := f.bot("other", tandem.ScopeAssistInvite, tandem.ScopeAssistRead)
	if _, err := f.s.Instruct(f.ctx, b, g.ID, []botapi.Instruction{{Type: botapi.AddMember, Account: "bot:" + other.ID}}); err == nil {
		t.Fatal("a bot added another bot")
	}
	if _, err := f.s.AssistOf(f.ctx, other, c.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("a bot outside the conversation reads its assist: %v", err)
	}
}
