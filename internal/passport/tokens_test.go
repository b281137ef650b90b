package passport

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
)

func TestGrantTokensAreDerivedPerGeneration(t *testing.T) {
	key := DeriveKey([]byte("0123456789abcdef0123456789abcdef"))
	a1, r1 := grantTokens(key, "g1", 1)
	a1again, r1again := grantTokens(key, "g1", 1)
	a2, r2 := grantTokens(key, "g1", 2)
	other, _ := grantTokens(key, "g2", 1)
	otherKey, _ := grantTokens(DeriveKey([]byte("another signing key, 32 bytes..")), "g1", 1)
	if a1 != a1again || r1 != r1again {
		t.Fatal("the same grant and generation must give the same tokens")
	}
	for _, tok := range []string{a2, r2, other, otherKey} {
		if tok == a1 || tok == r1 {
			t.Fatalf("token %s repeats another generation's, grant's or key's", tok)
		}
	}
	if err := CheckToken(AccessPrefix, a1); err != nil {
		t.Errorf("access token %q: %v", a1, err)
	}
	if err := CheckToken(RefreshPrefix, r1); err != nil {
		t.Errorf("refresh token %q: %v", r1, err)
	}
	if CheckToken(AccessPrefix, r1) == nil {
		t.Error("a refresh token passed for an access token")
	}
}

func TestCheckToken(t *testing.T) {
	good := randomToken(CodePrefix)
	for _, tc := range []struct {
		tok string
		ok  bool
	}{
		{good, true},
		{"", false},
		{CodePrefix, false},
		{good[:len(good)-1], false},
		{good + "A", false},
		{AccessPrefix + good[len(CodePrefix):], false},
		{CodePrefix + strings.Repeat("!", 43), false},
		{CodePrefix + strings.Repeat("A", 42) + "=", false},
	} {
		if err := CheckToken(CodePrefix, tc.tok); (err == nil) != tc.ok {
			t.Errorf("CheckToken(%q) = %v, want ok %v", tc.tok, err, tc.ok)
		}
	}
}

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		header, want string
		ok           bool
	}{
		{"Bearer tpa_x", "tpa_x", true},
		{"bearer tpa_x", "tpa_x", true},
		{"Bearer  tpa_x ", "tpa_x", true},
		{"Basic dXNlcjpwYXNz", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearer a b", "", false},
		{"", "", false},
	} {
		got, err := BearerToken(tc.header)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("BearerToken(%q) = %q, %v; want %q ok %v", tc.header, got, err, tc.want, tc.ok)
		}
	}
}

func TestPKCE(t *testing.T) {
	// RFC 7636 appendix B.
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge := "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if S256(verifier) != challenge {
		t.Fatalf("S256 = %s, want %s", S256(verifier), challenge)
	}
	if err := CheckVerifier(verifier, challenge); err != nil {
		t.Errorf("the RFC's verifier: %v", err)
	}
	for _, v := range []string{
		verifier[:42],                                 // too short
		strings.Repeat("a", 129),                      // too long
		verifier[:42] + "!",                           // bad character
		"eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", // another verifier
	} {
		if CheckVerifier(v, challenge) == nil {
			t.Errorf("verifier %q passed", v)
		}
	}
	for _, tc := range []struct {
		challenge, method string
		ok                bool
	}{
		{challenge, "S256", true},
		{challenge, "plain", false},
		{challenge, "", false},
		{challenge, "s256", false},
		{challenge[:42], "S256", false},
		{challenge[:42] + "+", "S256", false},
	} {
		if err := checkChallenge(tc.challenge, tc.method); (err == nil) != tc.ok {
			t.Errorf("checkChallenge(%q, %q) = %v, want ok %v", tc.challenge, tc.method, err, tc.ok)
		}
	}
}

func TestRedirectURIs(t *testing.T) {
	reg := []string{"https://a.example/cb", "http://127.0.0.1:8080/cb"}
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://a.example/cb", true},
		{"http://127.0.0.1:8080/cb", true},
		{"https://a.example/cb/", false},
		{"https://a.example/cb?x=1", false},
		{"https://A.example/cb", false},
		{"https://a.example/cb#", false},
		{"https://a.example.evil/cb", false},
		{"https://a.example/cbx", false},
		{"", false},
	} {
		if got := MatchRedirect(reg, tc.uri); got != tc.ok {
			t.Errorf("MatchRedirect(%q) = %v, want %v", tc.uri, got, tc.ok)
		}
	}
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://a.example/cb", true},
		{"http://localhost:3000/cb", true},
		{"http://[::1]:3000/cb", true},
		{"http://a.example/cb", false},
		{"https://a.example/cb#frag", false},
		{"https://user:pw@a.example/cb", false},
		{"/cb", false},
		{"javascript:alert(1)", false},
		{"custom:/cb", false},
	} {
		if err := CheckRedirectURI(tc.uri); (err == nil) != tc.ok {
			t.Errorf("CheckRedirectURI(%q) = %v, want ok %v", tc.uri, err, tc.ok)
		}
	}
}

func FuzzParsers(f *testing.F) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	fuzzKey := func(kid string) crypto.PublicKey {
		if kid == "k1" {
			return priv.Public()
		}
		return nil
	}
	f.Add("Bearer " + randomToken(AccessPrefix))
	f.Add("tpr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []string{AccessPrefix, RefreshPrefix, CodePrefix, SessionPrefix} {
			if CheckToken(p, s) == nil && (!strings.HasPrefix(s, p) || len(s) != len(p)+tokenBodyLen) {
				t.Fatalf("CheckToken(%q, %q) passed a token of the wrong shape", p, s)
			}
		}
		if tok, err := BearerToken(s); err == nil && (tok == "" || strings.ContainsAny(tok, " \t")) {
			t.Fatalf("BearerToken(%q) = %q", s, tok)
		}
		_ = CheckVerifier(s, S256(s))
		_ = CheckRedirectURI(s)
		_ = checkChallenge(s, "S256")
		// Without the signing key's private half, nothing the fuzzer
		// makes may pass for an ID token.
		if _, err := parseIDToken(s, "https://passport.example", fuzzKey); err == nil {
			t.Fatalf("parseIDToken(%q) passed", s)
		}
	})
}
