package passport_test

import (
	"context"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem/internal/app"
)

// A site signs a person in with go-oidc and x/oauth2 (PKCE S256, nonce),
// gets their claims from userinfo and refreshes; a second site on another
// origin then signs them in without a form (single sign-on).
func TestGoOIDCCodeFlow(t *testing.T) {
	w := newWorld(t, app.Config{})
	ctx := t.Context()
	provider, err := oidc.NewProvider(ctx, w.ts.URL())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	b := browser(t)
	signIn := func(siteKey, redirect string, wantForm bool) (*oauth2.Config, *oauth2.Token, *oidc.IDToken) {
		t.Helper()
		conf := &oauth2.Config{ClientID: siteKey, Endpoint: provider.Endpoint(), RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("state-"+siteKey, oauth2.S256ChallengeOption(verifier), oidc.Nonce("nonce-"+siteKey))
		q, form, err := authorize(ctx, b, authURL, w.email, w.password)
		if err != nil {
			t.Fatalf("authorize for %s: %v", siteKey, err)
		}
		if form != wantForm {
			t.Fatalf("sign-in form shown %v, want %v", form, wantForm)
		}
		if q.Get("state") != "state-"+siteKey || q.Get("iss") != w.ts.URL() {
			t.Fatalf("redirect query %v", q)
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := provider.Verifier(&oidc.Config{ClientID: siteKey}).Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify ID token: %v", err)
		}
		if idt.Nonce != "nonce-"+siteKey || idt.Subject != w.identity.ID {
			t.Fatalf("ID token nonce %q subject %q", idt.Nonce, idt.Subject)
		}
		// The code works once.
		if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
			t.Fatal("a code was exchanged twice")
		}
		return conf, tok, idt
	}
	confA, tokA, _ := signIn(w.a.Key, w.aRedir, true)
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tokA))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if info.Subject != w.identity.ID || info.Email != w.email {
		t.Fatalf("userinfo: %+v", info)
	}
	// An expired token refreshes through the token source.
	expired := *tokA
	expired.Expiry = time.Now().Add(-time.Minute)
	fresh, err := confA.TokenSource(ctx, &expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == tokA.AccessToken || fresh.RefreshToken == tokA.RefreshToken {
		t.Fatal("a refresh returned the same tokens")
	}
	if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err != nil {
		t.Fatalf("userinfo with the refreshed token: %v", err)
	}
	// Site B, another origin: signed in already, no form.
	signIn(w.b.Key, w.bRedir, false)
}

// zitadel's rp package (an OpenID-certified relying party) completes the
// code flow with PKCE, reads userinfo, refreshes and revokes.
func TestZitadelRPCodeFlow(t *testing.T) {
	w := newWorld(t, app.Config{})
	ctx := t.Context()
	relying, err := rp.NewRelyingPartyOIDC(ctx, w.ts.URL(), w.a.Key, "", w.aRedir, []string{"openid", "email", "profile"},
		rp.WithVerifierOpts(rp.WithNonce(func(ctx context.Context) string {
			// As zitadel's handlers do with their cookie: the nonce of the
			// authorization request being completed, none on a refresh
			// (the refreshed ID token carries none).
			n, _ := ctx.Value(nonceKey{}).(string)
			return n
		})))
	if err != nil {
		t.Fatalf("relying party: %v", err)
	}
	verifier := oauth2.GenerateVerifier()
	authURL := rp.AuthURL("zstate", relying, rp.WithCodeChallenge(oauth2.S256ChallengeFromVerifier(verifier)),
		func() []oauth2.AuthCodeOption {
			return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("nonce", "zitadel-nonce")}
		})
	q, _, err := authorize(ctx, browser(t), authURL, w.email, w.password)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	tokens, err := rp.CodeExchange[*zoidc.IDTokenClaims](context.WithValue(ctx, nonceKey{}, "zitadel-nonce"), q.Get("code"), relying, rp.WithCodeVerifier(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	if tokens.IDTokenClaims.Subject != w.identity.ID || tokens.IDTokenClaims.Email != w.email {
		t.Fatalf("ID token claims: sub %q email %q", tokens.IDTokenClaims.Subject, tokens.IDTokenClaims.Email)
	}
	info, err := rp.Userinfo[*zoidc.UserInfo](ctx, tokens.AccessToken, "Bearer", tokens.IDTokenClaims.Subject, relying)
	if err != nil || info.Email != w.email {
		t.Fatalf("userinfo: %+v, %v", info, err)
	}
	refreshed, err := rp.RefreshTokens[*zoidc.IDTokenClaims](ctx, relying, tokens.RefreshToken, "", "")
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if refreshed.AccessToken == tokens.AccessToken {
		t.Fatal("refresh returned the same access token")
	}
	if err := rp.RevokeToken(ctx, relying, refreshed.RefreshToken, "refresh_token"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := rp.Userinfo[*zoidc.UserInfo](ctx, refreshed.AccessToken, "Bearer", tokens.IDTokenClaims.Subject, relying); err == nil {
		t.Fatal("userinfo answered for a revoked sign-in")
	}
}

type nonceKey struct{}
