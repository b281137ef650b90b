package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/cli"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/video"
)

// runAssist is the group of commands on web assists.
func runAssist(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem assist", Commands: []cli.Command{
		{Name: "video", Summary: "render an ended assist's recording to an MP4 video", Run: assistVideo},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

// videoFlags are the rendering options both video commands take.
type videoFlags struct {
	out                                 *string
	width, height, fps                  *int
	clicks, pointer, devtools, skipIdle *bool
	browser, ffmpeg                     *string
	tabs                                *int
}

func addVideoFlags(fs *flag.FlagSet) *videoFlags {
	return &videoFlags{
		out:      fs.String("out", "", "the MP4 file to write (required)"),
		width:    fs.Int("width", 0, "video width in pixels (0: the person's resolution; give --height too)"),
		height:   fs.Int("height", 0, "video height in pixels (0: the person's resolution)"),
		fps:      fs.Int("fps", 0, "frames per second (0: 25)"),
		clicks:   fs.Bool("clicks", false, "mark where the person clicked or tapped"),
		pointer:  fs.Bool("pointer", false, "draw the person's pointer"),
		devtools: fs.Bool("devtools", false, "add a strip with console errors and failed requests"),
		skipIdle: fs.Bool("skip-idle", false, "shorten stretches of more than 3 s without activity to 1 s"),
		browser:  fs.String("browser", "", "the browser binary (default: chromium-headless-shell, else chromium)"),
		ffmpeg:   fs.String("ffmpeg", "", "the ffmpeg binary (default: ffmpeg on the PATH)"),
		tabs:     fs.Int("tabs", video.DefaultTabs(), fmt.Sprintf("browser tabs that draw frames at once (1 to %d; the video is the same with any)", video.MaxTabs)),
	}
}

func (v *videoFlags) options() (video.Options, error) {
	o := video.Options{Width: *v.width, Height: *v.height, FPS: *v.fps, Clicks: *v.clicks, Pointer: *v.pointer, Devtools: *v.devtools, SkipIdle: *v.skipIdle}
	if *v.out == "" {
		return o, errors.New("--out FILE.mp4 is required")
	}
	if *v.tabs < 1 || *v.tabs > video.MaxTabs {
		return o, fmt.Errorf("--tabs %d: must be between 1 and %d", *v.tabs, video.MaxTabs)
	}
	return o, o.Check()
}

// render renders with the flags' renderer into the --out file: written
// under a temporary name and renamed when complete, so that a failed render
// leaves no half video behind.
func (v *videoFlags) render(ctx context.Context, stdout io.Writer, do func(r *video.Renderer, o video.Options, w io.Writer) (*video.Result, error)) error {
	o, err := v.options()
	if err != nil {
		return err
	}
	r, err := video.New(video.Config{Browser: *v.browser, FFmpeg: *v.ffmpeg, Tabs: *v.tabs})
	if err != nil {
		return err
	}
	tmp := *v.out + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("video: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	res, err := do(r, o, bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, *v.out)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(stdout, "%s: %d×%d, %d frames, %s, %d bytes (%s)\n", *v.out, res.Width, res.Height, res.Frames, res.Duration, res.Bytes, res.Capture)
	return nil
}

func assistVideo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("assist video", "tandem assist video ID --out FILE.mp4 [--width W --height H] [--fps N] [--clicks] [--pointer] [--devtools] [--skip-idle] [--tabs N] [--data DIR | --store URL]", stderr)
	data := storageFlags(fs)
	vf := addVideoFlags(fs)
	id, err := parseOne(fs, args, "assist ID")
	if err != nil {
		return err
	}
	if _, err := vf.options(); err != nil {
		return fmt.Errorf("assist video: %w", err)
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	bs, err := data.openBlobs(ctx)
	if err != nil {
		return err
	}
	svc := assist.New(assist.Config{}, db, bs, nil)
	defer svc.Shutdown(context.WithoutCancel(ctx))
	// Refuses an assist that has not ended, or whose recording was deleted.
	a, rec, err := svc.Recording(ctx, id, nil)
	if err != nil {
		return cliError("assist video", err)
	}
	defer rec.Close()
	pr, pw := io.Pipe()
	written := make(chan struct{})
	go func() {
		defer close(written)
		bw := bufio.NewWriter(pw)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		n := 0
		err := assist.WriteRecording(bw, enc, map[string]any{"assist": map[string]any{"id": a.ID}}, rec, true, &n)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	// The writer reads rec until the pipe closes: it must be done before
	// rec is closed (deferred above, so run after this), whether the render
	// read it all or stopped early.
	defer func() {
		pr.Close()
		<-written
	}()
	return vf.render(ctx, stdout, func(r *video.Renderer, o video.Options, w io.Writer) (*video.Result, error) {
		return r.RenderAssist(ctx, pr, o, w, nil)
	})
}

func terminalVideo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("terminal video", "tandem terminal video ID --out FILE.mp4 [--width W --height H] [--fps N] [--skip-idle] [--data DIR | --store URL]", stderr)
	data := storageFlags(fs)
	vf := addVideoFlags(fs)
	ref, err := parseOne(fs, args, "session ID")
	if err != nil {
		return err
	}
	id, err := sshrelay.ParseSessionID(ref)
	if err != nil {
		return fmt.Errorf("terminal video: %v", err)
	}
	if _, err := vf.options(); err != nil {
		return fmt.Errorf("terminal video: %w", err)
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := db.TerminalByID(ctx, id)
	if err != nil {
		return cliError("terminal video", err)
	}
	if t.EndedAt.IsZero() {
		return fmt.Errorf("terminal video: the session %s has not ended; its recording is complete once it ends", t.ID)
	}
	bs, err := data.openBlobs(ctx)
	if err != nil {
		return err
	}
	rc, err := record.Open(ctx, bs, t.RecordingID)
	if err != nil {
		return cliError("terminal video", err)
	}
	defer rc.Close()
	return vf.render(ctx, stdout, func(r *video.Renderer, o video.Options, w io.Writer) (*video.Result, error) {
		return r.RenderTerminal(ctx, rc, o, w, nil)
	})
}
