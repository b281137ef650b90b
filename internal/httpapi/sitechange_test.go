package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

// siteFrame reads the person's frames until a site frame and returns its
// payload.
func siteFrame(t *testing.T, ctx context.Context, p *simclient.Person) map[string]json.RawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		h, payload, err := p.Read(ctx)
		if err != nil {
			t.Fatalf("no site frame came: %v", err)
		}
		if h.Kind != "site" {
			continue
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(payload, &out); err != nil {
			t.Fatalf("a site frame that is not a JSON object: %s", payload)
		}
		return out
	}
}

// An admin's edit of a site's screen mapping, or of its masking through
// the admin API, reaches a connected person at once in a site frame.
func TestSiteEditsReachConnectedPeople(t *testing.T) {
	ts, _ := start(t, app.Config{})
	ctx := context.Background()
	admin := newAdmin(t, ctx, ts, "ada@example.com")
	p := newPerson(ts)
	if err := p.RequestHelp(ctx, siteOrigin+"/app"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}

	const mapping = `{"tags":{"Pin":{"mask":true}}}`
	if err := admin.Do(ctx, "PUT", "/api/v1/sites/"+ts.Site.ID+"/screen-mapping", map[string]any{"mapping": json.RawMessage(mapping)}, nil); err != nil {
		t.Fatal(err)
	}
	if got := siteFrame(t, ctx, p); string(got["screenMapping"]) != mapping || string(got["strictMasking"]) != "false" {
		t.Errorf("the site frame after the mapping's PUT: %v", got)
	}
	if err := admin.Do(ctx, "PATCH", "/api/v1/admin/sites/"+ts.Site.ID, map[string]any{"strictMasking": true, "captureBodies": true}, nil); err != nil {
		t.Fatal(err)
	}
	if got := siteFrame(t, ctx, p); string(got["strictMasking"]) != "true" || string(got["captureBodies"]) != "true" || string(got["screenMapping"]) != mapping {
		t.Errorf("the site frame after the admin's edit: %v", got)
	}
}
