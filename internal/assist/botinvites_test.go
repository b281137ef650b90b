package assist

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

// A bot's invite has no agent: opening it is a help request (a waiting
// assist in the queue, no consent given to anyone), and it is single-use.
func TestBotInviteMakesAWaitingAssist(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	link, err := h.s.CreateBotInvite(h.ctx, h.site.ID, testOrigin+"/cart")
	if err != nil {
		t.Fatal(err)
	}
	token := link.Link[strings.Index(link.Link, "#tandem-invite=")+len("#tandem-invite="):]
	req := RedeemRequest{HelpRequest: HelpRequest{SiteKey: h.site.Key, PageID: "p1", URL: testOrigin + "/cart", Origin: testOrigin}, Token: token}
	st, err := h.s.RedeemInvite(h.ctx, req)
	if err != nil {
		t.Fatalf("redeem: %v", err)
	}
	if st.Assist.State != tandem.AssistWaiting || st.Assist.AgentID != "" {
		t.Fatalf("assist %s with agent %q, want waiting with none", st.Assist.State, st.Assist.AgentID)
	}
	consents, err := h.db.ConsentsFor(h.ctx, st.Assist.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(consents) != 1 || consents[0].Allowed || consents[0].Method != consentBotInvite {
		t.Fatalf("consents %+v, want one bot-invite record that allows nothing", consents[0])
	}
	if _, err := h.s.RedeemInvite(h.ctx, req); tandem.ErrorCode(err) != tandem.EUsed {
		t.Fatalf("second redeem: %v, want used", err)
	}
	// An agent accepts it as any request: the person is asked then.
	p := h.connect(st)
	if _, err := h.s.Accept(h.ctx, h.agent, st.Assist.ID); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if err := p.Handle(h.ctx, []byte(`{"k":"consent"}`+"\n"+`{"allow":true}`)); err != nil {
		t.Fatalf("consent: %v", err)
	}
	a, err := h.db.AssistByID(h.ctx, st.Assist.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != tandem.AssistLive {
		t.Fatalf("after consent: %s, want live", a.State)
	}
	ended, err := h.s.EndAs(h.ctx, "bot:b1", "triage", a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ended.State != tandem.AssistEnded || ended.EndReason != "ended by triage" {
		t.Fatalf("ended %s %q", ended.State, ended.EndReason)
	}
}
