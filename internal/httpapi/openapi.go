package httpapi

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openAPI is the API's description. TestOpenAPIMatchesRoutes keeps it and
// the routes in step.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(openAPI)
}

// OpenAPIDocument returns the OpenAPI document the server serves at
// /api/v1/openapi.json, for tests that check responses against it.
func OpenAPIDocument() []byte { return bytes.Clone(openAPI) }
