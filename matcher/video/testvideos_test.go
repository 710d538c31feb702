package video

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
)

// The test videos are made by ffmpeg at test time, once per test binary,
// in a temporary folder that TestMain removes.
var (
	videoDir  string
	videoOnce sync.Once
	videoErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if videoDir != "" {
		os.RemoveAll(videoDir)
	}
	os.Exit(code)
}

// testVideo describes one generated file: ffmpeg arguments after
// "-y -loglevel error", with OUT replaced by the output path and SRC by
// the path of the base video.
type testVideo struct {
	name string
	args []string
}

// testVideos: a base test pattern and its transforms; "other" is a
// different source, for negatives.
var testVideos = []testVideo{
	{"base.mp4", []string{"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "8",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "OUT"}},
	{"other.mp4", []string{"-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "8",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "OUT"}},
	{"reencode.webm", []string{"-i", "SRC", "-c:v", "libvpx", "-b:v", "150k", "-deadline", "realtime", "-cpu-used", "8", "OUT"}},
	{"resized.mkv", []string{"-i", "SRC", "-vf", "scale=160:120", "-c:v", "mpeg4", "-q:v", "8", "OUT"}},
	{"upscaled.mov", []string{"-i", "SRC", "-vf", "scale=640:480", "-c:v", "libx264", "-preset", "veryfast", "-crf", "32", "OUT"}},
	{"cropped.mp4", []string{"-i", "SRC", "-vf", "crop=304:228", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "OUT"}},
	{"faststart.mp4", []string{"-i", "SRC", "-c:v", "copy", "-movflags", "+faststart", "OUT"}},
	{"clip.mp4", []string{"-ss", "3", "-i", "SRC", "-t", "3", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "OUT"}},
	{"anim.gif", []string{"-i", "SRC", "-filter_complex", "fps=5,split[a][b];[a]palettegen[p];[b][p]paletteuse", "OUT"}},
	// Re-posts that vPDQ alone misses; views_test.go finds them.
	{"mirrored.mp4", []string{"-i", "SRC", "-vf", "hflip", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "OUT"}},
	{"pillarblur.mp4", []string{"-i", "SRC", "-filter_complex", "split[a][b];[a]scale=428:240,boxblur=16[bg];[bg][b]overlay=54:0",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "OUT"}},
	{"ticker.mp4", []string{"-i", "SRC", "-vf", "drawbox=x=0:y=ih*0.88:w=iw:h=ih*0.12:color=navy:t=fill,drawbox=x=w-mod(t*80\\,w):y=ih*0.9:w=60:h=12:color=white:t=fill",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "OUT"}},
	{"crop5.mp4", []string{"-i", "SRC", "-vf", "crop=288:216", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "OUT"}},
}

// videos generates the test videos and returns their folder.
func videos(t testing.TB) string {
	t.Helper()
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	videoOnce.Do(func() {
		videoDir, videoErr = os.MkdirTemp("", "herken-video-")
		if videoErr != nil {
			return
		}
		for _, v := range testVideos {
			args := []string{"-y", "-nostdin", "-loglevel", "error", "-threads", "2"}
			for _, a := range v.args {
				switch a {
				case "OUT":
					a = filepath.Join(videoDir, v.name)
				case "SRC":
					a = filepath.Join(videoDir, "base.mp4")
				}
				args = append(args, a)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			out, err := exec.CommandContext(ctx, ffmpeg, args...).CombinedOutput()
			cancel()
			if err != nil {
				videoErr = &genError{v.name, err, string(out)}
				return
			}
		}
	})
	if videoErr != nil {
		t.Fatal(videoErr)
	}
	return videoDir
}

type genError struct {
	name string
	err  error
	out  string
}

func (e *genError) Error() string { return "making " + e.name + ": " + e.err.Error() + ": " + e.out }

// hashTestVideo hashes a generated video with the default options.
func hashTestVideo(t testing.TB, name string) []Frame {
	t.Helper()
	frames, err := HashFile(context.Background(), filepath.Join(videos(t), name), Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return frames
}
