package httpapi

import (
	"net/http"

	"github.com/tandemhq/tandem/web"
)

// setPageSecurity sets the policy of an HTML page of the server (ServeHTTP
// sets the headers every response carries: nosniff, Referrer-Policy and
// X-Frame-Options).
func setPageSecurity(h http.Header) {
	h.Set("Content-Security-Policy", web.PagePolicy)
}
