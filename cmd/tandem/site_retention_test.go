package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/retention"
	"github.com/tandemhq/tandem/internal/store"
)

// addSite runs `tandem site add` and returns the new site's key.
func addSite(t *testing.T, dir, name string, extra ...string) string {
	t.Helper()
	args := append([]string{"site", "add", "--name", name, "--origin", "https://" + strings.ToLower(name) + ".example"}, extra...)
	out := mustRun(t, dir, "", args...)
	m := regexp.MustCompile(`(?m)^site key: (site_\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("site add printed no site key:\n%s", out)
	}
	return m[1]
}

// siteRetention returns the RETENTION column of the site with key.
func siteRetention(t *testing.T, dir, key string) string {
	t.Helper()
	out := mustRun(t, dir, "", "site", "list")
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	col := slices.Index(header, "RETENTION")
	if col < 0 {
		t.Fatalf("site list has no RETENTION column:\n%s", out)
	}
	for _, row := range dataLines(out) {
		if f := strings.Fields(row); len(f) >= len(header) && f[1] == key {
			return f[col]
		}
	}
	t.Fatalf("site list lacks %s:\n%s", key, out)
	return ""
}

func TestSiteRetention(t *testing.T) {
	dir := newDataDir(t)
	out := mustRun(t, dir, "", "site", "add", "--name", "Shop", "--origin", "https://shop.example", "--retention", "30d")
	if !strings.Contains(out, "recordings: kept for 30 days after their assist ends") {
		t.Errorf("site add --retention 30d printed:\n%s\nwant how long recordings are kept", out)
	}
	shop := regexp.MustCompile(`(?m)^site key: (site_\S+)$`).FindStringSubmatch(out)[1]
	blog := addSite(t, dir, "Blog")
	if got := siteRetention(t, dir, shop); got != "30d" {
		t.Errorf("Shop's retention listed as %q, want 30d", got)
	}
	if got := siteRetention(t, dir, blog); got != "forever" {
		t.Errorf("a site added without --retention lists %q, want forever", got)
	}

	out = mustRun(t, dir, "", "site", "set", shop, "--retention", "90d")
	if !strings.Contains(out, "kept for 90 days") {
		t.Errorf("site set --retention 90d printed %q", out)
	}
	if got := siteRetention(t, dir, shop); got != "90d" {
		t.Errorf("after site set 90d: %q", got)
	}
	mustRun(t, dir, "", "site", "set", shop, "--retention", "36h")
	if got := siteRetention(t, dir, shop); got != "36h" {
		t.Errorf("after site set 36h: %q", got)
	}
	out = mustRun(t, dir, "", "site", "set", shop, "--retention", "forever")
	if got := siteRetention(t, dir, shop); got != "forever" || !strings.Contains(out, "kept forever") {
		t.Errorf("after site set forever: %q, printed %q", got, out)
	}
	mustRun(t, dir, "", "site", "set", shop, "--retention", "7d")

	// The store holds exactly what was typed.
	s, err := openStore(t, dir).SiteByKey(t.Context(), shop)
	if err != nil || s.RecordingRetention != 7*24*time.Hour {
		t.Errorf("stored retention %v, %v; want 168h", s.RecordingRetention, err)
	}

	// Bad input: a clear error, and nothing changes.
	for _, args := range [][]string{
		{"site", "set", shop, "--retention", "6m"},
		{"site", "set", shop, "--retention", "-1d"},
		{"site", "set", shop, "--retention", ""},
		{"site", "set", shop},
		{"site", "set", "site_nosuchkey", "--retention", "1d"},
		{"site", "add", "--name", "Bad", "--origin", "https://bad.example", "--retention", "1y"},
	} {
		_, _, err := tandemCmd(t, dir, "", args...)
		if err == nil {
			t.Errorf("tandem %s: no error", strings.Join(args, " "))
		}
	}
	if got := siteRetention(t, dir, shop); got != "7d" {
		t.Errorf("rejected changes changed the retention to %q", got)
	}
	if rows := dataLines(mustRun(t, dir, "", "site", "list")); len(rows) != 2 {
		t.Errorf("a rejected site add wrote a site: %q", rows)
	}
	_, _, err = tandemCmd(t, dir, "", "site", "set", shop, "--retention", "6m")
	if err == nil || !strings.Contains(err.Error(), "30d") {
		t.Errorf("bad --retention error %v, want one showing the form (30d)", err)
	}
}

// assistWithRecording creates an ended assist of the site with key, with a
// recording of several chunks written as a live assist writes it.
func assistWithRecording(t *testing.T, db store.Store, b blobs.Store, key string) string {
	t.Helper()
	site, err := db.SiteByKey(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(-time.Minute)
	a := &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "p", StartedAt: end.Add(-time.Minute), EndedAt: end}
	if err := db.CreateAssist(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	w := record.NewWriter(b, a.ID, record.WriterOptions{ChunkBytes: 64, FlushInterval: time.Millisecond})
	for i := range 8 {
		if err := w.WriteFrame(end, fmt.Appendf(nil, `{"s":%d,"k":"event"}%s`, i, strings.Repeat("x", 60))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// openBlobs opens the blob storage in dir, as openStore opens the store.
func openBlobs(t *testing.T, dir string) blobs.Store {
	t.Helper()
	b, err := backend.OpenBlobs(t.Context(), backend.FileURL(filepath.Join(dir, app.BlobsDir)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordingsIn returns the ids of the recordings with blobs in dir.
func recordingsIn(t *testing.T, dir string) []string {
	t.Helper()
	ids, err := record.Sessions(t.Context(), openBlobs(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// siteFixture is a data directory with two sites, each with assists that
// have recordings.
func siteFixture(t *testing.T) (dir, shop string, shopIDs, blogIDs []string) {
	t.Helper()
	dir = newDataDir(t)
	shop = addSite(t, dir, "Shop")
	blog := addSite(t, dir, "Blog")
	db, b := openStore(t, dir), openBlobs(t, dir)
	for range 3 {
		shopIDs = append(shopIDs, assistWithRecording(t, db, b, shop))
		blogIDs = append(blogIDs, assistWithRecording(t, db, b, blog))
	}
	slices.Sort(shopIDs)
	slices.Sort(blogIDs)
	return dir, shop, shopIDs, blogIDs
}

// queued returns the recordings the store in dir has queued for deletion.
func queued(t *testing.T, dir string) []string {
	t.Helper()
	ids, err := openStore(t, dir).DoomedRecordings(t.Context(), store.MaxRecordingBatch)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// Removing a site deletes its assists' recordings at once: no blob of
// theirs is left under recordings/, and another site's are untouched.
func TestSiteRemoveDeletesRecordings(t *testing.T) {
	dir, shop, shopIDs, blogIDs := siteFixture(t)
	if got, want := recordingsIn(t, dir), sorted(append(slices.Clone(shopIDs), blogIDs...)); !slices.Equal(got, want) {
		t.Fatalf("recordings before: %v, want %v", got, want)
	}

	out := mustRun(t, dir, "", "site", "remove", shop)
	if !strings.Contains(out, "deleted 3 recordings") {
		t.Errorf("site remove printed:\n%s\nwant the 3 recordings deleted", out)
	}
	if got := recordingsIn(t, dir); !slices.Equal(got, blogIDs) {
		t.Errorf("recordings after removing Shop: %v, want only Blog's %v", got, blogIDs)
	}
	b := openBlobs(t, dir)
	for _, id := range shopIDs {
		if keys, err := b.List(t.Context(), "recordings/"+id+"/"); err != nil || len(keys) != 0 {
			t.Errorf("removed assist %s keeps %q (%v)", id, keys, err)
		}
	}
	for _, id := range blogIDs {
		rc, err := record.Open(t.Context(), b, id)
		if err != nil {
			t.Errorf("Blog's recording %s: %v", id, err)
			continue
		}
		n := 0
		err = record.ReadFrames(rc, func(time.Time, []byte) error { n++; return nil })
		rc.Close()
		if err != nil || n != 8 {
			t.Errorf("Blog's recording %s reads %d frames, %v; want all 8", id, n, err)
		}
	}
	if q := queued(t, dir); len(q) != 0 {
		t.Errorf("deletion queue after site remove: %v", q)
	}
}

// When the blob storage cannot be reached, the site is removed all the
// same, the command says the server's sweeper will finish, and it does.
func TestSiteRemoveBlobsUnreachable(t *testing.T) {
	dir, shop, shopIDs, blogIDs := siteFixture(t)
	blobDir := filepath.Join(dir, app.BlobsDir)
	if err := os.Rename(blobDir, blobDir+".away"); err != nil {
		t.Fatal(err)
	}
	// A file where the directory should be: the storage cannot be opened.
	if err := os.WriteFile(blobDir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}

	out, errOut, err := tandemCmd(t, dir, "", "site", "remove", shop)
	if err != nil {
		t.Fatalf("site remove with blob storage down: %v (the site is removed; the sweeper finishes)", err)
	}
	if !strings.Contains(out, "removed site Shop") || !strings.Contains(errOut, "sweeper") {
		t.Errorf("site remove printed:\n%s\n%s\nwant the site removed and the sweeper named", out, errOut)
	}
	if _, _, err := tandemCmd(t, dir, "", "site", "set", shop, "--retention", "1d"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("the site is still there: %v", err)
	}
	if got := queued(t, dir); !slices.Equal(got, shopIDs) {
		t.Errorf("queued: %v, want Shop's recordings %v", got, shopIDs)
	}

	// The storage is back; the server's sweeper deletes what was queued.
	if err := os.Remove(blobDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(blobDir+".away", blobDir); err != nil {
		t.Fatal(err)
	}
	db, b := openStore(t, dir), openBlobs(t, dir)
	if res, err := retention.New(db, b, retention.Config{}).Sweep(t.Context()); err != nil || res.Deleted != 3 {
		t.Errorf("sweep = %+v, %v; want Shop's 3 recordings deleted", res, err)
	}
	if got := recordingsIn(t, dir); !slices.Equal(got, blogIDs) {
		t.Errorf("recordings after the sweep: %v, want Blog's %v", got, blogIDs)
	}
}

func sorted(ids []string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func TestSiteAutoVideo(t *testing.T) {
	dir := newDataDir(t)
	shop := addSite(t, dir, "Shop")
	out := mustRun(t, dir, "", "site", "set", shop, "--auto-video", "on")
	if !strings.Contains(out, "each assist is exported to video when it ends") {
		t.Errorf("site set --auto-video on printed:\n%s", out)
	}
	if out := mustRun(t, dir, "", "site", "list"); !strings.Contains(out, "auto-video") {
		t.Errorf("site list does not show auto-video:\n%s", out)
	}
	out = mustRun(t, dir, "", "site", "set", shop, "--auto-video", "off")
	if !strings.Contains(out, "on request only") {
		t.Errorf("site set --auto-video off printed:\n%s", out)
	}
	if out := mustRun(t, dir, "", "site", "list"); strings.Contains(out, "auto-video") {
		t.Errorf("site list shows auto-video after off:\n%s", out)
	}
	if _, _, err := tandemCmd(t, dir, "", "site", "set", shop, "--auto-video", "maybe"); err == nil || !strings.Contains(err.Error(), "want on or off") {
		t.Errorf("site set --auto-video maybe: %v, want refused", err)
	}
}

func TestSiteNetworkBodies(t *testing.T) {
	dir := newDataDir(t)
	shop := addSite(t, dir, "Shop")
	if out := mustRun(t, dir, "", "site", "list"); strings.Contains(out, "capture-bodies") {
		t.Fatalf("a new site records bodies:\n%s", out)
	}
	tests := []struct {
		value, printed string
		listed         bool
	}{
		{"on", "bodies are recorded", true},
		{"off", "bodies are not recorded", false},
	}
	for _, tc := range tests {
		out := mustRun(t, dir, "", "site", "set", shop, "--network-bodies", tc.value)
		if !strings.Contains(out, tc.printed) {
			t.Errorf("site set --network-bodies %s printed:\n%s", tc.value, out)
		}
		if out := mustRun(t, dir, "", "site", "list"); strings.Contains(out, "capture-bodies") != tc.listed {
			t.Errorf("after --network-bodies %s, site list:\n%s", tc.value, out)
		}
	}
	mustRun(t, dir, "", "site", "set", shop, "--network-bodies", "on")
	if _, _, err := tandemCmd(t, dir, "", "site", "set", shop, "--network-bodies", "yes"); err == nil || !strings.Contains(err.Error(), "want on or off") {
		t.Errorf("site set --network-bodies yes: %v, want refused", err)
	}
	if out := mustRun(t, dir, "", "site", "list"); !strings.Contains(out, "capture-bodies") {
		t.Errorf("a refused value changed the setting:\n%s", out)
	}
}
