package httpapi

import (
	"net/http"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
)

// fail logs internal errors and answers with err (internal/httpjson has the
// error shape and statuses).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if tandem.ErrorCode(err) == tandem.EInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	httpjson.WriteError(w, err)
}
