package video

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// encoder is one ffmpeg process turning images (JPEG, one after
// another on its standard input) into an H.264 MP4 in a temporary file.
// The file, not a pipe, is ffmpeg's output so that the MP4 can be
// "faststart" (its index first: a browser plays it before it is all
// downloaded) whatever the final writer is.
type encoder struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *os.File
	stderr *bytes.Buffer
}

// encoderThreads is fixed: x264's output depends on its thread count, and
// the same recording must give the same bytes on any machine.
const encoderThreads = 2

// ffmpegArgs are the arguments of an encode at fps into out. The bitexact
// flags keep version strings and such out of the file.
func ffmpegArgs(fps int, out string) []string {
	return []string{
		"-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "image2pipe", "-c:v", "mjpeg", "-framerate", strconv.Itoa(fps), "-i", "-",
		"-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
		"-pix_fmt", "yuv420p", "-threads", strconv.Itoa(encoderThreads),
		"-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
		"-movflags", "+faststart", "-f", "mp4", out,
	}
}

func (r *Renderer) startEncoder(ctx context.Context, fps int) (*encoder, error) {
	out, err := os.CreateTemp("", "tandem-video-*.mp4")
	if err != nil {
		return nil, fmt.Errorf("video: a temporary file for the encoder: %w", err)
	}
	e := &encoder{out: out, stderr: &bytes.Buffer{}}
	e.cmd = exec.CommandContext(ctx, r.ffmpeg, ffmpegArgs(fps, out.Name())...)
	e.cmd.Stderr = e.stderr
	if e.stdin, err = e.cmd.StdinPipe(); err != nil {
		e.discard()
		return nil, fmt.Errorf("video: ffmpeg's input: %w", err)
	}
	if err := e.cmd.Start(); err != nil {
		e.discard()
		return nil, fmt.Errorf("video: starting ffmpeg: %w", err)
	}
	return e, nil
}

// frame hands ffmpeg one image. When ffmpeg stopped taking them, it waits
// for it to exit, to say why.
func (e *encoder) frame(img []byte) error {
	if _, err := e.stdin.Write(img); err != nil {
		e.stdin.Close()
		e.cmd.Wait()
		return fmt.Errorf("video: writing a frame to ffmpeg: %w (%s)", err, e.says())
	}
	return nil
}

// finish waits for ffmpeg to write the file and copies it to w.
func (e *encoder) finish(w io.Writer) (int64, error) {
	defer e.discard()
	e.stdin.Close()
	if err := e.cmd.Wait(); err != nil {
		return 0, fmt.Errorf("video: ffmpeg failed: %w (%s)", err, e.says())
	}
	if _, err := e.out.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("video: reading the encoded file: %w", err)
	}
	n, err := io.Copy(w, e.out)
	if err != nil {
		return n, fmt.Errorf("video: writing the video: %w", err)
	}
	return n, nil
}

// abort stops ffmpeg and removes its file.
func (e *encoder) abort() {
	e.stdin.Close()
	if e.cmd.ProcessState == nil {
		e.cmd.Process.Kill()
		e.cmd.Wait()
	}
	e.discard()
}

func (e *encoder) discard() {
	e.out.Close()
	os.Remove(e.out.Name())
}

// says is the end of what ffmpeg printed, for an error.
func (e *encoder) says() string {
	s := strings.TrimSpace(e.stderr.String())
	if len(s) > 500 {
		s = "…" + s[len(s)-500:]
	}
	if s == "" {
		return "no message"
	}
	return s
}
