package service

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/ingest/fetch"
)

// loopbackFetcher may fetch from the test server at srvURL.
func loopbackFetcher(t *testing.T, srvURL string) *fetch.Fetcher {
	t.Helper()
	u, _ := url.Parse(srvURL)
	port, _ := strconv.Atoi(u.Port())
	f, err := fetch.New(fetch.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Ports: []int{port}, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestLongBatchIsNotCut runs batches that take several times the read
// timeout and the idle timeout in all, while each line makes progress: a
// client that sends its lines slowly, and lines that take long to work on
// (so the next line is read long after the previous one). Every line must
// be answered, and the summary must close the answer.
func TestLongBatchIsNotCut(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("some fetched bytes"))
	}))
	defer slow.Close()
	s := startServer(t, Config{BatchWorkers: 1, ReadTimeout: time.Second, StreamIdleTimeout: 2 * time.Second,
		Fetcher: loopbackFetcher(t, slow.URL)})
	s.addKnown(t)
	const lines = 16

	t.Run("slow client", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			for i := range lines {
				fmt.Fprintf(pw, `{"id":%d,"signals":[{"type":"md5","value":%q}]}`+"\n", i, knownMD5)
				time.Sleep(250 * time.Millisecond)
			}
			pw.Close()
		}()
		checkBatch(t, s, pr, lines)
	})
	t.Run("slow lines", func(t *testing.T) {
		// Lines padded to more than the batch's read buffer, so that the
		// lines after the first are read from the connection only once a
		// worker is free.
		pad := strings.Repeat("x", 128<<10)
		var body bytes.Buffer
		for i := range lines {
			fmt.Fprintf(&body, `{"id":"%d-%s","url":%q}`+"\n", i, pad, slow.URL)
		}
		checkBatch(t, s, &body, lines)
	})
}

func checkBatch(t *testing.T, s *server, body io.Reader, lines int) {
	t.Helper()
	start := time.Now()
	resp, err := http.Post(s.url+"/v1/batch", "application/x-ndjson", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	n := 0
	var last string
	for sc.Scan() {
		n++
		last = sc.Text()
		if n <= lines && strings.Contains(last, `"error"`) {
			t.Errorf("line %d: %.200s", n, last)
		}
	}
	t.Logf("%d lines answered in %v", n-1, time.Since(start).Round(time.Millisecond))
	if n != lines+1 || !strings.Contains(last, fmt.Sprintf(`"summary":{"lines":%d,`, lines)) {
		t.Fatalf("%d answer lines for %d lines; last: %.300s", n, lines, last)
	}
}

// TestBatchClientStopsReading sends a batch whose answer is far larger
// than the socket buffers and never reads it: the server must give up
// after the idle timeout, free its workers, and close the connection,
// rather than hold them until a long write deadline.
func TestBatchClientStopsReading(t *testing.T) {
	s := startServer(t, Config{BatchWorkers: 2, StreamIdleTimeout: time.Second})
	s.addKnown(t)
	var body bytes.Buffer
	const lines = 200_000 // answers of about 140 MB: far more than any buffer
	for i := range lines {
		fmt.Fprintf(&body, `{"id":%d,"signals":[{"type":"md5","value":%q}]}`+"\n", i, knownMD5)
	}
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		// A small receive window, so that the server's writes block soon.
		return c.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		fmt.Fprintf(conn, "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n", body.Len())
		_, _ = conn.Write(body.Bytes())
	}()
	// Lines are in flight until the server gives up on the stuck answer:
	// it cannot finish them all, since their answers are not read.
	start := time.Now()
	for s.svc.metrics.queue.Get() == 0 {
		if time.Since(start) > 20*time.Second {
			t.Fatal("the batch did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Given up: no line in flight for a whole second (while it runs, a
	// worker is free only for moments).
	idleSince := time.Time{}
	for idleSince.IsZero() || time.Since(idleSince) < time.Second {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%d batch lines still in flight %v after the client stopped reading", s.svc.metrics.queue.Get(), time.Since(start))
		}
		switch n := s.svc.metrics.queue.Get(); {
		case n != 0:
			idleSince = time.Time{}
		case idleSince.IsZero():
			idleSince = time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("workers free %v after the batch started", time.Since(start).Round(time.Millisecond))
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	rest, err := io.ReadAll(conn)
	if bytes.Contains(rest, []byte(`"summary"`)) || err != nil {
		t.Fatalf("the answer went on after the server gave up (%d bytes, %v)", len(rest), err)
	}
	t.Logf("cut after %d bytes of answer", len(rest))
}

// ffmpegChildren counts the ffmpeg and ffprobe processes this test
// process started.
func ffmpegChildren(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	n := 0
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(b, ')')
		j := bytes.IndexByte(b, '(')
		if i < 0 || j < 0 {
			continue
		}
		comm := string(b[j+1 : i])
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) && (comm == "ffmpeg" || comm == "ffprobe") {
			n++
		}
	}
	return n
}

// TestClientGoneStopsDecode uploads a video that takes many seconds to
// decode and hangs up once ffmpeg runs: ffmpeg must be gone within about
// two seconds, not left to finish for nobody.
func TestClientGoneStopsDecode(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	dir := t.TempDir()
	// Ten minutes of 720p: ten seconds encoded, then repeated by stream copy
	// (quick to make, several seconds to decode).
	makeVideo(t, ffmpeg, dir, "ten.mp4", "-f", "lavfi", "-i", "color=c=gray:size=1280x720:rate=50", "-t", "10",
		"-c:v", "libx264", "-preset", "ultrafast")
	long := makeVideo(t, ffmpeg, dir, "long.mp4", "-stream_loop", "59", "-i", dir+"/ten.mp4", "-c", "copy")
	if n := ffmpegChildren(t); n != 0 {
		t.Fatalf("%d ffmpeg children before the test", n)
	}
	s := startServer(t, Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(long))
	conn.Write(long)
	deadline := time.Now().Add(20 * time.Second)
	for ffmpegChildren(t) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("ffmpeg did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // ffprobe done, ffmpeg decoding
	if ffmpegChildren(t) == 0 {
		t.Fatal("the decode ended before the client left: the video is too short for this test")
	}
	conn.Close()
	left := time.Now()
	for ffmpegChildren(t) > 0 {
		if time.Since(left) > 2500*time.Millisecond {
			t.Fatalf("ffmpeg still runs %v after its client left", time.Since(left).Round(time.Millisecond))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("ffmpeg gone %v after the client left", time.Since(left).Round(time.Millisecond))
}

// TestClientGoneStopsFetch asks for a URL whose upstream trickles its body
// and hangs up: the fetch must be dropped soon after.
func TestClientGoneStopsFetch(t *testing.T) {
	dropped := make(chan time.Time, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		for range 100 {
			w.Write(make([]byte, 100))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				dropped <- time.Now()
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}))
	defer up.Close()
	s := startServer(t, Config{Fetcher: loopbackFetcher(t, up.URL)})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	req := fmt.Sprintf(`{"url":%q}`, up.URL)
	fmt.Fprintf(conn, "POST /v1/match/url HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(req), req)
	time.Sleep(time.Second)
	conn.Close()
	left := time.Now()
	select {
	case at := <-dropped:
		t.Logf("fetch dropped %v after the client left", at.Sub(left))
	case <-time.After(3 * time.Second):
		t.Fatal("the fetch went on after its client left")
	}
}
