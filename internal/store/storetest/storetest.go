// Package storetest is the conformance suite every store.Store backend must
// pass. A backend's test calls Run with a function that opens a fresh, empty
// store; the suite knows nothing of the backend behind it.
package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Run runs the whole suite. open must return a new, empty store for each
// call; Run closes what it opens.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Users", testUsers},
		{"UserValidation", testUserValidation},
		{"UserKeys", testUserKeys},
		{"UserAdmin", testUserAdmin},
		{"Sites", testSites},
		{"SiteValidation", testSiteValidation},
		{"LoginSessions", testLoginSessions},
		{"Assists", testAssists},
		{"AssistIdentity", testAssistIdentity},
		{"ListAssists", testListAssists},
		{"Consents", testConsents},
		{"Pages", testPages},
		{"Invites", testInvites},
		{"InviteCodes", testInviteCodes},
		{"InviteSites", testInviteSites},
		{"RedeemAllOrNothing", testRedeemAllOrNothing},
		{"ConcurrentRedeem", testConcurrentRedeem},
		{"AssistTransitions", testAssistTransitions},
		{"ConcurrentAccept", testConcurrentAccept},
		{"WaitingBudget", testWaitingBudget},
		{"AssistPaging", testAssistPaging},
		{"CountAssists", testCountAssists},
		{"Audit", testAudit},
		{"ListAudit", testListAudit},
		{"Terminals", testTerminals},
		{"ConcurrentWrites", testConcurrentWrites},
		{"DeleteCascades", testDeleteCascades},
		{"SiteRetention", testSiteRetention},
		{"ExpireRecordings", testExpireRecordings},
		{"RemovalQueuesRecordings", testRemovalQueuesRecordings},
		{"Secrets", testSecrets},
		{"Ping", testPing},
		{"LeaseLifecycle", testLeaseLifecycle},
		{"LeaseValidation", testLeaseValidation},
		{"LeaseExpiry", testLeaseExpiry},
		{"LeaseFencing", testLeaseFencing},
		{"LeaseRenewAll", testRenewAll},
		{"LeaseExpiredOrder", testExpiredOrder},
		{"LeaseLapse", testLeaseLapse},
		{"Conversations", testConversations},
		{"ConversationValidation", testConversationValidation},
		{"Members", testMembers},
		{"Messages", testMessages},
		{"MessageValidation", testMessageValidation},
		{"ClientID", testClientID},
		{"Attachments", testAttachments},
		{"ReplaceMessage", testReplaceMessage},
		{"ListConversations", testListConversations},
		{"Queue", testQueue},
		{"MarkRead", testMarkRead},
		{"DeleteConversation", testDeleteConversation},
		{"Bots", testBots},
		{"BotValidation", testBotValidation},
		{"BotCommands", testBotCommands},
		{"Hooks", testHooks},
		{"DeleteBot", testDeleteBot},
		{"TriageBot", testTriageBot},
		{"MentionDeliveries", testMentionDeliveries},
		{"Outbox", testOutbox},
		{"OutboxLock", testOutboxLock},
		{"OutboxValidation", testOutboxValidation},
		{"RecordAttempts", testRecordAttempts},
		{"ServiceLines", testServiceLines},
		{"ServiceLineValidation", testServiceLineValidation},
		{"Identities", testIdentities},
		{"AuthCodes", testAuthCodes},
		{"AuthCodeValidation", testAuthCodeValidation},
		{"ConsoleCodes", testConsoleCodes},
		{"Availability", testAvailability},
		{"PickupTimeout", testPickupTimeout},
		{"LeftMessages", testLeftMessages},
		{"Grants", testGrants},
		{"GrantValidation", testGrantValidation},
		{"OneDevice", testOneDevice},
		{"ListGrants", testListGrants},
		{"DeleteExpiredGrants", testDeleteExpiredGrants},
		{"PassportSessions", testPassportSessions},
		{"SigningKeys", testSigningKeys},
		{"VouchKeys", testVouchKeys},
		{"VouchJTIs", testVouchJTIs},
		{"ShareLinks", testShareLinks},
		{"VideoExports", testVideoExports},
		{"VideoClaimLapse", testVideoClaimLapse},
		{"VideoRaces", testVideoRaces},
		{"VideoValidation", testVideoValidation},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			g.fn(t, s)
		})
	}
}

// at returns a fixed time plus the given minutes. It falls on a
// millisecond, so every backend can store it exactly.
func at(minutes int) time.Time {
	return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

// sameTime reports whether a and b are both zero or within a millisecond,
// the coarsest precision a backend may store.
func sameTime(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() && b.IsZero()
	}
	return a.Sub(b).Abs() < time.Millisecond
}

// wantCode fails t unless err carries the given tandem error code.
func wantCode(t *testing.T, err error, code string, what string) {
	t.Helper()
	if got := tandem.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// must fails t at once on err.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func newUser(t *testing.T, s store.Store, email string) *tandem.User {
	t.Helper()
	u := &tandem.User{Email: email, Name: "Alex from Support", PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5", Role: tandem.RoleAgent}
	must(t, s.CreateUser(context.Background(), u), "CreateUser "+email)
	return u
}

func newSite(t *testing.T, s store.Store, name string) *tandem.Site {
	t.Helper()
	site := &tandem.Site{Name: name, AllowedOrigins: []string{"https://" + strings.ToLower(name) + ".example"}}
	must(t, s.CreateSite(context.Background(), site), "CreateSite "+name)
	return site
}

func newAssist(t *testing.T, s store.Store, siteID string, created time.Time) *tandem.Assist {
	t.Helper()
	return newAssistIn(t, s, siteID, created, tandem.AssistWaiting)
}

// newAssistIn creates an assist that starts in the given state.
func newAssistIn(t *testing.T, s store.Store, siteID string, created time.Time, state tandem.AssistState) *tandem.Assist {
	t.Helper()
	a := &tandem.Assist{SiteID: siteID, State: state, PersonID: "person-1", PageID: "page-1", PageURL: "https://shop.example/cart", CreatedAt: created}
	must(t, s.CreateAssist(context.Background(), a), "CreateAssist")
	return a
}

// newKey returns a fresh ed25519 public key as an authorized_keys line and
// its SHA256 fingerprint.
func newKey(t *testing.T, comment string) (line, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must(t, err, "generate key")
	pk, err := ssh.NewPublicKey(pub)
	must(t, err, "ssh public key")
	line = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	if comment != "" {
		line += " " + comment
	}
	return line, ssh.FingerprintSHA256(pk)
}

// checkID fails t unless id looks unguessable: long, and made only of
// characters that are safe in URLs and SSH user names.
func checkID(t *testing.T, id, what string) {
	t.Helper()
	if len(id) < 20 {
		t.Errorf("%s id %q is too short to be unguessable", what, id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			t.Errorf("%s id %q has %q, not safe in URLs", what, id, r)
			break
		}
	}
}
