package fetch

import (
	"io"
	"net/http"
	"testing"
)

// benchSink keeps the copied byte count live.
var benchSink int64

func BenchmarkFetch(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"size=64KiB", 64 << 10}, {"size=16MiB", 16 << 20}} {
		payload := make([]byte, size.n)
		s := serve(b, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(payload)
		}))
		f := loopFetcher(b, Config{}, s)
		drain := func(r io.Reader, _ Meta) error {
			n, err := io.Copy(io.Discard, r)
			benchSink += n
			return err
		}
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				if err := f.Fetch(b.Context(), s.URL, drain); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size.name+"/parallel", func(b *testing.B) {
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := f.Fetch(b.Context(), s.URL, func(r io.Reader, _ Meta) error {
						_, err := io.Copy(io.Discard, r)
						return err
					}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
