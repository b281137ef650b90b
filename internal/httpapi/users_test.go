package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
)

// The directory lists the console's users by name, filtered by what the
// agent types, bounded, and shows nothing but account, name, email, handle.
func TestUserDirectory(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx := context.Background()
	ts.AddAgent(t, "kim@example.com", "Kim")
	ts.AddAgent(t, "Sam.Rivera@Example.COM", "sam Rivera")
	ts.AddAgent(t, "zed@other.example", "Alma")
	tests := []struct {
		query string
		names []string // in order; nil: the error code below
		code  string
	}{
		{"", []string{"Alex", "Alma", "Kim", "sam Rivera"}, ""},
		{"?q=AL", []string{"Alex", "Alma"}, ""},
		{"?q=rivera", []string{"sam Rivera"}, ""},
		{"?q=other.example", []string{"Alma"}, ""}, // the email matches too
		{"?q=%20kim%20", []string{"Kim"}, ""},
		{"?q=nobody", []string{}, ""},
		{"?limit=2", []string{"Alex", "Alma"}, ""},
		{"?limit=100", []string{"Alex", "Alma", "Kim", "sam Rivera"}, ""},
		{"?q=a&limit=1", []string{"Alex"}, ""},
		{"?limit=0", nil, "invalid"},
		{"?limit=101", nil, "invalid"},
		{"?limit=-1", nil, "invalid"},
		{"?limit=ten", nil, "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var out struct{ Users []map[string]string }
			err := agent.Do(ctx, "GET", "/api/v1/users"+tc.query, nil, &out)
			if tc.names == nil {
				if apiCode(err) != tc.code {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			names := []string{}
			for _, u := range out.Users {
				names = append(names, u["name"])
			}
			if !slices.Equal(names, tc.names) {
				t.Fatalf("names %v, want %v", names, tc.names)
			}
		})
	}

	// Exactly the four fields, the handle as mentions use it.
	var raw struct{ Users []map[string]any }
	if err := agent.Do(ctx, "GET", "/api/v1/users?q=rivera", nil, &raw); err != nil {
		t.Fatal(err)
	}
	u := raw.Users[0]
	keys := []string{}
	for k := range u {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"account", "email", "handle", "name"}) {
		t.Errorf("fields %v, want account, email, handle, name only", keys)
	}
	if u["handle"] != "sam.rivera" || !strings.HasPrefix(u["account"].(string), "user:") {
		t.Errorf("entry %v", u)
	}
	if b, _ := json.Marshal(u); strings.Contains(string(b), "argon") || strings.Contains(string(b), "agent") {
		t.Errorf("entry shows more than it should: %s", b)
	}

	// Without a session: 401.
	res, err := ts.Client().Get(ts.URL() + "/api/v1/users")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: status %d, want 401", res.StatusCode)
	}
}
