package service

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// mp4Head is the start of an MP4 file: enough for the body to be sniffed
// as a video, which the hasher holds in memory to decode.
var mp4Head = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")

// TestHeldBodiesAreBudgeted holds one large video upload in flight and
// checks that a second one past the budget is refused with 429 and
// Retry-After, that content the hasher does not hold (a plain file) is
// not refused, and that the budget is given back once the first ends.
func TestHeldBodiesAreBudgeted(t *testing.T) {
	const size = 40 << 20 // held twice: 80 MiB of a 64 MiB budget
	s := startServer(t, Config{BodyMemory: 64 << 20})
	host := strings.TrimPrefix(s.url, "http://")

	// The first upload announces its length and stalls after 1 MiB: it
	// holds the budget (alone, it may go over).
	first, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	fmt.Fprintf(first, "POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
	first.Write(append(mp4Head, make([]byte, 1<<20)...))
	deadline := time.Now().Add(10 * time.Second)
	for s.svc.budget.inUse() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first upload holds no budget")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := s.svc.budget.inUse(); got != 2*size {
		t.Errorf("the first upload holds %d bytes of the budget, want %d", got, 2*size)
	}

	second := append(append([]byte{}, mp4Head...), make([]byte, size)...)
	r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(second))
	if r.status != 429 || r.errorCode(t) != "busy" || r.header.Get("Retry-After") == "" {
		t.Errorf("a second video over the budget: %d %q %.200s", r.status, r.header.Get("Retry-After"), r.body)
	}
	plain := bytes.Repeat([]byte("plain text, not held for decoding\n"), size/34)
	if r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(plain)); r.status != 200 {
		t.Errorf("a plain file while the budget is used: %d %.200s", r.status, r.body)
	}

	first.Close()
	deadline = time.Now().Add(10 * time.Second)
	for s.svc.budget.inUse() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still held after the first upload ended", s.svc.budget.inUse())
		}
		time.Sleep(20 * time.Millisecond)
	}
	small := append(append([]byte{}, mp4Head...), make([]byte, 1<<20)...)
	if r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(small)); r.status == 429 {
		t.Errorf("a small video after the budget was given back: %d %.200s", r.status, r.body)
	}
}
