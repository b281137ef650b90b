package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
)

// A <video> (Sec-Fetch-Dest: video) reaches exactly the download of a
// video export, by GET or HEAD; every other route, and any other method,
// still refuses it before a handler runs.
func TestVideoDestinationReachesOnlyTheVideoFile(t *testing.T) {
	ts, _ := start(t, app.Config{})
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v1/videos/v1/file", http.StatusUnauthorized}, // on to the handler, which wants a session
		{"HEAD", "/api/v1/videos/v1/file", http.StatusUnauthorized},
		{"POST", "/api/v1/videos/v1/file", http.StatusForbidden},
		{"DELETE", "/api/v1/videos/v1", http.StatusForbidden},
		{"GET", "/api/v1/videos/v1", http.StatusForbidden},
		{"GET", "/api/v1/videos//file", http.StatusForbidden},
		{"GET", "/api/v1/videos/v1/file/more", http.StatusForbidden},
		{"GET", "/api/v1/videos/a/b/file", http.StatusForbidden},
		{"GET", "/api/v1/me", http.StatusForbidden},
		{"GET", "/api/v1/assists/a1/recording", http.StatusForbidden},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, ts.URL()+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Sec-Fetch-Dest", "video")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s with Sec-Fetch-Dest video = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
		})
	}
}
