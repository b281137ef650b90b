package httpapi_test

import (
	"io"
	"net/http"
	"strings"

	"github.com/tandemhq/tandem/internal/apptest"
)

// alertsContractCalls are the availability, pick-up time, left message and
// video share link operations for TestEveryOperationAnswersAsDocumented,
// made by the signed-in agent's client c and by the demo site's people.
func alertsContractCalls(ts *apptest.TestServer, c *http.Client) []contractCall {
	body := func(s string) io.Reader { return strings.NewReader(s) }
	anon := ts.Client()
	pickup := "/api/v1/sites/" + ts.Site.ID + "/pickup-timeout"
	message := "/api/v1/public/assists/nope/message"
	return []contractCall{
		{"GET", "/api/v1/me/availability", "", nil, c, 200, "/api/v1/me/availability"},
		{"PUT", "/api/v1/me/availability", "", body(`{"available":true}`), c, 200, "/api/v1/me/availability"},
		{"PUT", "/api/v1/me/availability", "", body(`{}`), c, 400, "/api/v1/me/availability"},
		{"GET", pickup, "", nil, c, 200, "/api/v1/sites/{id}/pickup-timeout"},
		{"PUT", pickup, "", body(`{"seconds":60}`), c, 403, "/api/v1/sites/{id}/pickup-timeout"}, // admins only
		{"OPTIONS", message, siteOrigin, nil, anon, 204, "/api/v1/public/assists/{id}/message"},
		{"POST", message, siteOrigin, body(`{"text":"call me"}`), anon, 401, "/api/v1/public/assists/{id}/message"}, // no person token
		{"POST", "/api/v1/videos/nope/share-links", "", body(`{"audience":"anyone","ttlSeconds":3600}`), c, 404, "/api/v1/videos/{id}/share-links"},
	}
}
