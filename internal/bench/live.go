package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/simclient"
)

// Assist is a live assist driven from this process: the person's channel,
// whose incoming frames (acks, pings) a goroutine reads and answers, and the
// channels of the agents watching it, which the caller reads.
type Assist struct {
	Person *simclient.Person
	// Agents are the agents' channels. Each has read its "sync" frame, so
	// its hub subscription exists; the frames rebuilding the view (meta and
	// snapshot, if published) come next.
	Agents []*websocket.Conn
	// SnapshotBytes is the size of the meta and snap frames published by
	// Open: what the server retains for a late agent.
	SnapshotBytes int

	drained chan struct{} // closed when the person's reader returned; nil before it starts
}

// OpenOptions say how to open an assist.
type OpenOptions struct {
	Watchers int // agent channels to open (0 for none)
	// Snapshot, if not nil, is the payload of a snap frame published (after
	// a meta frame) before the agents watch.
	Snapshot []byte
	// Compress has the person's channel offer permessage-deflate, as
	// browsers do (the server accepts it on that channel); simclient's
	// person does not.
	Compress bool
}

// Opener opens live assists on a target as one signed-in agent: a person
// asks for help, the agent accepts, the person allows, the agents watch.
type Opener struct {
	target Target
	agent  *simclient.Agent

	mu      sync.Mutex
	clients map[int]*http.Client // person HTTP clients by source address
	opened  int
}

// NewOpener signs the target's agent in.
func NewOpener(ctx context.Context, t Target) (*Opener, error) {
	a, err := simclient.Login(ctx, cmp.Or(t.AgentURL, t.URL), t.Email, t.Password)
	if err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", t.Email, err)
	}
	return &Opener{target: t, agent: a, clients: make(map[int]*http.Client)}, nil
}

// Help requests are limited per client address (a burst of 30, then one a
// second). When the server is on this machine, the simulated people come
// from different loopback addresses, as real people come from different
// addresses; peopleAddrs of them share one.
const peopleAddrs = 20

// personClient returns the HTTP client of the n-th person.
func (o *Opener) personClient(n int) *http.Client {
	if !isLoopback(o.target.URL) {
		return http.DefaultClient
	}
	slot := n / peopleAddrs
	o.mu.Lock()
	defer o.mu.Unlock()
	if c := o.clients[slot]; c != nil {
		return c
	}
	// 127.1.0.1, 127.1.0.2, ...: every 127/8 address is this machine.
	ip := net.IPv4(127, 1, byte(slot/250), byte(slot%250+1))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	c := &http.Client{Transport: tr}
	o.clients[slot] = c
	return c
}

func isLoopback(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// Open creates one live assist.
func (o *Opener) Open(ctx context.Context, opts OpenOptions) (*Assist, error) {
	o.mu.Lock()
	n := o.opened
	o.opened++
	o.mu.Unlock()

	t := o.target
	p := &simclient.Person{Base: strings.TrimSuffix(t.URL, "/"), Origin: t.Origin, SiteKey: t.SiteKey}
	if err := o.requestHelp(ctx, o.personClient(n), p); err != nil {
		return nil, err
	}
	a := &Assist{Person: p}
	ok := false
	defer func() {
		if !ok {
			a.Close(ctx)
		}
	}()
	if err := connectPerson(ctx, p, opts.Compress); err != nil {
		return nil, fmt.Errorf("connect person: %w", err)
	}
	if err := o.agent.Accept(ctx, p.AssistID); err != nil {
		return nil, fmt.Errorf("accept: %w", err)
	}
	if err := p.Allow(ctx); err != nil {
		return nil, err
	}
	a.drained = make(chan struct{})
	go a.drainPerson()

	if opts.Snapshot != nil {
		n, err := SendPage(ctx, p, t.Origin+"/cart", opts.Snapshot)
		if err != nil {
			return nil, err
		}
		a.SnapshotBytes = n
	}
	for range opts.Watchers {
		ws, err := o.agent.Watch(ctx, p.AssistID, 0)
		if err != nil {
			return nil, fmt.Errorf("watch: %w", err)
		}
		a.Agents = append(a.Agents, ws)
		if _, _, err := simclient.ReadUntil(ctx, ws, "sync"); err != nil {
			return nil, fmt.Errorf("wait for sync: %w", err)
		}
	}
	ok = true
	return a, nil
}

// SendPage sends the person's page at url, as the SDK does on a page's
// load and when asked for a snapshot: a meta frame, then a full snapshot
// with payload snapshot. It returns the bytes of the two frames: what the
// server keeps for a late agent.
func SendPage(ctx context.Context, p *simclient.Person, url string, snapshot []byte) (int, error) {
	meta := fmt.Appendf(nil, `{"url":%q,"title":"Bench page","pageId":"page-1","viewport":{"width":1280,"height":800,"dpr":1}}`, url)
	metaSeq, err := p.SendData(ctx, "meta", "page-1", "", meta)
	if err != nil {
		return 0, fmt.Errorf("send meta: %w", err)
	}
	snapSeq, err := p.SendData(ctx, "snap", "page-1", "h1", snapshot)
	if err != nil {
		return 0, fmt.Errorf("send snapshot: %w", err)
	}
	return len(simclient.Frame(simclient.Header{Kind: "meta", Seq: metaSeq, Page: "page-1"}, meta)) +
		len(simclient.Frame(simclient.Header{Kind: "snap", Seq: snapSeq, Page: "page-1", Hash: "h1"}, snapshot)), nil
}

// connectPerson opens the person's channel as simclient.Person.Connect
// does, optionally offering compression, and reads the welcome frame.
func connectPerson(ctx context.Context, p *simclient.Person, compress bool) error {
	if !compress {
		_, _, err := p.Connect(ctx)
		return err
	}
	base := "ws" + strings.TrimPrefix(p.Base, "http")
	u := base + "/api/v1/public/assists/" + p.AssistID + "/ws?token=" + url.QueryEscape(p.Token)
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPHeader:      http.Header{"Origin": {p.Origin}},
		CompressionMode: websocket.CompressionNoContextTakeover,
	})
	if err != nil {
		return err
	}
	ws.SetReadLimit(64 << 20)
	if !strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		_ = ws.CloseNow()
		return errors.New("the server did not accept compression on the person's channel")
	}
	p.WS = ws
	_, msg, err := ws.Read(ctx)
	if err != nil {
		return err
	}
	h, _, err := simclient.Split(msg)
	if err != nil {
		return err
	}
	if h.Kind != "welcome" {
		return fmt.Errorf("first frame is %q, not welcome", h.Kind)
	}
	p.SetNextSeq(h.Ack + 1)
	return nil
}

// requestHelp files the person's help request, waiting out rate limits
// (which only a remote server imposes on these clients).
func (o *Opener) requestHelp(ctx context.Context, c *http.Client, p *simclient.Person) error {
	body, _ := json.Marshal(map[string]any{
		"siteKey": p.SiteKey, "pageId": "page-1", "url": p.Origin + "/cart", "title": "Bench page",
		"personId": "bench-person", "userAgent": "tandem-bench",
		"viewport": map[string]any{"width": 1280, "height": 800, "dpr": 1},
	})
	for {
		req, err := http.NewRequestWithContext(ctx, "POST", p.Base+"/api/v1/public/help-requests", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", p.Origin)
		resp, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("help request: %w", err)
		}
		var out struct {
			AssistID    string `json:"assistId"`
			PersonToken string `json:"personToken"`
			Error       struct{ Code, Message string }
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
			continue
		case resp.StatusCode != http.StatusCreated:
			return fmt.Errorf("help request: %d %s: %s", resp.StatusCode, out.Error.Code, out.Error.Message)
		case err != nil:
			return fmt.Errorf("help request: %w", err)
		}
		p.AssistID, p.Token = out.AssistID, out.PersonToken
		return nil
	}
}

// drainPerson reads what the server sends the person (acks, pings) and
// answers pings, as the SDK does, until the channel closes.
func (a *Assist) drainPerson() {
	defer close(a.drained)
	ws := a.Person.WS
	ctx := context.Background()
	var buf bytes.Buffer
	for {
		msg, err := readInto(ctx, ws, &buf)
		if err != nil {
			return
		}
		answerPing(ctx, ws, msg)
	}
}

// readInto reads one message into buf, reused from message to message: the
// measuring clients should make as little garbage as they can, since their
// collections show as latency too.
func readInto(ctx context.Context, ws *websocket.Conn, buf *bytes.Buffer) ([]byte, error) {
	_, r, err := ws.Reader(ctx)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// answerPing answers a ping frame with a pong carrying its time, as the
// SDK and the console do; it ignores other frames.
func answerPing(ctx context.Context, ws *websocket.Conn, frame []byte) {
	if !bytes.HasPrefix(frame, []byte(`{"k":"ping"`)) {
		return
	}
	if h, _, err := simclient.Split(frame); err == nil {
		_ = ws.Write(ctx, websocket.MessageText, simclient.Frame(simclient.Header{Kind: "pong", T: h.T}, nil))
	}
}

// Detach closes the person's channel without ending the assist and waits
// until its reader returned: the caller drives the person from now on
// (reconnects it, reads its frames).
func (a *Assist) Detach() {
	if a.Person.WS != nil {
		_ = a.Person.WS.CloseNow()
	}
	if a.drained != nil {
		<-a.drained
	}
}

// Close ends the assist as the person would (the server ends it and makes
// its recording durable) and closes every channel.
func (a *Assist) Close(ctx context.Context) {
	p := a.Person
	if p.WS != nil {
		_ = p.Send(ctx, simclient.Header{Kind: "end"}, nil)
	}
	for _, ws := range a.Agents {
		_ = ws.Close(websocket.StatusNormalClosure, "")
	}
	if a.drained != nil {
		// The server closes the person's channel once the assist ended.
		select {
		case <-a.drained:
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
	if p.WS != nil {
		_ = p.WS.CloseNow()
	}
}

// OpenMany opens n assists, parallel at a time, and returns them in the
// order they were opened. On error the ones opened are closed.
func OpenMany(ctx context.Context, o *Opener, n, parallel int, opts OpenOptions) ([]*Assist, error) {
	if parallel < 1 {
		parallel = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]*Assist, n)
	errs := make([]error, n)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i], errs[i] = o.Open(ctx, opts)
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	err := ctx.Err()
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			err = e // the first real failure, not those it cancelled
			break
		}
	}
	if err != nil {
		CloseAll(context.Background(), out, parallel)
		return nil, fmt.Errorf("open %d assists: %w", n, err)
	}
	return out, nil
}

// CloseAll closes assists, parallel at a time; nil entries are skipped.
func CloseAll(ctx context.Context, as []*Assist, parallel int) {
	if parallel < 1 {
		parallel = 1
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, a := range as {
		if a == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			a.Close(ctx)
		})
	}
	wg.Wait()
}
