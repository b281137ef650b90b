package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

// sendPage has the person send a small page drawn by hand: a box that
// changes colour once.
func sendPage(t *testing.T, ctx context.Context, p *simclient.Person) {
	t.Helper()
	now := time.Now().UnixMilli()
	box := func(c string) string {
		return "position:absolute;left:20px;top:20px;width:200px;height:100px;background:" + c
	}
	doc := fmt.Sprintf(`{"type":0,"id":1,"childNodes":[{"type":2,"id":2,"tagName":"html","attributes":{},"childNodes":[
		{"type":2,"id":3,"tagName":"head","attributes":{},"childNodes":[]},
		{"type":2,"id":4,"tagName":"body","attributes":{"style":"margin:0"},"childNodes":[
			{"type":2,"id":5,"tagName":"div","attributes":{"style":%q},"childNodes":[]}]}]}]}`, box("#c00"))
	frames := []struct{ kind, hash, payload string }{
		{"meta", "", `{"url":"https://shop.example/","title":"Shop","pageId":"a","viewport":{"width":320,"height":240,"dpr":1}}`},
		{"snap", "h1", fmt.Sprintf(`[{"type":4,"data":{"href":"https://shop.example/","width":320,"height":240},"timestamp":%d},
			{"type":2,"data":{"node":%s,"initialOffset":{"top":0,"left":0}},"timestamp":%d}]`, now, doc, now+1)},
		{"ev", "", fmt.Sprintf(`[{"type":3,"data":{"source":0,"texts":[],"removes":[],"adds":[],"attributes":[{"id":5,"attributes":{"style":%q}}]},"timestamp":%d}]`,
			box("#00c"), now+1000)},
	}
	var last uint64
	for _, f := range frames {
		var err error
		if last, err = p.SendData(ctx, f.kind, "a", f.hash, []byte(f.payload)); err != nil {
			t.Fatal(err)
		}
	}
	for acked := uint64(0); acked < last; {
		h, _, err := simclient.ReadUntil(ctx, p.WS, "ack")
		if err != nil {
			t.Fatal(err)
		}
		acked = h.Ack
	}
}

type videoAnswer struct {
	Video struct {
		ID          string `json:"id"`
		Kind        string `json:"kind"`
		State       string `json:"state"`
		Error       string `json:"error"`
		Bytes       int64  `json:"bytes"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		FileURL     string `json:"fileUrl"`
		RequestedBy string `json:"requestedBy"`
	} `json:"video"`
}

// getFile fetches a video's file with an optional Range header.
func getFile(t *testing.T, ctx context.Context, agent *simclient.Agent, path, rng string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", agent.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	res, err := agent.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func TestVideoExportAPI(t *testing.T) {
	ctx, ts, agent, p := startLive(t, app.Config{})
	sendPage(t, ctx, p)
	opts := map[string]any{"width": 320, "height": 240, "fps": 5, "clicks": true, "pointer": true, "devtools": false, "skipIdle": true}

	// Refusals change nothing.
	for _, c := range []struct {
		name, path string
		body       any
		code       string
	}{
		{"a live assist", "/api/v1/assists/" + p.AssistID + "/videos", opts, "conflict"},
		{"a missing assist", "/api/v1/assists/nope/videos", opts, "not_found"},
		{"a missing terminal session", "/api/v1/terminals/nope/videos", opts, "not_found"},
		{"a size out of range", "/api/v1/assists/" + p.AssistID + "/videos", map[string]any{"width": 5000, "height": 5000}, "invalid"},
		{"an unknown option", "/api/v1/assists/" + p.AssistID + "/videos", map[string]any{"colour": "red"}, "invalid"},
	} {
		if err := agent.Do(ctx, "POST", c.path, c.body, nil); apiCode(err) != c.code {
			t.Errorf("POST for %s: %v, want %s", c.name, err, c.code)
		}
	}
	for _, c := range []struct{ path, code string }{
		{"/api/v1/videos", "invalid"},
		{"/api/v1/videos?assist=a&terminal=b", "invalid"},
		{"/api/v1/videos/nope", "not_found"},
		{"/api/v1/videos/nope/file", "not_found"},
	} {
		if err := agent.Do(ctx, "GET", c.path, nil, nil); apiCode(err) != c.code {
			t.Errorf("GET %s: %v, want %s", c.path, err, c.code)
		}
	}
	if err := agent.Do(ctx, "DELETE", "/api/v1/videos/nope", nil, nil); apiCode(err) != "not_found" {
		t.Errorf("DELETE of a missing video: %v, want not_found", err)
	}

	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	var queued videoAnswer
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/videos", opts, &queued); err != nil {
		t.Fatal(err)
	}
	if queued.Video.ID == "" || (queued.Video.State != "queued" && queued.Video.State != "running") || !strings.HasPrefix(queued.Video.RequestedBy, "agent:") {
		t.Fatalf("POST answered %+v", queued.Video)
	}
	var done videoAnswer
	waitCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for done.Video.State != "done" {
		// The console polls like this, once a second.
		if err := agent.Do(waitCtx, "GET", "/api/v1/videos/"+queued.Video.ID, nil, &done); err != nil {
			t.Fatalf("waiting for the export: %v", err)
		}
		if done.Video.State == "failed" {
			t.Fatalf("the export failed: %s", done.Video.Error)
		}
		select {
		case <-waitCtx.Done():
			t.Fatalf("the export is still %s", done.Video.State)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if done.Video.Width != 320 || done.Video.Height != 240 || done.Video.Bytes <= 0 || done.Video.FileURL == "" {
		t.Errorf("done video = %+v", done.Video)
	}
	var list struct {
		Videos []json.RawMessage `json:"videos"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/videos?assist="+p.AssistID, nil, &list); err != nil || len(list.Videos) != 1 {
		t.Errorf("list = %d videos, %v; want 1", len(list.Videos), err)
	}

	res, body := getFile(t, ctx, agent, done.Video.FileURL, "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "video/mp4" || int64(len(body)) != done.Video.Bytes || string(body[4:8]) != "ftyp" {
		t.Errorf("file: %d %s, %d bytes (%q), want an MP4 of %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body), body[:8], done.Video.Bytes)
	}
	res, part := getFile(t, ctx, agent, done.Video.FileURL, "bytes=100-199")
	if res.StatusCode != http.StatusPartialContent || string(part) != string(body[100:200]) {
		t.Errorf("range: %d, %d bytes; want 206 with bytes 100 to 199", res.StatusCode, len(part))
	}

	link := shareVideo(t, ctx, agent, ts.URL(), done.Video.ID, p.AssistID, body)

	// Deleting it deletes the file.
	if err := agent.Do(ctx, "DELETE", "/api/v1/videos/"+done.Video.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := visit(t, ctx, ts.URL(), nil, link+"/video"); status != http.StatusNotFound {
		t.Errorf("the link of a deleted video answers %d, want 404", status)
	}
	if err := agent.Do(ctx, "GET", "/api/v1/videos/"+done.Video.ID, nil, nil); apiCode(err) != "not_found" {
		t.Errorf("GET of a deleted video: %v, want not_found", err)
	}

	// An unfinished export is cancelled first.
	var second, cancelled videoAnswer
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/videos", map[string]any{}, &second); err != nil {
		t.Fatal(err)
	}
	if err := agent.Do(ctx, "DELETE", "/api/v1/videos/"+second.Video.ID, nil, &cancelled); err != nil {
		t.Fatal(err)
	}
	if cancelled.Video.State != "cancelled" {
		t.Errorf("DELETE of an unfinished export answered %s, want cancelled", cancelled.Video.State)
	}
	if err := agent.Do(ctx, "GET", "/api/v1/videos/"+second.Video.ID+"/file", nil, nil); apiCode(err) != "conflict" {
		t.Errorf("file of a cancelled export: %v, want conflict", err)
	}
}

// A site that exports automatically has each assist exported when it
// ends, by the system; the export is listed for the agents.
func TestAutoVideoOnEnd(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ts.Site.AutoVideo = true
	if err := ts.Store().UpdateSite(t.Context(), ts.Site); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var sites struct {
		Sites []struct {
			ID        string `json:"id"`
			AutoVideo bool   `json:"autoVideo"`
		} `json:"sites"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/sites", nil, &sites); err != nil || len(sites.Sites) != 1 || !sites.Sites[0].AutoVideo {
		t.Errorf("sites = %+v, %v; want the site with autoVideo", sites.Sites, err)
	}
	p := livePerson(t, ctx, ts, agent)
	sendPage(t, ctx, p)
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Videos []struct {
			RequestedBy string `json:"requestedBy"`
			Options     struct {
				Clicks  bool `json:"clicks"`
				Pointer bool `json:"pointer"`
			} `json:"options"`
		} `json:"videos"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/videos?assist="+p.AssistID, nil, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Videos) != 1 || list.Videos[0].RequestedBy != "system" || !list.Videos[0].Options.Clicks || !list.Videos[0].Options.Pointer {
		t.Fatalf("videos of an assist of an auto-video site = %+v, want one by the system", list.Videos)
	}

	// Once the site turns it off, its assists are not exported.
	ts.Site.AutoVideo = false
	if err := ts.Store().UpdateSite(t.Context(), ts.Site); err != nil {
		t.Fatal(err)
	}
	q := livePerson(t, ctx, ts, agent)
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+q.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := agent.Do(ctx, "GET", "/api/v1/videos?assist="+q.AssistID, nil, &list); err != nil || len(list.Videos) != 0 {
		t.Errorf("videos of an assist of a site without auto-video = %d, %v; want none", len(list.Videos), err)
	}
}
