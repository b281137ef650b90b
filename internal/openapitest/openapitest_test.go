package openapitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tandemhq/tandem/internal/openapitest"
)

// recorder is a testing.TB that keeps what the transport reports.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Helper() {}

// fake answers every request with the given status, content type and body.
func fake(t *testing.T, status int, contentType, body string) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts
}

const terminal = `{"id":"t1","hostName":"box","command":"bash","readOnly":false,"approve":false,"recordInput":false,"live":true,` +
	`"createdAt":"2025-01-02T03:04:05Z","helpers":[]}`

// Responses that disagree with the document in one way each fail the
// check, through the transport as tests use it; the same responses made
// right pass. Without this the validator could pass everything unseen.
func TestWrongResponsesFail(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
		contentType, body  string
		want               string // in the report
	}{
		{"property the document lacks", "GET", "/api/v1/terminals/t1", 200, "application/json", `{"terminal":` + strings.Replace(terminal, `"live":true`, `"live":true,"secret":"x"`, 1) + `}`, `property "secret" is unsupported`},
		{"wrong property type", "GET", "/api/v1/terminals/t1", 200, "application/json", `{"terminal":` + strings.Replace(terminal, `"readOnly":false`, `"readOnly":"no"`, 1) + `}`, "/terminal/readOnly"},
		{"missing required property", "GET", "/api/v1/terminals/t1", 200, "application/json", `{"terminal":` + strings.Replace(terminal, `"hostName":"box",`, ``, 1) + `}`, `property "hostName" is missing`},
		{"not a date-time", "GET", "/api/v1/terminals/t1", 200, "application/json", `{"terminal":` + strings.Replace(terminal, `2025-01-02T03:04:05Z`, `yesterday`, 1) + `}`, "date-time"},
		{"wrapper left out", "GET", "/api/v1/terminals/t1", 200, "application/json", terminal, `property "terminal" is missing`},
		{"undocumented success status", "GET", "/api/v1/me", 202, "application/json", `{}`, "status is not documented"},
		{"wrong content type", "GET", "/api/v1/terminals/t1", 200, "text/plain", `{"terminal":` + terminal + `}`, `content type "text/plain" is not documented`},
		{"error not in the error shape", "GET", "/api/v1/me", 500, "application/json", `{"message":"boom"}`, "missing property 'error'"},
		{"error as text", "POST", "/api/v1/logout", 403, "text/plain; charset=utf-8", "forbidden\n", `content type "text/plain" is not documented`},
		{"undocumented path", "GET", "/api/v1/nowhere", 200, "application/json", `{}`, "not in the OpenAPI document"},
		{"undocumented method", "DELETE", "/api/v1/me", 200, "application/json", `{}`, "not in the OpenAPI document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fake(t, tt.status, tt.contentType, tt.body)
			rec := &recorder{TB: t}
			c := &http.Client{Transport: openapitest.Tandem(t).Transport(rec, nil)}
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(b) != tt.body {
				t.Errorf("the body reached the test as %q, want %q", b, tt.body)
			}
			if len(rec.errors) != 1 {
				t.Fatalf("got %d reports, want 1: %q", len(rec.errors), rec.errors)
			}
			if !strings.Contains(rec.errors[0], tt.want) {
				t.Fatalf("the report does not say %q:\n%s", tt.want, rec.errors[0])
			}
		})
	}
}

func TestRightResponsesPass(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
		contentType, body  string
	}{
		{"terminal", "GET", "/api/v1/terminals/t1", 200, "application/json", `{"terminal":` + terminal + `}`},
		{"error", "GET", "/api/v1/terminals/t1", 404, "application/json", `{"error":{"code":"not_found","message":"no such terminal"}}`},
		{"no content", "POST", "/api/v1/logout", 204, "", ""},
		{"not the API", "GET", "/sdk.js", 200, "text/javascript", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fake(t, tt.status, tt.contentType, tt.body)
			c := &http.Client{Transport: openapitest.Tandem(t).Transport(t, nil)}
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		})
	}
}
