package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/password"
)

// TestConsoleAdmin: an admin invites an agent in the console, the agent
// opens the link, sets a password and is signed in; the admin disables
// them and their console is signed out at its next request; the admin adds
// an SSH key to them, edits a site's origins, and sees all of it in the
// audit log.
func TestConsoleAdmin(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	const adminPW = "the admin's password"
	hash, err := password.HashWith(password.TestParams(), adminPW)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Store().CreateUser(ctx, &tandem.User{Email: "ada@example.com", Name: "Ada", PasswordHash: hash, Role: tandem.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	admin := e.tab()
	e.loginConsole(admin, "ada@example.com", adminPW)
	browsertest.Run(t, admin, "open administration", browsertest.Clicked(`a[href="/console/admin"]`))
	waitJS(t, admin, "the agents", `document.querySelector('[data-testid=admin-agents]')`)

	// Invite.
	browsertest.Run(t, admin, "invite",
		browsertest.Clicked(`[data-testid=admin-invite]`),
		chromedp.WaitVisible(`[data-testid=admin-invite-email]`),
		chromedp.SendKeys(`[data-testid=admin-invite-email]`, "kim@example.com"),
		chromedp.SendKeys(`[data-testid=admin-invite-name]`, "Kim"),
		browsertest.Clicked(`[data-testid=admin-invite-submit]`),
	)
	waitJS(t, admin, "the invite link", `document.querySelector('[data-testid=admin-invite-url]')?.value.includes('#invite=')`)
	link := browsertest.Eval[string](t, admin, `document.querySelector('[data-testid=admin-invite-url]').value`)
	row := `[data-agent-email="kim@example.com"]`
	waitJS(t, admin, "the invited row", `document.querySelector('`+row+` [data-testid=admin-agent-state]')?.textContent === 'invited'`)

	// The agent redeems.
	agent := e.tab()
	browsertest.Run(t, agent, "open the invite", chromedp.Navigate(link))
	browsertest.Run(t, agent, "choose a password",
		chromedp.WaitVisible(`[data-testid=redeem-password]`),
		chromedp.SendKeys(`[data-testid=redeem-password]`, "kim's new password"),
		chromedp.SendKeys(`[data-testid=redeem-again]`, "kim's new password"),
		browsertest.Clicked(`[data-testid=redeem-submit]`),
	)
	waitJS(t, agent, "the console, signed in as Kim", `document.querySelector('[data-testid=agent-name]')?.textContent.includes('Kim') && !location.hash`)

	// Disable: the agent's console is signed out at once.
	browsertest.Run(t, admin, "reload the agents", chromedp.Reload())
	waitJS(t, admin, "Kim active", `document.querySelector('`+row+` [data-testid=admin-agent-state]')?.textContent === 'active'`)
	browsertest.Run(t, admin, "disable", browsertest.Clicked(row+` [data-testid=admin-agent-disable]`))
	browsertest.Run(t, admin, "confirm", browsertest.Clicked(`[data-testid=admin-disable-dialog] [data-testid=confirm-ok]`))
	waitJS(t, admin, "Kim disabled", `document.querySelector('`+row+` [data-testid=admin-agent-state]')?.textContent === 'disabled'`)
	// Without a click: the open queue channel closes when the session
	// ends, and the console shows its sign-in form.
	waitJS(t, agent, "the sign-in form", `document.querySelector('[data-testid=login-email]')`)

	// An SSH key.
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " kim@laptop"
	fp := ssh.FingerprintSHA256(pk)
	browsertest.Run(t, admin, "add a key",
		browsertest.Clicked(row+` [data-testid=admin-agent-keys]`),
		chromedp.WaitVisible(`[data-testid=admin-key-input]`),
		chromedp.SendKeys(`[data-testid=admin-key-input]`, "ssh-ed25519 AAAAbroken"),
		browsertest.Clicked(`[data-testid=admin-key-add]`),
	)
	waitJS(t, admin, "the key refused", `document.querySelector('[data-testid=admin-key-error]')?.textContent.includes('not a single SSH public key')`)
	browsertest.Run(t, admin, "paste the right key",
		chromedp.Evaluate(`document.querySelector("[data-testid=admin-key-input]").value = ""`, nil),
		chromedp.SendKeys(`[data-testid=admin-key-input]`, line),
		browsertest.Clicked(`[data-testid=admin-key-add]`),
	)
	waitJS(t, admin, "the key's fingerprint", `document.querySelector('[data-testid=admin-key-fingerprint]')?.textContent === '`+fp+`'`)
	browsertest.Run(t, admin, "close the keys", chromedp.KeyEvent("\x1b"))

	// A site's origins.
	site, err := e.srv.Store().SiteByKey(ctx, e.srv.Demo().SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	srow := `[data-site-id="` + site.ID + `"]`
	browsertest.Run(t, admin, "edit the site",
		browsertest.Clicked(`[data-testid=admin-tab-sites]`),
		chromedp.WaitVisible(srow+` [data-testid=admin-site-edit]`),
		browsertest.Clicked(srow+` [data-testid=admin-site-edit]`),
		chromedp.WaitVisible(`[data-testid=admin-site-origins-input]`),
		chromedp.SendKeys(`[data-testid=admin-site-origins-input]`, " ftp://nope "),
		browsertest.Clicked(`[data-testid=admin-site-save]`),
	)
	waitJS(t, admin, "the bad origin refused", `document.querySelector('[data-testid=admin-site-error]')?.textContent.length > 0`)
	origins := strings.Join(append(append([]string{}, site.AllowedOrigins...), "https://extra.example"), "\n")
	browsertest.Run(t, admin, "fix the origins",
		chromedp.Evaluate(`document.querySelector("[data-testid=admin-site-origins-input]").value = ""`, nil),
		chromedp.SendKeys(`[data-testid=admin-site-origins-input]`, strings.ReplaceAll(origins, "\n", " ")),
		browsertest.Clicked(`[data-testid=admin-site-save]`),
	)
	waitJS(t, admin, "the new origin listed", `document.querySelector('`+srow+` [data-testid=admin-site-origins]')?.textContent.includes('https://extra.example')`)
	if got, _ := e.srv.Store().SiteByID(ctx, site.ID); len(got.AllowedOrigins) != len(site.AllowedOrigins)+1 {
		t.Errorf("stored origins %v, want %v and https://extra.example", got.AllowedOrigins, site.AllowedOrigins)
	}

	// The audit log, newest first, and filtered.
	browsertest.Run(t, admin, "open the audit log", browsertest.Clicked(`[data-testid=admin-tab-audit]`))
	waitJS(t, admin, "the audit rows", `[...document.querySelectorAll('[data-testid=audit-row-action]')].map(e => e.textContent).slice(0, 5).join(' ') ===
		'admin.site.update admin.user.key.add admin.user.disable admin.user.redeem admin.user.invite'`)
	browsertest.Run(t, admin, "filter by action",
		chromedp.SendKeys(`[data-testid=audit-action]`, "admin.user.disable"),
		browsertest.Clicked(`[data-testid=audit-filter]`),
	)
	waitJS(t, admin, "one row", `[...document.querySelectorAll('[data-testid=audit-row-action]')].map(e => e.textContent).join(' ') === 'admin.user.disable'`)
}
