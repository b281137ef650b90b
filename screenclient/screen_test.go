package screenclient_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/screenclient"
)

// frames records what a Screen sends.
type frames struct{ got []string }

func (f *frames) SendData(_ context.Context, kind, page, hash string, payload []byte) (uint64, error) {
	f.got = append(f.got, kind+" "+page+" "+hash+" "+string(payload))
	return uint64(len(f.got)), nil
}

// A Screen sends a screen as meta and snap, a new screen name as a route
// event on the page before, changes and touches as ev frames, and nothing
// for a bad tree or change.
func TestScreenFrames(t *testing.T) {
	ctx := context.Background()
	f := &frames{}
	at := time.UnixMilli(1_700_000_000_000)
	s, err := screenclient.NewScreen(f, nil, "app://com.example.shop/", func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, []screenclient.Change{{Op: "remove", ID: "x"}}); err == nil {
		t.Error("an update before any screen was accepted")
	}
	tree := screen(leaf("title", map[string]any{"text": "List"}))
	if err := s.SetScreen(ctx, tree, "list"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetScreen(ctx, screen(leaf("", nil)), "broken"); err == nil {
		t.Error("a bad tree was accepted")
	}
	if err := s.Update(ctx, []screenclient.Change{{Op: "update", ID: "title", Attrs: map[string]any{"text": "List (1)"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, 5, 5); err != nil {
		t.Fatal(err)
	}
	if err := s.SetScreen(ctx, tree, "done"); err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, g := range f.got {
		kinds = append(kinds, strings.SplitN(g, " ", 2)[0])
	}
	if got, want := strings.Join(kinds, ","), "meta,snap,ev,ev,ev,meta,snap"; got != want {
		t.Fatalf("frames %s, want %s:\n%s", got, want, strings.Join(f.got, "\n"))
	}
	for i, want := range []string{
		`"url":"app://com.example.shop/?screen=list"`,
		`"type":2,"data":{"node":`,
		`"texts":[{"id":13,"value":"List (1)"}]`,
		`"source":2,"type":2`,
		`"payload":{"title":"done","url":"app://com.example.shop/?screen=done"},"tag":"route"`,
		`"url":"app://com.example.shop/?screen=done"`,
	} {
		if !strings.Contains(f.got[i], want) {
			t.Errorf("frame %d = %s, want it to hold %s", i, f.got[i], want)
		}
	}
	page := func(i int) string { return strings.Split(f.got[i], " ")[1] }
	if page(0) != page(4) || page(4) == page(5) || !strings.HasPrefix(page(0), "p") {
		t.Errorf("pages %q, %q, %q: the route event goes on the old page, the new screen on a new one", page(0), page(4), page(5))
	}
	if h := strings.Split(f.got[1], " ")[2]; h == "" {
		t.Error("the snapshot has no hash")
	}
}
