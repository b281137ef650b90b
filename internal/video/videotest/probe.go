// Package videotest reads videos back in tests, with the real ffprobe and
// ffmpeg: what a stream is (Probe) and the hashes of its decoded frames
// (FrameHashes).
package videotest

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Stream is what ffprobe says of a video's first video stream; Frames is
// counted by decoding.
type Stream struct {
	Codec    string
	Width    int
	Height   int
	Frames   int
	Duration float64
}

// Probe asks ffprobe about the video at path, failing the test when it
// cannot say.
func Probe(t testing.TB, path string) Stream {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames,duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
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
	return Stream{Codec: s.Codec, Width: s.Width, Height: s.Height, Frames: n, Duration: d}
}

// FrameHashes are the MD5s of the decoded frames (ffmpeg's framemd5).
func FrameHashes(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("framemd5 %s: %v", path, err)
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
