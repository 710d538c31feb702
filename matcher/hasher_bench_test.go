package matcher

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"testing"

	"github.com/atkm/herken/matcher/media"
)

var sinkHashes *Hashes

// BenchmarkDigests compares each digest alone with all three streamed
// together; the target is all three at >= 0.8x the throughput of MD5 alone.
func BenchmarkDigests(b *testing.B) {
	data := bytes.Repeat([]byte("herken digests stream at memory speed. "), 64<<20/40)
	for _, c := range []struct {
		name    string
		signals []SignalType
	}{
		{"md5", []SignalType{MD5}},
		{"sha1", []SignalType{SHA1}},
		{"sha256", []SignalType{SHA256}},
		{"all3", []SignalType{SHA256, MD5, SHA1}},
	} {
		b.Run("signals="+c.name, func(b *testing.B) {
			h := mustHasher(b, HasherConfig{Signals: c.signals})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				sinkHashes = h.HashBytes(context.Background(), data)
			}
		})
	}
	// The floor: crypto/md5 over the same bytes, with no pipeline at all.
	b.Run("signals=md5-direct", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			m := md5.New()
			_, _ = io.Copy(m, bytes.NewReader(data))
		}
	})
}

// BenchmarkPhoto1MP measures a 1600x1004 JPEG: decoding alone, decoding
// plus PDQ, and decoding plus every photo signal and digest.
func BenchmarkPhoto1MP(b *testing.B) {
	data := readFixture(b, testJPEG)
	b.Run("step=decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := media.Decode(data, media.DefaultLimits); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		name    string
		signals []SignalType
	}{
		{"decode+pdq", []SignalType{PDQ}},
		{"decode+phash", []SignalType{PHash}},
		{"decode+dhash", []SignalType{DHash}},
		{"decode+ahash", []SignalType{AHash}},
		{"all", nil},
	} {
		b.Run("step="+c.name, func(b *testing.B) {
			h := mustHasher(b, HasherConfig{Signals: c.signals})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				sinkHashes = h.HashBytes(context.Background(), data)
				if sinkHashes.PhotoErr != nil {
					b.Fatal(sinkHashes.PhotoErr)
				}
			}
		})
	}
}
