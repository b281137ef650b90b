package httpapi

import (
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
