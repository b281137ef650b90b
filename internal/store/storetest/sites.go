package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func testSites(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := &tandem.Site{
		Name:           " Shop ",
		AllowedOrigins: []string{"https://Shop.Example.com/", "http://localhost:3000", "https://shop.example.com:443"},
		StrictMasking:  true,
	}
	must(t, s.CreateSite(ctx, site), "CreateSite")
	checkID(t, site.ID, "site")
	if !strings.HasPrefix(site.Key, "site_") || len(site.Key) < 25 {
		t.Errorf("site key %q: want site_ and at least 20 random characters", site.Key)
	}
	if site.CreatedAt.IsZero() {
		t.Error("CreateSite left CreatedAt zero")
	}
	wantOrigins := []string{"https://shop.example.com", "http://localhost:3000"}
	if site.Name != "Shop" || !slices.Equal(site.AllowedOrigins, wantOrigins) {
		t.Errorf("CreateSite stored name %q origins %q, want %q %q", site.Name, site.AllowedOrigins, "Shop", wantOrigins)
	}

	for _, get := range []struct {
		name string
		fn   func() (*tandem.Site, error)
	}{
		{"SiteByID", func() (*tandem.Site, error) { return s.SiteByID(ctx, site.ID) }},
		{"SiteByKey", func() (*tandem.Site, error) { return s.SiteByKey(ctx, site.Key) }},
	} {
		got, err := get.fn()
		if err != nil {
			t.Errorf("%s: %v", get.name, err)
			continue
		}
		if got.ID != site.ID || got.Key != site.Key || got.Name != "Shop" || !slices.Equal(got.AllowedOrigins, wantOrigins) ||
			!got.StrictMasking || got.CaptureBodies || got.ConsentEachAgent || !sameTime(got.CreatedAt, site.CreatedAt) {
			t.Errorf("%s = %+v, want %+v", get.name, got, site)
		}
		if !got.AllowsOrigin("http://localhost:3000") || got.AllowsOrigin("https://evil.example") {
			t.Errorf("%s: origins read back do not match as stored: %q", get.name, got.AllowedOrigins)
		}
	}

	other := newSite(t, s, "Blog")
	if other.ID == site.ID || other.Key == site.Key {
		t.Errorf("two sites share an id or key: %s/%s and %s/%s", site.ID, site.Key, other.ID, other.Key)
	}
	wantCode(t, s.CreateSite(ctx, &tandem.Site{Name: "Copy", Key: site.Key}), tandem.EConflict, "CreateSite with a taken key")

	list, err := s.ListSites(ctx)
	must(t, err, "ListSites")
	if len(list) != 2 {
		t.Fatalf("ListSites returned %d sites, want 2", len(list))
	}

	site.Name = "Shop EU"
	site.AllowedOrigins = []string{"https://shop.example.eu"}
	site.StrictMasking, site.CaptureBodies, site.ConsentEachAgent, site.AutoVideo = false, true, true, true
	must(t, s.UpdateSite(ctx, site), "UpdateSite")
	got, err := s.SiteByID(ctx, site.ID)
	must(t, err, "SiteByID after UpdateSite")
	if got.Name != "Shop EU" || !slices.Equal(got.AllowedOrigins, []string{"https://shop.example.eu"}) || got.StrictMasking || !got.CaptureBodies || !got.ConsentEachAgent || !got.AutoVideo {
		t.Errorf("after UpdateSite: %+v", got)
	}
	if got.Key != site.Key {
		t.Errorf("UpdateSite changed the key to %q", got.Key)
	}

	// A bad update changes nothing.
	bad := *got
	bad.Name = "Broken"
	bad.AllowedOrigins = []string{"ftp://shop.example.eu"}
	wantCode(t, s.UpdateSite(ctx, &bad), tandem.EInvalid, "UpdateSite with a bad origin")
	got, err = s.SiteByID(ctx, site.ID)
	must(t, err, "SiteByID")
	if got.Name != "Shop EU" {
		t.Errorf("a rejected UpdateSite changed the name to %q", got.Name)
	}
	wantCode(t, s.UpdateSite(ctx, &tandem.Site{ID: "no-such-site", Name: "X"}), tandem.ENotFound, "UpdateSite unknown")

	// The screen mapping is stored compact, and a bad one changes nothing.
	got.ScreenMapping = `{ "tags": {"Button": {"element": "button"}}, "maskTypes": ["password"] }`
	must(t, s.UpdateSite(ctx, got), "UpdateSite screen mapping")
	const compact = `{"tags":{"Button":{"element":"button"}},"maskTypes":["password"]}`
	if got.ScreenMapping != compact {
		t.Errorf("UpdateSite left the mapping as %q, want %q", got.ScreenMapping, compact)
	}
	for _, bad := range []string{`{"tags": {"B": {"element": "script"}}}`, `[1]`, `{"x": 1}`} {
		c := *got
		c.ScreenMapping = bad
		wantCode(t, s.UpdateSite(ctx, &c), tandem.EInvalid, "UpdateSite with screen mapping "+bad)
	}
	got, err = s.SiteByID(ctx, site.ID)
	must(t, err, "SiteByID after screen mapping")
	if got.ScreenMapping != compact {
		t.Errorf("stored screen mapping %q, want %q", got.ScreenMapping, compact)
	}
	got.ScreenMapping = ""
	must(t, s.UpdateSite(ctx, got), "UpdateSite clearing the screen mapping")
	if got, err = s.SiteByID(ctx, site.ID); err != nil || got.ScreenMapping != "" {
		t.Errorf("after clearing, screen mapping %q (%v)", got.ScreenMapping, err)
	}

	_, err = s.SiteByID(ctx, "no-such-site")
	wantCode(t, err, tandem.ENotFound, "SiteByID unknown")
	_, err = s.SiteByKey(ctx, "site_nosuchkey")
	wantCode(t, err, tandem.ENotFound, "SiteByKey unknown")

	must(t, s.DeleteSite(ctx, site.ID), "DeleteSite")
	_, err = s.SiteByKey(ctx, site.Key)
	wantCode(t, err, tandem.ENotFound, "SiteByKey after DeleteSite")
	wantCode(t, s.DeleteSite(ctx, site.ID), tandem.ENotFound, "DeleteSite twice")
	list, err = s.ListSites(ctx)
	must(t, err, "ListSites")
	if len(list) != 1 || list[0].ID != other.ID {
		t.Errorf("ListSites after delete = %v, want only %s", list, other.ID)
	}
}

func testSiteValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name    string
		origins []string
	}{
		{"path", []string{"https://shop.example/app"}},
		{"query", []string{"https://shop.example?x=1"}},
		{"fragment", []string{"https://shop.example#top"}},
		{"no scheme", []string{"shop.example"}},
		{"ftp", []string{"ftp://shop.example"}},
		{"javascript", []string{"javascript:alert(1)"}},
		{"no host", []string{"https://"}},
		{"user info", []string{"https://me@shop.example"}},
		{"bad port", []string{"https://shop.example:99999"}},
		{"one bad among good", []string{"https://good.example", "https://bad.example/path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, s.CreateSite(ctx, &tandem.Site{Name: "Shop", AllowedOrigins: tt.origins}), tandem.EInvalid, "CreateSite")
		})
	}
	wantCode(t, s.CreateSite(ctx, &tandem.Site{Name: " ", AllowedOrigins: []string{"https://shop.example"}}), tandem.EInvalid, "CreateSite without a name")
	list, err := s.ListSites(ctx)
	must(t, err, "ListSites")
	if len(list) != 0 {
		t.Errorf("invalid sites were written: %d sites", len(list))
	}
}
