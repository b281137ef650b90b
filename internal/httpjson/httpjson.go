// Package httpjson holds the JSON bodies and errors of Tandem's HTTP API, so
// that every route answers alike: the web API (internal/httpapi) and the
// routes mounted under it, such as the terminal API (internal/sshrelay).
//
// [Write] sends a JSON answer with Cache-Control: no-store. A failed request
// answers, through [WriteError],
//
//	{"error":{"code":"unauthorized","message":"sign in first"}}
//
// where code is one of the tandem.E* error codes (errors.go in the root
// package) and the HTTP status follows from it (see [Status]). The message
// is the *tandem.Error's own. Any other error is an internal one: it answers
// 500 with code "internal" and says only "internal error", so that
// internals are never shown. Logging the details is the caller's job: a
// handler logs an internal error and then calls [WriteError].
//
// Request bodies are read with [Read], which refuses what the API does not
// accept (a Content-Type other than application/json, unknown fields,
// trailing data, bodies over [MaxBody]) with tandem.EUnsupportedMediaType,
// tandem.EInvalid or tandem.ETooLarge errors ready to be written back.
package httpjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/tandemhq/tandem"
)

// MaxBody bounds the JSON request bodies that [Read] accepts.
const MaxBody = 64 << 10

// statusOf is the HTTP status of each error code the API answers with.
// Codes not listed answer 500.
var statusOf = map[string]int{
	tandem.EInvalid:              http.StatusBadRequest,
	tandem.EBadProtocol:          http.StatusBadRequest,
	tandem.ENotFound:             http.StatusNotFound,
	tandem.EConflict:             http.StatusConflict,
	tandem.EUnauthorized:         http.StatusUnauthorized,
	tandem.EForbidden:            http.StatusForbidden,
	tandem.ENotAllowed:           http.StatusForbidden,
	tandem.EExpired:              http.StatusGone,
	tandem.EUsed:                 http.StatusGone,
	tandem.ERateLimited:          http.StatusTooManyRequests,
	tandem.ETooLarge:             http.StatusRequestEntityTooLarge,
	tandem.EUnsupportedMediaType: http.StatusUnsupportedMediaType,
	tandem.EUnavailable:          http.StatusServiceUnavailable,
	tandem.EBeforeReady:          http.StatusConflict,
	tandem.EInternal:             http.StatusInternalServerError,
}

// Status returns the HTTP status for a tandem error code; an unknown code
// is 500 Internal Server Error.
func Status(code string) int {
	if status, ok := statusOf[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// Write answers with status and v as JSON. v is encoded before anything is
// written: if it cannot be (a bug, such as a json.RawMessage that is not
// JSON), the answer is a 500 internal error rather than the status with an
// empty or cut body, and the encoding error is returned for the caller to
// log.
func Write(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		err = fmt.Errorf("encoding a %d answer: %w", status, err)
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{errorJSON{Code: tandem.EInternal, Message: "internal error"}})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
	return err
}

// errorBody is the shape of an error answer.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteError answers with err as {"error":{"code","message"}} and the
// status of its code. It does not log: a caller logs internal errors first.
func WriteError(w http.ResponseWriter, err error) {
	code := tandem.ErrorCode(err)
	Write(w, Status(code), errorBody{errorJSON{Code: code, Message: tandem.ErrorMessage(err)}})
}

// Read decodes the JSON request body into v. It refuses a body whose
// Content-Type is not application/json (tandem.EUnsupportedMediaType,
// before reading any of it), an empty body, unknown fields, data after the
// JSON value (tandem.EInvalid) and bodies over MaxBody (tandem.ETooLarge);
// the error can go to [WriteError] as it is.
func Read(w http.ResponseWriter, r *http.Request, v any) error {
	if err := checkJSON(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	tooLarge := func(err error) bool {
		var tooBig *http.MaxBytesError
		return errors.As(err, &tooBig)
	}
	if err := dec.Decode(v); err != nil {
		if tooLarge(err) {
			return tandem.Errorf(tandem.ETooLarge, "the request body is over %d bytes", MaxBody)
		}
		if errors.Is(err, io.EOF) {
			return tandem.Errorf(tandem.EInvalid, "the request body is empty; send JSON")
		}
		return tandem.Errorf(tandem.EInvalid, "the request body is not valid JSON: %v", err)
	}
	// Only white space may follow the value: reading on must reach the end
	// of the body (a stray "}" or "]" is an error here, which More misses).
	switch _, err := dec.Token(); {
	case errors.Is(err, io.EOF):
		return nil
	case tooLarge(err):
		return tandem.Errorf(tandem.ETooLarge, "the request body is over %d bytes", MaxBody)
	default:
		return tandem.Errorf(tandem.EInvalid, "the request body has data after the JSON value")
	}
}

// checkJSON refuses every Content-Type but application/json (in UTF-8, the
// only charset JSON has). The type matters for more than tidiness: a
// browser sends text/plain, application/x-www-form-urlencoded and
// multipart/form-data from any site's forms without asking the server
// first, whereas a cross-site application/json request needs a CORS
// preflight that the console's routes never grant. Refusing the form types
// keeps a forged form from being read as JSON (login CSRF).
func checkJSON(contentType string) error {
	if contentType == "" {
		return tandem.Errorf(tandem.EUnsupportedMediaType, "send the request body as JSON, with Content-Type: application/json")
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return tandem.Errorf(tandem.EUnsupportedMediaType, "the request body must be application/json, not %q", clip(contentType, 80))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return tandem.Errorf(tandem.EUnsupportedMediaType, "a JSON request body must be UTF-8, not %q", clip(cs, 40))
	}
	return nil
}

// clip shortens s for a message: a header can be kilobytes long.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
