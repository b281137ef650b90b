package video

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/video/videotest"
)

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// render renders a fixture's recording into a file and returns its path.
func renderAssist(t testing.TB, r *Renderer, rec []byte, o Options) (string, *Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	last := 0
	res, err := r.RenderAssist(ctx, bytes.NewReader(rec), o, &out, func(done, total int) {
		if done != last+1 || done > total {
			t.Errorf("progress %d/%d after %d", done, total, last)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != res.Frames {
		t.Errorf("progress ended at %d of %d frames", last, res.Frames)
	}
	if res.Bytes != int64(out.Len()) {
		t.Errorf("Result.Bytes %d, wrote %d", res.Bytes, out.Len())
	}
	return writeTemp(t, out.Bytes()), res
}

func writeTemp(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.mp4")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRenderAssistProbe(t *testing.T) {
	f := newFixture(800, 600)
	f.snapshot(boxPage("#2255ee", "Hello")...)
	f.style(1000, 5, boxStyle("#ee3322"))
	f.click(1500, 5, 300, 200)
	f.consoleError(1800, "Uncaught TypeError: x is undefined")
	f.style(2000, 5, boxStyle("#22aa44"))
	r := newRenderer(t)
	path, res := renderAssist(t, r, f.ndjson(t), Options{Clicks: true, Pointer: true, Devtools: true})
	p := videotest.Probe(t, path)
	if k := os.Getenv("VIDEO_KEEP"); k != "" {
		b, _ := os.ReadFile(path)
		os.WriteFile(k, b, 0o600)
	}
	t.Logf("result %+v probe %+v", res, p)
	if p.Codec != "h264" || p.Width != 800 || p.Height != 600 {
		t.Errorf("probe %+v, want h264 800×600", p)
	}
	// 2000 ms at 25 fps: frames at 0, 40, …, 2000.
	if p.Frames != 51 || res.Frames != 51 {
		t.Errorf("frames: probe %d, result %d; want 51", p.Frames, res.Frames)
	}
	if d := p.Duration - 2.0; d < -0.04 || d > 0.04+1e-9 {
		t.Errorf("duration %.3f s, want 2 s within a frame", p.Duration)
	}
}

// Without the headless shell, the regular chromium renders the same video
// size and length with screenshots.
func TestRenderWithRegularChromium(t *testing.T) {
	r, err := New(Config{Browser: "/usr/bin/chromium"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Capture() != CaptureScreenshot {
		t.Fatalf("capture %q", r.Capture())
	}
	f := newFixture(640, 360)
	f.snapshot(boxPage("#2255ee", "Fallback")...)
	f.style(1000, 5, boxStyle("#ee3322"))
	path, res := renderAssist(t, r, f.ndjson(t), Options{FPS: 10})
	p := videotest.Probe(t, path)
	if res.Capture != CaptureScreenshot || p.Codec != "h264" || p.Width != 640 || p.Height != 360 || p.Frames != 11 {
		t.Errorf("result %+v, probe %+v; want screenshots, 640×360, 11 frames", res, p)
	}
	h := videotest.FrameHashes(t, path)
	if h[0] == h[len(h)-1] {
		t.Error("the change at 1 s is not in the video")
	}
}
