package video

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/video/videotest"
)

// Two renders of the same recording with the same options give the same
// frames, and here the same bytes.
func TestRenderDeterministic(t *testing.T) {
	f := newFixture(640, 480)
	f.snapshot(boxPage("#2255ee", "Same")...)
	for ms := int64(100); ms <= 1500; ms += 100 {
		f.click(ms, 5, 150+int(ms/10), 150)
		f.style(ms, 5, boxStyle([]string{"#2255ee", "#ee3322", "#22aa44"}[ms/100%3]))
	}
	rec := f.ndjson(t)
	r := newRenderer(t)
	o := Options{Clicks: true, Pointer: true, Devtools: true}
	a, _ := renderAssist(t, r, rec, o)
	b, _ := renderAssist(t, r, rec, o)
	ha, hb := videotest.FrameHashes(t, a), videotest.FrameHashes(t, b)
	if len(ha) == 0 || !slices.Equal(ha, hb) {
		t.Fatalf("frame hashes differ:\n%v\n%v", ha, hb)
	}
	// The page did change: not every frame is the same picture.
	if n := len(slices.Compact(slices.Clone(ha))); n < 5 {
		t.Errorf("only %d distinct frames in a changing recording", n)
	}
	if !bytes.Equal(readFile(t, a), readFile(t, b)) {
		t.Error("the two MP4 files differ")
	}
}

// A masked field is recorded as rrweb's blocked placeholder: no content,
// only its size. The video shows a plain box where the unmasked page shows
// the text; compared on the same page with the text left in.
func TestRenderMaskedFieldShowsNoText(t *testing.T) {
	r := newRenderer(t)
	field := func(blocked bool) []byte {
		f := newFixture(800, 400)
		style := "position:absolute;left:100px;top:100px;width:600px;height:120px;font:bold 80px sans-serif;color:#000"
		var node any
		if blocked {
			node = el(5, "div", map[string]any{"class": "rr-block", "rr_width": "600px", "rr_height": "120px", "style": style})
		} else {
			node = el(5, "div", map[string]any{"style": style}, text(6, "SECRET 4242"))
		}
		f.snapshot(node)
		f.style(500, 4, "margin:0;background:#ffffff")
		return f.ndjson(t)
	}
	// odd counts the pixels of the field (inset from its edges, which
	// the encoder blurs) that differ from the field's top-left colour.
	odd := func(rec []byte) int {
		path, _ := renderAssist(t, r, rec, Options{})
		img := lastFrame(t, path)
		r0, g0, b0, _ := img.At(106, 106).RGBA()
		n := 0
		for y := 106; y < 214; y++ {
			for x := 106; x < 694; x++ {
				rr, g, b, _ := img.At(x, y).RGBA()
				if far(rr, r0) || far(g, g0) || far(b, b0) {
					n++
				}
			}
		}
		return n
	}
	open, masked := odd(field(false)), odd(field(true))
	t.Logf("pixels unlike the field's colour: unmasked %d, masked %d", open, masked)
	if open < 2000 {
		t.Fatalf("the unmasked text drew only %d pixels: the check could not fail", open)
	}
	if masked != 0 {
		t.Errorf("the masked field is not one colour: %d pixels differ", masked)
	}
}

// A terminal session (asciicast v2) renders at its size and draws its
// output.
func TestRenderTerminal(t *testing.T) {
	var cast strings.Builder
	cast.WriteString(`{"version":2,"width":40,"height":10}` + "\n")
	for i := range 10 {
		fmt.Fprintf(&cast, "[%.1f, \"o\", \"line %d \\u001b[1;31mred\\u001b[0m\\r\\n\"]\n", 0.2*float64(i+1), i)
	}
	r := newRenderer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := r.RenderTerminal(ctx, strings.NewReader(cast.String()), Options{FPS: 10}, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := writeTemp(t, out.Bytes())
	p := videotest.Probe(t, path)
	if p.Codec != "h264" || p.Width != res.Width || p.Height != res.Height || p.Frames != 21 {
		t.Errorf("probe %+v, result %+v; want h264, 21 frames", p, res)
	}
	// Output appeared: the last frame differs from the first.
	h := videotest.FrameHashes(t, path)
	if h[0] == h[len(h)-1] {
		t.Error("the terminal's output was never drawn")
	}
	reds := 0
	img := lastFrame(t, path)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			rr, g, bb, _ := img.At(x, y).RGBA()
			if rr > 0xa000 && g < 0x7000 && bb < 0x7000 {
				reds++
			}
		}
	}
	if reds < 50 {
		t.Errorf("%d red pixels: the coloured output is not drawn", reds)
	}
}

// Bad input is refused with a clear error and writes nothing.
func TestRenderRefusesBadInput(t *testing.T) {
	r := newRenderer(t)
	empty := newFixture(800, 600)
	empty.events = []fixtureEvent{{ms: 0, typ: evMeta, data: map[string]any{"width": 800, "height": 600}}, {ms: 1, typ: evMeta, data: map[string]any{}}}
	cases := []struct {
		name     string
		terminal bool
		rec      string
		o        Options
		want     string
	}{
		{name: "bad options", rec: "{}", o: Options{Width: 100}, want: "both"},
		{name: "not a recording", rec: "hello\n", want: "loading the recording"},
		{name: "nothing to draw", rec: string(empty.ndjson(t)), want: "no page to draw"},
		{name: "not a cast", terminal: true, rec: `{"version":1}` + "\n", want: "asciicast"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			var err error
			if c.terminal {
				_, err = r.RenderTerminal(context.Background(), strings.NewReader(c.rec), c.o, &out, nil)
			} else {
				_, err = r.RenderAssist(context.Background(), strings.NewReader(c.rec), c.o, &out, nil)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one about %q", err, c.want)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes", out.Len())
			}
		})
	}
}

// far says whether two 16-bit colour channels differ visibly.
func far(a, b uint32) bool {
	return max(a, b)-min(a, b) > 0x1800
}

func lastFrame(t testing.TB, path string) image.Image {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-sseof", "-0.2", "-i", path, "-update", "1", "-f", "image2", "-c:v", "png", "-").Output()
	if err != nil {
		t.Fatalf("extracting the last frame: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decoding the last frame: %v", err)
	}
	return img
}
