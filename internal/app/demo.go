package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/screenmap"
	"github.com/tandemhq/tandem/internal/store"
)

const (
	demoSiteName  = "Demo site"
	demoEmail     = "alex@demo.tandem.local"
	demoName      = "Alex"
	demoLoginFile = "demo-login.txt"
)

// demoScreenMapping is how the demo's canvas app (/native.html) is drawn
// for agents (docs/native-screens.md): its tags as form elements, its
// password fields masked on the device.
const demoScreenMapping = `{"tags":{"Title":{"element":"h1"},"Field":{"element":"input","text":"value"},
	"Button":{"element":"button","text":"label","classes":["primary"]},"List":{"element":"ul"},"Row":{"element":"li"}},
	"maskTypes":["password"]}`

// seedDemo makes sure the demo site (on siteURL) and a demo agent exist.
// The agent is created only in an empty store, with a random password that
// is kept in the data dir so that each start can print it.
func seedDemo(ctx context.Context, db store.Store, dataDir, siteURL string) (DemoInfo, error) {
	info := DemoInfo{SiteURL: siteURL, Email: demoEmail}
	origins := demoOrigins(siteURL)
	sites, err := db.ListSites(ctx)
	if err != nil {
		return info, err
	}
	var site *tandem.Site
	for _, s := range sites {
		if s.Name == demoSiteName {
			site = s
		}
	}
	if site == nil {
		mapping, err := screenmap.Check([]byte(demoScreenMapping))
		if err != nil {
			return info, fmt.Errorf("demo screen mapping: %w", err)
		}
		site = &tandem.Site{Name: demoSiteName, AllowedOrigins: origins, ScreenMapping: mapping}
		if err := db.CreateSite(ctx, site); err != nil {
			return info, fmt.Errorf("create demo site: %w", err)
		}
	} else if strings.Join(site.AllowedOrigins, " ") != strings.Join(origins, " ") {
		site.AllowedOrigins = origins // the demo port changed since the last run
		if err := db.UpdateSite(ctx, site); err != nil {
			return info, fmt.Errorf("update demo site: %w", err)
		}
	}
	info.SiteKey = site.Key

	loginFile := filepath.Join(dataDir, demoLoginFile)
	users, err := db.ListUsers(ctx)
	if err != nil {
		return info, err
	}
	if len(users) > 0 {
		if b, err := os.ReadFile(loginFile); err == nil {
			info.Password = strings.TrimSpace(string(b))
		}
		return info, nil
	}
	pw := password.Generate()
	hash, err := password.Hash(pw)
	if err != nil {
		return info, err
	}
	if err := db.CreateUser(ctx, &tandem.User{Email: demoEmail, Name: demoName, PasswordHash: hash, Role: tandem.RoleAdmin}); err != nil {
		return info, fmt.Errorf("create demo agent: %w", err)
	}
	// With a store elsewhere, serve may not have made the data directory.
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return info, fmt.Errorf("save demo login: %w", err)
	}
	if err := os.WriteFile(loginFile, []byte(pw+"\n"), 0o600); err != nil {
		return info, fmt.Errorf("save demo login: %w", err)
	}
	info.Password = pw
	return info, nil
}

// demoOrigins lists the origins a browser may report for the demo site.
func demoOrigins(siteURL string) []string {
	u, err := url.Parse(siteURL)
	if err != nil {
		return []string{siteURL}
	}
	origins := []string{u.Scheme + "://" + u.Host}
	if host, port := u.Hostname(), u.Port(); host == "127.0.0.1" || host == "::1" {
		origins = append(origins, u.Scheme+"://localhost:"+port)
	}
	return origins
}
