package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/simclient"
)

// shareVideo shares the done video id, whose bytes are mp4, and checks what
// a visitor without an account gets: the page, the video's shape, the
// video itself by ranges, and nothing once the link is revoked; the
// share's create and view land in the shown assist's audit log, where
// the caller's one whole download is the only video.downloaded. It
// returns a second link, left active, for the caller's checks.
func shareVideo(t *testing.T, ctx context.Context, agent *simclient.Agent, base, id, assistID string, mp4 []byte) string {
	t.Helper()
	path := "/api/v1/videos/" + id + "/share-links"
	for _, bad := range []map[string]any{{"audience": "everyone"}, {"audience": "anyone", "ttlSeconds": 60}} {
		if _, err := share(ctx, agent, path, bad); apiCode(err) != "invalid" {
			t.Errorf("sharing with %v: %v, want invalid", bad, err)
		}
	}
	if _, err := share(ctx, agent, "/api/v1/videos/nope/share-links", map[string]any{"audience": "anyone"}); apiCode(err) != "not_found" {
		t.Errorf("sharing a missing video: %v, want not_found", err)
	}
	l, err := share(ctx, agent, path, map[string]any{"audience": "anyone", "ttlSeconds": 3600})
	if err != nil {
		t.Fatal(err)
	}
	if l.Link.Kind != "video" || l.Link.SubjectID != id || l.Path != "/s/"+l.Token {
		t.Fatalf("created %+v", l)
	}
	status, h, page := visit(t, ctx, base, nil, l.Path)
	if status != 200 || !strings.Contains(page, `<div id="app"`) || h.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("GET %s = %d (Referrer-Policy %q)", l.Path, status, h.Get("Referrer-Policy"))
	}
	status, _, info := visit(t, ctx, base, nil, l.Path+"/recording")
	var shape struct {
		Video map[string]any `json:"video"`
	}
	if status != 200 || json.Unmarshal([]byte(info), &shape) != nil || shape.Video["width"] != float64(320) ||
		shape.Video["bytes"] != float64(len(mp4)) || strings.Contains(info, "agent:") {
		t.Errorf("GET recording of a video link = %d %s", status, info)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+l.Path+"/video", nil)
	req.Header.Set("Range", "bytes=8-71")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusPartialContent || res.Header.Get("Content-Type") != "video/mp4" || string(part) != string(mp4[8:72]) {
		t.Errorf("a range of the shared video: %d %s, %d bytes (%v); want 206 with bytes 8 to 71", res.StatusCode, res.Header.Get("Content-Type"), len(part), err)
	}
	if status, _, _ := visit(t, ctx, base, nil, "/s/tsl_aaaaaaaaaaaaaaaaaaaaaaaaaa/video"); status != http.StatusNotFound {
		t.Errorf("an unknown link's video = %d, want 404", status)
	}

	if err := agent.Do(ctx, "DELETE", "/api/v1/share-links/"+l.Link.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := visit(t, ctx, base, nil, l.Path+"/video"); status != http.StatusNotFound {
		t.Errorf("a revoked link's video = %d, want 404", status)
	}

	var detail struct {
		Audit []struct{ Action, Detail string } `json:"audit"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+assistID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range detail.Audit {
		if strings.Contains(e.Detail, "video "+id) {
			seen[e.Action]++
		}
		if e.Action == "video.downloaded" {
			seen[e.Action]++
		}
	}
	// The caller's whole download is audited; its range from byte 100,
	// a player's seek, is not, nor are the link's video requests (the
	// page's view is).
	if seen["video.downloaded"] != 1 {
		t.Errorf("the assist's audit log has %d downloads, want 1", seen["video.downloaded"])
	}
	if seen["share.create"] != 1 || seen["share.view"] != 1 || seen["share.revoke"] != 1 {
		t.Errorf("the assist's audit log has %v of the video's link, want one create, view and revoke", seen)
	}

	again, err := share(ctx, agent, path, map[string]any{"audience": "anyone"})
	if err != nil {
		t.Fatal(err)
	}
	return again.Path
}
