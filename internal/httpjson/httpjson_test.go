package httpjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

// wantStatus is the intended status of every error code in the root
// package's errors.go; TestStatusCoversEveryCode fails when a code is added
// there without a decision here.
var wantStatus = map[string]int{
	tandem.EInvalid:              400,
	tandem.EBadProtocol:          400,
	tandem.EUnauthorized:         401,
	tandem.EForbidden:            403,
	tandem.ENotAllowed:           403,
	tandem.ENotFound:             404,
	tandem.EConflict:             409,
	tandem.EBeforeReady:          409,
	tandem.EExpired:              410,
	tandem.EUsed:                 410,
	tandem.ETooLarge:             413,
	tandem.EUnsupportedMediaType: 415,
	tandem.ERateLimited:          429,
	tandem.EInternal:             500,
	tandem.EUnavailable:          503,
	// A channel-only code (a hub reader that fell behind): it closes a
	// WebSocket and is never an HTTP answer, so it has no entry and falls
	// to the default.
	tandem.ESlowConsumer: 500,
}

func TestStatus(t *testing.T) {
	for code, want := range wantStatus {
		if got := Status(code); got != want {
			t.Errorf("Status(%q) = %d, want %d", code, got, want)
		}
	}
	for _, code := range []string{"", "no_such_code", "NOT_FOUND"} {
		if got := Status(code); got != http.StatusInternalServerError {
			t.Errorf("Status(%q) = %d, want 500", code, got)
		}
	}
}

// TestStatusCoversEveryCode reads the E* constants of ../../errors.go so
// that a new code cannot go unmapped unnoticed.
func TestStatusCoversEveryCode(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "E") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				code, _ := strconv.Unquote(lit.Value)
				n++
				if _, ok := wantStatus[code]; !ok {
					t.Errorf("tandem.%s (%q) has no intended status in wantStatus", name.Name, code)
				}
			}
		}
	}
	if n != len(wantStatus) {
		t.Errorf("errors.go defines %d codes, wantStatus lists %d", n, len(wantStatus))
	}
}

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, http.StatusCreated, map[string]int{"n": 1})
	if rec.Code != http.StatusCreated {
		t.Errorf("status = %d, want 201", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := rec.Body.String(); got != `{"n":1}`+"\n" {
		t.Errorf("body = %q", got)
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		code    string
		message string
	}{
		{"tandem error", tandem.Errorf(tandem.ENotFound, "no assist %q", "a_1"), 404, "not_found", `no assist "a_1"`},
		{"wrapped", fmt.Errorf("loading: %w", tandem.Errorf(tandem.EUsed, "invite used")), 410, "used", "invite used"},
		{"too large", tandem.Errorf(tandem.ETooLarge, "frame over 1 MiB"), 413, "too_large", "frame over 1 MiB"},
		{"plain error hides its text", errors.New("db: connection refused at 10.0.0.7"), 500, "internal", "internal error"},
		{"unknown code", tandem.Errorf("bogus", "odd"), 500, "bogus", "odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
			// The exact shape, with no other fields at either level.
			var body map[string]map[string]string
			dec := json.NewDecoder(rec.Body)
			if err := dec.Decode(&body); err != nil {
				t.Fatalf("body is not {\"error\":{...}} of strings: %v", err)
			}
			want := map[string]string{"code": tt.code, "message": tt.message}
			if len(body) != 1 || len(body["error"]) != 2 || body["error"]["code"] != want["code"] || body["error"]["message"] != want["message"] {
				t.Errorf("body = %v, want map[error:%v]", body, want)
			}
		})
	}
}

func TestRead(t *testing.T) {
	type request struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	tests := []struct {
		name    string
		body    string
		code    string // "" for success
		message string // a part of the error's message
	}{
		{"valid", `{"name":"a","n":2}`, "", ""},
		{"valid with trailing space", "{\"name\":\"a\",\"n\":2}\n \t", "", ""},
		{"unknown field", `{"name":"a","evil":1}`, tandem.EInvalid, `unknown field "evil"`},
		{"empty body", ``, tandem.EInvalid, "empty"},
		{"not JSON", `{"name":`, tandem.EInvalid, "not valid JSON"},
		{"wrong type", `{"n":"two"}`, tandem.EInvalid, "not valid JSON"},
		{"trailing data", `{"name":"a"} {"name":"b"}`, tandem.EInvalid, "data after the JSON value"},
		{"stray closing brace", `{"name":"a"}}`, tandem.EInvalid, "data after the JSON value"},
		{"stray closing bracket", `{"name":"a"}]`, tandem.EInvalid, "data after the JSON value"},
		{"too large", `{"name":"` + strings.Repeat("x", 64<<10) + `"}`, tandem.ETooLarge, "65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := jsonRequest(tt.body)
			var v request
			err := Read(rec, r, &v)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if v != (request{Name: "a", N: 2}) {
					t.Errorf("decoded %+v", v)
				}
				return
			}
			var te *tandem.Error
			if !errors.As(err, &te) {
				t.Fatalf("Read = %v, want a *tandem.Error", err)
			}
			if te.Code != tt.code || !strings.Contains(te.Message, tt.message) {
				t.Errorf("Read = %s: %s, want %s containing %q", te.Code, te.Message, tt.code, tt.message)
			}
		})
	}
}

// A body of exactly 64 KiB is read (the "too large" case of TestRead is
// just over it).
func TestReadAtLimit(t *testing.T) {
	const limit = 64 << 10
	var v struct{ S string }
	pad := limit - len(`{"S":""}`)
	body := `{"S":"` + strings.Repeat("x", pad) + `"}`
	if len(body) != limit {
		t.Fatalf("body is %d bytes", len(body))
	}
	r := jsonRequest(body)
	if err := Read(httptest.NewRecorder(), r, &v); err != nil || len(v.S) != pad {
		t.Fatalf("Read of a %d-byte body = %v (%d bytes decoded)", limit, err, len(v.S))
	}
	// Anything past the limit, even after a complete value, is refused.
	r = jsonRequest(body + " x")
	if err := Read(httptest.NewRecorder(), r, &v); tandem.ErrorCode(err) != tandem.ETooLarge {
		t.Errorf("Read of a complete value followed by data past the limit = %v, want %s", err, tandem.ETooLarge)
	}
}

// jsonRequest is a POST of body as application/json.
func jsonRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// readCounter counts the bytes read from a request body.
type readCounter struct {
	r io.Reader
	n int
}

func (c *readCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func (c *readCounter) Close() error { return nil }

// TestReadRefusesOtherContentTypes: a page on any site can make a browser
// send text/plain, form-encoded or multipart bodies without a preflight; a
// JSON body under such a type must be refused before it is read (a forged
// sign-in form is the attack), with 415 and the usual error shape.
func TestReadRefusesOtherContentTypes(t *testing.T) {
	const body = `{"name":"a","n":2}`
	tests := []struct {
		contentType string
		ok          bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON; charset=UTF-8", true},
		{"", false},
		{"text/plain", false},
		{"text/plain; charset=utf-8", false},
		{"application/x-www-form-urlencoded", false},
		{"multipart/form-data; boundary=x", false},
		{"application/json; charset=utf-16", false},
		{"application/jsonp", false},
		{"text/json", false},
		{"application/json, text/plain", false},
		{";;;", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			counter := &readCounter{r: strings.NewReader(body)}
			r.Body = counter
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var v struct {
				Name string `json:"name"`
				N    int    `json:"n"`
			}
			err := Read(httptest.NewRecorder(), r, &v)
			if tt.ok {
				if err != nil || v.Name != "a" {
					t.Fatalf("Read = %v (%+v), want the body decoded", err, v)
				}
				return
			}
			if tandem.ErrorCode(err) != tandem.EUnsupportedMediaType {
				t.Fatalf("Read = %v, want %s", err, tandem.EUnsupportedMediaType)
			}
			if counter.n != 0 || v.Name != "" {
				t.Errorf("the refused body was read: %d bytes, decoded %+v", counter.n, v)
			}
			rec := httptest.NewRecorder()
			WriteError(rec, err)
			if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), `"code":"unsupported_media_type"`) {
				t.Errorf("written as %d %s, want 415 with the code", rec.Code, rec.Body)
			}
		})
	}
}
