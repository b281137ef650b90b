package video

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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

// probe is what ffprobe says of a video's stream.
type probe struct {
	Codec    string
	Width    int
	Height   int
	Frames   int
	Duration float64
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames,duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var v struct {
		Streams []struct {
			Codec    string `json:"codec_name"`
			Width    int    `json:"width"`
			Height   int    `json:"height"`
			Frames   string `json:"nb_read_frames"`
			Duration string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.Streams) != 1 {
		t.Fatalf("ffprobe said %s (%v)", out, err)
	}
	s := v.Streams[0]
	n, _ := strconv.Atoi(s.Frames)
	d, _ := strconv.ParseFloat(s.Duration, 64)
	return probe{Codec: s.Codec, Width: s.Width, Height: s.Height, Frames: n, Duration: d}
}

// frameHashes are the MD5s of the decoded frames (ffmpeg's framemd5).
func frameHashes(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("framemd5: %v", err)
	}
	var hashes []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		hashes = append(hashes, strings.TrimSpace(f[len(f)-1]))
	}
	return hashes
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
	p := ffprobe(t, path)
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
