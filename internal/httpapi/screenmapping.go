package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/screenmap"
)

// A site's screen mapping (docs/native-screens.md): signed-in agents read
// it, admins change it. The SDK gets it with the site's configuration and
// masks described screens by it on the device.
func (s *Server) screenMappingRoutes() []route {
	return []route{
		{"GET", "/api/v1/sites/{id}/screen-mapping", s.handleGetScreenMapping, signedIn},
		{"PUT", "/api/v1/sites/{id}/screen-mapping", s.handlePutScreenMapping, signedIn},
	}
}

// screenMappingBody is the mapping as the API sends and takes it: null for
// none (the SDK's default).
type screenMappingBody struct {
	Mapping json.RawMessage `json:"mapping"`
}

func mappingJSON(m string) json.RawMessage {
	if m == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(m)
}

func (s *Server) handleGetScreenMapping(w http.ResponseWriter, r *http.Request) {
	site, err := s.deps.Sites.SiteByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, screenMappingBody{mappingJSON(site.ScreenMapping)})
}

func (s *Server) handlePutScreenMapping(w http.ResponseWriter, r *http.Request) {
	if u := userOf(r); u == nil || u.Role != tandem.RoleAdmin {
		httpjson.WriteError(w, tandem.Errorf(tandem.EForbidden, "only admins change a site's screen mapping"))
		return
	}
	var body screenMappingBody
	if err := httpjson.Read(w, r, &body); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	// Checked before the site is read, so that a bad mapping is refused
	// with its own error whatever the site.
	mapping, err := screenmap.Check(body.Mapping)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	site, err := s.deps.Sites.SiteByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	site.ScreenMapping = mapping
	if err := s.deps.Sites.UpdateSite(r.Context(), site); err != nil {
		s.fail(w, r, err)
		return
	}
	s.siteChanged(r, site.ID)
	httpjson.Write(w, http.StatusOK, screenMappingBody{mappingJSON(site.ScreenMapping)})
}
