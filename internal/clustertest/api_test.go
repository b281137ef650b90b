package clustertest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/clustertest"
)

// apiClient is an agent's API client through the balancer. It opens a
// connection per request, so that each request may reach another node.
type apiClient struct {
	t    testing.TB
	base string
	http *http.Client
}

func signInAPI(t testing.TB, c *clustertest.Cluster, a clustertest.Agent) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	ac := &apiClient{t: t, base: c.PublicURL(), http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true}}}
	body, _ := json.Marshal(map[string]string{"email": a.Email, "password": a.Password})
	req, _ := http.NewRequest(http.MethodPost, ac.base+"/api/v1/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", ac.base)
	resp, err := ac.http.Do(req)
	if err != nil {
		t.Fatalf("sign in through the API: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in through the API: %d %s", resp.StatusCode, b)
	}
	return ac
}

// get reads a JSON answer into v, retrying for a few seconds while no node
// answers (a node was just killed) or one answers 5xx.
func (ac *apiClient) get(path string, v any) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ac.getOnce(path, v)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		if se, ok := err.(statusError); ok && se.code < 500 {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type statusError struct {
	code int
	body string
}

func (e statusError) Error() string { return fmt.Sprintf("status %d: %.500s", e.code, e.body) }

func (ac *apiClient) getOnce(path string, v any) error {
	resp, err := ac.http.Get(ac.base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return statusError{resp.StatusCode, string(b)}
	}
	return json.Unmarshal(b, v)
}

// recording is the assist's recording as the API serves it.
func (ac *apiClient) recording(id string) []recordedFrame {
	ac.t.Helper()
	var rec struct {
		Frames []recordedFrame `json:"frames"`
	}
	if err := ac.get("/api/v1/assists/"+id+"/recording", &rec); err != nil {
		ac.t.Fatalf("read the recording of %s: %v", id, err)
	}
	return rec.Frames
}

// assistState is the assist's state and end reason.
func (ac *apiClient) assistState(id string) (state, reason string) {
	ac.t.Helper()
	var a struct {
		Assist struct {
			State     string `json:"state"`
			EndReason string `json:"endReason"`
		} `json:"assist"`
	}
	if err := ac.get("/api/v1/assists/"+id, &a); err != nil {
		ac.t.Fatalf("read assist %s: %v", id, err)
	}
	return a.Assist.State, a.Assist.EndReason
}

// post sends a POST without a body and fails the test unless it answers 200.
func (ac *apiClient) post(path string) {
	ac.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ac.base+path, nil)
	req.Header.Set("Origin", ac.base)
	resp, err := ac.http.Do(req)
	if err != nil {
		ac.t.Fatalf("POST %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		ac.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
}
