package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
)

// get fetches url with an optional bearer token and returns the status and
// body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const metricName = "tandem_assists_live"

func TestMetricsAreNotOnThePublicPort(t *testing.T) {
	ts := apptest.Start(t, app.Config{MetricsAddr: "127.0.0.1:0"}, "")
	if code, _ := get(t, ts.URL()+"/metrics", ""); code != http.StatusNotFound {
		t.Fatalf("public /metrics = %d, want 404", code)
	}
	code, body := get(t, "http://"+ts.MetricsAddr()+"/metrics", "")
	if code != http.StatusOK || !strings.Contains(body, metricName) {
		t.Fatalf("metrics listener /metrics = %d %.200q", code, body)
	}
	// The metrics listener serves nothing else.
	if code, _ := get(t, "http://"+ts.MetricsAddr()+"/api/v1/me", ""); code != http.StatusNotFound {
		t.Fatalf("metrics listener /api/v1/me = %d, want 404", code)
	}
}

func TestMetricsOffByDefault(t *testing.T) {
	ts := apptest.Start(t, app.Config{}, "")
	if ts.MetricsAddr() != "" {
		t.Fatalf("a metrics listener at %s without --metrics-addr", ts.MetricsAddr())
	}
	if code, _ := get(t, ts.URL()+"/metrics", ""); code != http.StatusNotFound {
		t.Fatalf("public /metrics = %d, want 404", code)
	}
}

func TestMetricsToken(t *testing.T) {
	const token = "s3cret-metrics-token-0123456789"
	ts := apptest.Start(t, app.Config{MetricsAddr: "127.0.0.1:0", MetricsToken: token}, "")
	for _, base := range []string{ts.URL(), "http://" + ts.MetricsAddr()} {
		tests := []struct {
			name, token string
			want        int
		}{
			{"no token", "", http.StatusUnauthorized},
			{"wrong token", "s3cret-metrics-token-0123456780", http.StatusUnauthorized},
			{"prefix of the token", token[:20], http.StatusUnauthorized},
			{"the token", token, http.StatusOK},
		}
		for _, tt := range tests {
			code, body := get(t, base+"/metrics", tt.token)
			if code != tt.want {
				t.Errorf("%s/metrics with %s = %d, want %d", base, tt.name, code, tt.want)
			}
			if code != http.StatusOK && strings.Contains(body, metricName) {
				t.Errorf("%s/metrics with %s leaked metrics", base, tt.name)
			}
		}
	}
}

func TestMetricsTokenTooShort(t *testing.T) {
	_, err := app.Start(context.Background(), app.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), DemoAddr: "off", SSHAddr: "off",
		MetricsToken: "short", Logger: slog.New(slog.DiscardHandler),
	})
	if err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Fatalf("a 5-character metrics token: %v", err)
	}
}
