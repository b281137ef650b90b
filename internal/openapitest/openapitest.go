// Package openapitest checks, in tests, that the responses of Tandem's HTTP
// API are what its OpenAPI document (internal/httpapi/openapi/*.json, served
// at /api/v1/openapi.json) says: the path and method are documented, the
// status is (a success status by name; an error status may fall to the
// operation's default response), and so are the content type and the
// body's schema. Schemas of closed Go types say additionalProperties: false,
// so a property the server sends and the document lacks fails too.
//
// Tests use it by sending their requests through Transport (or Client):
// every response they receive is checked, and a mismatch fails the test.
package openapitest

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/tandemhq/tandem/internal/httpapi"
)

// Validator checks responses against one OpenAPI document.
type Validator struct {
	doc *openapi3.T
}

// New parses and checks an OpenAPI document.
func New(document []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("parse the OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	return &Validator{doc: doc}, nil
}

// Tandem returns a validator of the document the server serves.
func Tandem(t testing.TB) *Validator {
	t.Helper()
	v, err := New(httpapi.OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Check reports how res, the response to req, differs from the document,
// or nil. Paths outside /api/ that the document does not describe (the SDK,
// the console's pages) are not checked. The body of res stays readable; the
// body of a 101 Switching Protocols (a WebSocket) is not touched.
func (v *Validator) Check(req *http.Request, res *http.Response) error {
	route, params, ok := v.find(req.Method, req.URL.Path)
	if !ok {
		if strings.HasPrefix(req.URL.Path, "/api/") {
			return fmt.Errorf("%s %s is not in the OpenAPI document", req.Method, req.URL.Path)
		}
		return nil
	}
	where := fmt.Sprintf("%s %s → %d", req.Method, req.URL.Path, res.StatusCode)
	responses := route.Operation.Responses
	if responses.Status(res.StatusCode) == nil && (res.StatusCode < 400 || responses.Default() == nil) {
		return fmt.Errorf("%s: the status is not documented for %s %s", where, req.Method, route.Path)
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		return nil
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(strings.NewReader(string(body)))
	if err != nil {
		return fmt.Errorf("%s: read the body: %w", where, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	// Say where in the body and why, without dumping the whole schema.
	in.Options.WithCustomSchemaErrorFunc(func(e *openapi3.SchemaError) string {
		return "/" + strings.Join(e.JSONPointer(), "/") + ": " + e.Reason
	})
	in.SetBodyBytes(body)
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "" && mt != "application/json" {
		// Only JSON bodies have schemas to check; of others (an asciicast
		// recording), the content type must be documented.
		if documented(route.Operation, res.StatusCode, mt) {
			return nil
		}
		return fmt.Errorf("%s: content type %q is not documented", where, mt)
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s: %w\nbody: %.2000s", where, err, body)
	}
	return nil
}

// documented reports whether the response for status may have the media type mt.
func documented(op *openapi3.Operation, status int, mt string) bool {
	r := op.Responses.Status(status)
	if r == nil {
		r = op.Responses.Default()
	}
	return r != nil && r.Value != nil && r.Value.Content.Get(mt) != nil
}

// find returns the documented operation for method and path, preferring
// literal path segments to templated ones.
func (v *Validator) find(method, path string) (*routers.Route, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var best *routers.Route
	var bestParams map[string]string
	bestLiterals := -1
	for tmpl, item := range v.doc.Paths.Map() {
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		parts := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(parts) != len(segs) {
			continue
		}
		params := map[string]string{}
		literals := 0
		match := true
		for i, p := range parts {
			switch {
			case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
				if segs[i] == "" {
					match = false
				}
				params[p[1:len(p)-1]] = segs[i]
			case p == segs[i]:
				literals++
			default:
				match = false
			}
		}
		if match && literals > bestLiterals {
			best = &routers.Route{Spec: v.doc, Path: tmpl, PathItem: item, Method: method, Operation: op}
			bestParams, bestLiterals = params, literals
		}
	}
	return best, bestParams, best != nil
}

// Transport returns a RoundTripper that sends through base (nil:
// http.DefaultTransport) and fails t for every response that does not match
// the document.
func (v *Validator) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, v: v, base: base}
}

// Client returns an HTTP client with a cookie jar whose responses are
// checked against Tandem's document.
func Client(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: Tandem(t).Transport(t, nil)}
}

type transport struct {
	t    testing.TB
	v    *Validator
	base http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := tr.base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	if err := tr.v.Check(req, res); err != nil {
		tr.t.Errorf("the response does not match the OpenAPI document: %v", err)
	}
	return res, nil
}
