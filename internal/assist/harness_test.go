package assist

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

const testOrigin = "https://shop.example.com"

// harness is a Service on a real SQLite store and blob directory, with a
// site and an agent.
type harness struct {
	t     *testing.T
	ctx   context.Context
	s     *Service
	db    *sqlite.DB
	store Store           // what the service was given (db, or a wrapper of it)
	blobs *dirblobs.Store // the blob directory the service was given
	site  *tandem.Site
	agent *tandem.User
}

// newHarness starts a Service; wrap, if not nil, wraps the store it gets.
func newHarness(t *testing.T, cfg Config, wrap func(Store) Store) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := dirblobs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, db: db, store: Store(db), blobs: bs}
	if wrap != nil {
		h.store = wrap(db)
	}
	h.site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{testOrigin}}
	if err := db.CreateSite(ctx, h.site); err != nil {
		t.Fatal(err)
	}
	h.agent = &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: "x", Role: tandem.RoleAgent}
	if err := db.CreateUser(ctx, h.agent); err != nil {
		t.Fatal(err)
	}
	if cfg.Secret == nil {
		cfg.Secret = []byte("0123456789abcdef0123456789abcdef")
	}
	h.s = New(cfg, h.store, bs, nil)
	t.Cleanup(func() {
		if err := h.s.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		db.Close()
	})
	return h
}

// request files a help request.
func (h *harness) request() *Started {
	h.t.Helper()
	st, err := h.s.RequestHelp(h.ctx, HelpRequest{SiteKey: h.site.Key, PageID: "p1", URL: testOrigin + "/cart", Origin: testOrigin})
	if err != nil {
		h.t.Fatalf("request help: %v", err)
	}
	return st
}

// connect attaches the person's channel.
func (h *harness) connect(st *Started) *PersonConn {
	h.t.Helper()
	c, err := h.s.ConnectPerson(h.ctx, st.Assist.ID, st.PersonToken, testOrigin)
	if err != nil {
		h.t.Fatalf("connect person: %v", err)
	}
	return c
}

// live makes a request, connects the person, has the agent accept and the
// person allow; it returns the person's channel with its frames so far
// taken.
func (h *harness) live() (*PersonConn, string) {
	h.t.Helper()
	st := h.request()
	p := h.connect(st)
	if _, err := h.s.Accept(h.ctx, h.agent, st.Assist.ID); err != nil {
		h.t.Fatalf("accept: %v", err)
	}
	if err := p.Handle(h.ctx, []byte(`{"k":"consent"}`+"\n"+`{"allow":true}`)); err != nil {
		h.t.Fatalf("consent: %v", err)
	}
	drain(p)
	return p, st.Assist.ID
}

// endedAfterOneFrame makes an assist live, has the person send one frame
// (evFrame(1)) and the agent end it; it returns the person's channel.
func (h *harness) endedAfterOneFrame() (*PersonConn, string) {
	h.t.Helper()
	p, id := h.live()
	if err := p.Handle(h.ctx, evFrame(1)); err != nil {
		h.t.Fatalf("frame: %v", err)
	}
	if _, err := h.s.End(h.ctx, h.agent, id); err != nil {
		h.t.Fatalf("end: %v", err)
	}
	return p, id
}

// drain takes every frame a channel has now, and the close it is set to.
func drain(c interface{ Next() ([]byte, error) }) ([]hub.Header, *CloseError) {
	var hs []hub.Header
	for {
		f, err := c.Next()
		if err != nil {
			var ce *CloseError
			errors.As(err, &ce)
			return hs, ce
		}
		if f == nil {
			return hs, nil
		}
		hd, _ := hub.ParseHeader(f)
		hs = append(hs, hd)
	}
}

// closeCode is the code of a *CloseError, 0 for nil or another error.
func closeCode(err error) int {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func evFrame(seq uint64) []byte {
	return hub.EncodeFrame(hub.Header{Kind: "ev", Seq: seq, Page: "p1"}, []byte(`[{"type":3,"data":{"source":1},"timestamp":1}]`))
}
