//go:build linux

// Package videotest provides what tests of video decoding need to prove
// that ffmpeg reads only the bytes it is handed: hostile manifests and
// playlists, the video magics to disguise them behind, and a canary that
// notices being read.
//
// A Canary is used by one test goroutine; the rest are pure functions.
package videotest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Canary is what a hostile input would make ffmpeg read: a real video and
// two PNG frames in a folder watched with inotify, and a TCP listener on
// 127.0.0.1 that counts connections.
type Canary struct {
	Dir   string // holds canary.mp4, canary-1.png and canary-2.png
	Video string // Dir/canary.mp4: 3 s at 25 fps, 160x120
	URL   string // http://127.0.0.1:port/canary.mp4
	inot  int
	conns atomic.Int64
}

// NewCanary makes the canary files with ffmpeg, watches them, and starts
// the listener; all end with the test.
func NewCanary(tb testing.TB, ffmpeg string) *Canary {
	tb.Helper()
	c := &Canary{Dir: tb.TempDir()}
	c.Video = filepath.Join(c.Dir, "canary.mp4")
	Make(tb, ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "3",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", c.Video)
	Make(tb, ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=1", "-frames:v", "2",
		filepath.Join(c.Dir, "canary-%d.png"))

	// Watched only now, so that making the files is not seen.
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		tb.Fatal(err)
	}
	c.inot = fd
	tb.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.InotifyAddWatch(fd, c.Dir, unix.IN_OPEN|unix.IN_ACCESS); err != nil {
		tb.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.conns.Add(1)
			conn.Close()
		}
	}()
	c.URL = "http://" + ln.Addr().String() + "/canary.mp4"
	return c
}

// Touched describes, and forgets, every open or read of a canary file and
// every connection to the listener since the last call; "" when none.
// Opens are queued when they happen, so a finished ffmpeg's are all there.
func (c *Canary) Touched() string {
	var what []string
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(c.inot, buf)
		if n <= 0 || err != nil {
			break
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			what = append(what, fmt.Sprintf("%s opened or read", strings.TrimRight(string(name), "\x00")))
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
	if n := c.conns.Swap(0); n > 0 {
		what = append(what, fmt.Sprintf("%d connections to %s", n, c.URL))
	}
	return strings.Join(what, ", ")
}

// Manifests returns the playlists, manifests and scripts that would make
// a demuxer open other files or URLs, each pointing at the canary: DASH,
// HLS, ffconcat, an image2 pattern, and the subfile and concat protocols.
func Manifests(c *Canary) map[string]string {
	mpd := func(base string) string {
		return `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" ` +
			`type="static" mediaPresentationDuration="PT3S" minBufferTime="PT1S"><Period>` +
			`<AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000" width="160" ` +
			`height="120" codecs="avc1.42c00d"><BaseURL>` + base +
			`</BaseURL></Representation></AdaptationSet></Period></MPD>` + "\n"
	}
	m3u := func(seg string) string {
		return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\n" + seg + "\n#EXT-X-ENDLIST\n"
	}
	concat := func(entry string) string { return "ffconcat version 1.0\nfile '" + entry + "'\n" }
	pattern := filepath.Join(c.Dir, "canary-%d.png")
	subfile := "subfile,,start,0,end,0,,:" + c.Video
	return map[string]string{
		"dash-file":       mpd("file://" + c.Video),
		"dash-http":       mpd(c.URL),
		"dash-subfile":    mpd(subfile),
		"hls-file":        m3u("file://" + c.Video),
		"hls-path":        m3u(c.Video),
		"hls-http":        m3u(c.URL),
		"hls-image2":      m3u(pattern),
		"hls-subfile":     m3u(subfile),
		"hls-concat":      m3u("concat:" + c.Video + "|" + c.Video),
		"ffconcat":        concat(c.Video),
		"ffconcat-http":   concat(c.URL),
		"ffconcat-image2": concat(pattern),
		"ffconcat-sub":    concat(subfile),
		"image2-pattern":  pattern + "\n",
	}
}

// Disguises returns a start for each magic herken sniffs as a video:
// the QuickTime atoms ftyp, moov, free, skip, wide, mdat and pnot, EBML,
// RIFF AVI, FLV and MPEG-TS sync bytes. No start holds a NUL byte, so
// that ffmpeg's text probes (which stop at one) still see what follows,
// and the QuickTime ones are XML comments, so that a manifest stays valid.
func Disguises() map[string]string {
	ts := []byte(strings.Repeat(" ", 377))
	ts[0], ts[188], ts[376] = 'G', 'G', 'G'
	ds := map[string]string{
		"ftyp":   "<!--ftypisom-->",
		"ebml":   "\x1a\x45\xdf\xa3<!--webm-->",
		"riff":   "RIFF<!--AVI -->",
		"flv":    "FLV\x01<!---->",
		"mpegts": string(ts),
	}
	for _, atom := range []string{"moov", "free", "skip", "wide", "mdat", "pnot"} {
		ds[atom] = "<!--" + atom + "-->"
	}
	return ds
}

// Make runs ffmpeg with args (after -y -nostdin -loglevel error) to make a
// test file, failing the test if it fails.
func Make(tb testing.TB, ffmpeg string, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args = append([]string{"-y", "-nostdin", "-loglevel", "error", "-threads", "2"}, args...)
	if out, err := exec.CommandContext(ctx, ffmpeg, args...).CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
