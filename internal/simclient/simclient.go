// Package simclient speaks Tandem's web-assistance protocol from Go, as a
// person's SDK and as an agent's console do. Integration tests, benchmarks
// and the load command use it to drive a server over real HTTP and
// WebSockets without a browser.
package simclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/hub"
)

// Header is a frame's header (docs/protocol.md).
type Header = hub.Header

// Frame builds a frame from a header and a payload (nil for none).
func Frame(h Header, payload []byte) []byte { return hub.EncodeFrame(h, payload) }

// Split parses a frame into its header and payload.
func Split(frame []byte) (Header, []byte, error) {
	h, err := hub.ParseHeader(frame)
	if err != nil {
		return h, nil, err
	}
	_, body, _ := bytes.Cut(frame, []byte("\n"))
	return h, body, nil
}

// APIError is an error response of the API.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// call does one JSON request and decodes the response into out.
func call(ctx context.Context, c *http.Client, method, u, origin string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

// Agent is a signed-in console session.
type Agent struct {
	Base   string // e.g. http://127.0.0.1:8080
	Client *http.Client
}

// Login signs in and returns the agent's session.
func Login(ctx context.Context, base, email, password string) (*Agent, error) {
	return LoginVia(ctx, nil, base, email, password)
}

// LoginVia is Login with the agent's requests sent through rt (nil:
// http.DefaultTransport), e.g. one that checks every response in tests.
func LoginVia(ctx context.Context, rt http.RoundTripper, base, email, password string) (*Agent, error) {
	jar, _ := cookiejar.New(nil)
	a := &Agent{Base: strings.TrimSuffix(base, "/"), Client: &http.Client{Jar: jar, Transport: rt}}
	err := call(ctx, a.Client, "POST", a.Base+"/api/v1/login", "", map[string]string{"email": email, "password": password}, nil)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Do calls the API as this agent.
func (a *Agent) Do(ctx context.Context, method, path string, in, out any) error {
	return call(ctx, a.Client, method, a.Base+path, "", in, out)
}

// Accept accepts a waiting request.
func (a *Agent) Accept(ctx context.Context, id string) error {
	return a.Do(ctx, "POST", "/api/v1/assists/"+id+"/accept", nil, nil)
}

// Watch opens the agent channel of an assist from sequence number from.
func (a *Agent) Watch(ctx context.Context, id string, from uint64) (*websocket.Conn, error) {
	u := wsURL(a.Base) + "/api/v1/assists/" + id + "/ws"
	if from > 0 {
		u += "?from=" + strconv.FormatUint(from, 10)
	}
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: a.Client, HTTPHeader: http.Header{"Origin": {a.Base}}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(64 << 20)
	return ws, nil
}

// WatchAttached opens the agent channel of assist id from the start and
// waits until the server says who the agent is: only then is the channel
// attached, as the handshake alone may finish before that.
func (a *Agent) WatchAttached(ctx context.Context, id string) (*websocket.Conn, error) {
	ws, err := a.Watch(ctx, id, 0)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", id, err)
	}
	if _, _, err := ReadUntil(ctx, ws, "you"); err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("watch %s: wait to be attached: %w", id, err)
	}
	return ws, nil
}

func wsURL(base string) string {
	if strings.HasPrefix(base, "https://") {
		return "wss://" + strings.TrimPrefix(base, "https://")
	}
	return "ws://" + strings.TrimPrefix(base, "http://")
}

// Person is a person's page with the SDK: it asks for help and streams frames.
type Person struct {
	Base    string // the Tandem server
	Origin  string // the page's origin
	SiteKey string

	// Client sends the person's requests and opens its channel (nil:
	// http.DefaultClient).
	Client *http.Client

	AssistID string
	Token    string
	WS       *websocket.Conn
	nextSeq  uint64
}

func (p *Person) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return http.DefaultClient
}

// RequestHelp files a help request for the page at pageURL.
func (p *Person) RequestHelp(ctx context.Context, pageURL string) error {
	return p.start(ctx, "/api/v1/public/help-requests", pageURL, nil)
}

// Redeem uses an invite token or code for the page at pageURL.
func (p *Person) Redeem(ctx context.Context, pageURL, token, code string) error {
	return p.start(ctx, "/api/v1/public/invites/redeem", pageURL, map[string]any{"token": token, "code": code})
}

// start posts the page's description, with extra fields, to path and keeps
// the assist id and person token of the answer.
func (p *Person) start(ctx context.Context, path, pageURL string, extra map[string]any) error {
	in := map[string]any{
		"siteKey": p.SiteKey, "pageId": "page-1", "url": pageURL, "title": "Test page",
		"personId": "person-1", "userAgent": "simclient", "viewport": map[string]any{"width": 1280, "height": 800, "dpr": 1},
	}
	maps.Copy(in, extra)
	var out struct {
		AssistID    string `json:"assistId"`
		PersonToken string `json:"personToken"`
	}
	if err := call(ctx, p.client(), "POST", p.Base+path, p.Origin, in, &out); err != nil {
		return err
	}
	p.AssistID, p.Token = out.AssistID, out.PersonToken
	return nil
}

// Connect opens (or reopens) the person channel and returns the welcome
// frame's header; the server's ack is in it.
func (p *Person) Connect(ctx context.Context) (Header, []byte, error) {
	u := wsURL(p.Base) + "/api/v1/public/assists/" + p.AssistID + "/ws?token=" + url.QueryEscape(p.Token)
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: p.client(), HTTPHeader: http.Header{"Origin": {p.Origin}}})
	if err != nil {
		return Header{}, nil, err
	}
	ws.SetReadLimit(64 << 20)
	p.WS = ws
	h, body, err := p.Read(ctx)
	if err != nil {
		return h, nil, err
	}
	if p.nextSeq == 0 {
		p.nextSeq = h.Ack + 1
	}
	return h, body, nil
}

// Send writes a control frame.
func (p *Person) Send(ctx context.Context, h Header, payload []byte) error {
	return p.WS.Write(ctx, websocket.MessageText, Frame(h, payload))
}

// SendData writes the next data frame and returns its sequence number.
func (p *Person) SendData(ctx context.Context, kind, page, hash string, payload []byte) (uint64, error) {
	seq := p.nextSeq
	p.nextSeq++
	return seq, p.Send(ctx, Header{Kind: kind, Seq: seq, Page: page, Hash: hash}, payload)
}

// Allow answers the consent prompt that an agent's accept brings: it waits
// for the prompt, allows, and waits until the assist is live.
func (p *Person) Allow(ctx context.Context) error {
	if _, _, err := ReadUntil(ctx, p.WS, "prompt"); err != nil {
		return fmt.Errorf("wait for the prompt: %w", err)
	}
	if err := p.Send(ctx, Header{Kind: "consent"}, []byte(`{"allow":true}`)); err != nil {
		return fmt.Errorf("allow: %w", err)
	}
	_, body, err := ReadUntil(ctx, p.WS, "state")
	if err != nil {
		return fmt.Errorf("wait for live: %w", err)
	}
	if !bytes.Contains(body, []byte(`"live"`)) {
		return fmt.Errorf("state after allow is %s, want live", body)
	}
	return nil
}

// GoLive makes p's assist live with agent, as a test or benchmark starts
// one: p asks for help on the page at pageURL and connects, agent accepts,
// and p allows. On return the assist is live and p.WS is open.
func (p *Person) GoLive(ctx context.Context, agent *Agent, pageURL string) error {
	if err := p.RequestHelp(ctx, pageURL); err != nil {
		return fmt.Errorf("request help: %w", err)
	}
	if _, _, err := p.Connect(ctx); err != nil {
		return fmt.Errorf("connect the person: %w", err)
	}
	if err := agent.Accept(ctx, p.AssistID); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	return p.Allow(ctx)
}

// SetNextSeq sets the sequence number of the next data frame, to resend.
func (p *Person) SetNextSeq(seq uint64) { p.nextSeq = seq }

// Read reads the next frame from the server.
func (p *Person) Read(ctx context.Context) (Header, []byte, error) {
	_, msg, err := p.WS.Read(ctx)
	if err != nil {
		return Header{}, nil, err
	}
	return Split(msg)
}

// ReadUntil reads frames until one of kind arrives.
func ReadUntil(ctx context.Context, ws *websocket.Conn, kind string) (Header, []byte, error) {
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			return Header{}, nil, err
		}
		h, body, err := Split(msg)
		if err != nil {
			return h, nil, err
		}
		if h.Kind == kind {
			return h, body, nil
		}
	}
}
