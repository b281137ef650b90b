package httpjson

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An answer that cannot be encoded is a 500 with an error body, never the
// intended status with an empty or cut body.
func TestWriteUnencodable(t *testing.T) {
	rec := httptest.NewRecorder()
	err := Write(rec, http.StatusOK, map[string]any{"frames": []json.RawMessage{json.RawMessage(`[1]`), json.RawMessage(`not json`)}})
	if err == nil {
		t.Fatal("Write returned no error for a value it could not encode")
	}
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	var body errorBody
	if json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error.Code != "internal" {
		t.Fatalf("body = %q", rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "not json") {
		t.Fatalf("body leaks the value: %q", rec.Body.String())
	}
}
