package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/tandemhq/tandem"
)

// maxBody bounds JSON request bodies.
const maxBody = 64 << 10

var statusOf = map[string]int{
	tandem.EInvalid:      http.StatusBadRequest,
	tandem.EBadProtocol:  http.StatusBadRequest,
	tandem.ENotFound:     http.StatusNotFound,
	tandem.EConflict:     http.StatusConflict,
	tandem.EUnauthorized: http.StatusUnauthorized,
	tandem.EForbidden:    http.StatusForbidden,
	tandem.ENotAllowed:   http.StatusForbidden,
	tandem.EExpired:      http.StatusGone,
	tandem.EUsed:         http.StatusGone,
	tandem.ERateLimited:  http.StatusTooManyRequests,
	tandem.ETooLarge:     http.StatusRequestEntityTooLarge,
	tandem.EUnavailable:  http.StatusServiceUnavailable,
	tandem.EBeforeReady:  http.StatusConflict,
	tandem.EInternal:     http.StatusInternalServerError,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes {"error":{"code","message"}}; internal errors say no more
// than "internal error" (the handler logs the details).
func writeError(w http.ResponseWriter, err error) {
	code := tandem.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]any{
		"error": map[string]string{"code": code, "message": tandem.ErrorMessage(err)},
	})
}

// fail logs internal errors and writes err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if tandem.ErrorCode(err) == tandem.EInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

// readJSON decodes a JSON body into v, refusing unknown fields, trailing
// data, and bodies over maxBody.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tandem.Errorf(tandem.ETooLarge, "the request body is over %d bytes", maxBody)
		}
		if errors.Is(err, io.EOF) {
			return tandem.Errorf(tandem.EInvalid, "the request body is empty; send JSON")
		}
		return tandem.Errorf(tandem.EInvalid, "the request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return tandem.Errorf(tandem.EInvalid, "the request body has data after the JSON value")
	}
	return nil
}
