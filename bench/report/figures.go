package main

import (
	"fmt"
	"sort"
	"strings"
)

// figures lists the report's figures; a figure whose benchmarks did not
// run is left out.
func figures(r map[string]metrics) []figure {
	var out []figure
	add := func(f *figure, rw *row) {
		if rw != nil {
			f.rows = append(f.rows, *rw)
		}
	}

	d := figure{title: "Digests: SHA-256, MD5 and SHA-1 streamed together", target: "all three >= 0.8x MD5 alone",
		command: "go test -run '^$' -bench Digests ./matcher/"}
	add(&d, ratio(r, "all three together vs MD5 alone (throughput)", "BenchmarkDigests/signals=all3", "BenchmarkDigests/signals=md5", "MB/s", "%.2fx", false))
	for _, s := range []string{"md5", "sha1", "sha256", "all3", "md5-direct"} {
		add(&d, value(r, s+" throughput", "BenchmarkDigests/signals="+s, "MB/s", "%.0f MB/s", 1))
	}
	out = append(out, d)

	p := figure{title: "PDQ arithmetic on decoded pixels", target: "as fast as the reference's 4-5 ms per image, ideally under 2 ms",
		command: "go test -run '^$' -bench Hash ./matcher/pdq/"}
	for _, s := range []string{"1MP/squash", "512x512", "1MP/squash+dihedral", "1MP/fullres"} {
		add(&p, value(r, s, "BenchmarkHash/size="+s, "ns/op", "%.2f ms", 1e-6))
	}
	out = append(out, p)

	e := figure{title: "End-to-end photo hashing of 1 MP JPEGs vs djpeg decoding the same files",
		target: "every photo signal within 1.5x djpeg (issue 9)", command: "go test -tags turbojpeg -run '^$' -bench PhotoVsDjpeg ./bench/"}
	add(&e, value(r, "djpeg, per file (process start included)", "BenchmarkPhotoVsDjpeg/tool=djpeg", "ms/file", "%.1f ms", 1))
	for _, mode := range []string{"exact", "fast"} {
		for _, s := range []string{"pdq", "photo-signals", "all"} {
			name := "BenchmarkPhotoVsDjpeg/tool=herken/decode=" + mode + "/signals=" + s
			add(&e, value(r, "herken "+s+", "+mode+" decoding: time vs djpeg", name, "x-djpeg", "%.2fx", 1))
			add(&e, value(r, "herken "+s+", "+mode+" decoding: time vs djpeg's decoding alone", name, "x-djpeg-decode", "%.2fx", 1))
		}
	}
	out = append(out, e)

	lp := figure{title: "Fast decoding on a 6.4 MP JPEG (every photo signal)", command: "go test -tags turbojpeg -run '^$' -bench LargePhoto ./bench/"}
	add(&lp, value(r, "exact decoding, per file", "BenchmarkLargePhoto/decode=exact", "ms/file", "%.1f ms", 1))
	add(&lp, value(r, "fast decoding (1/2 scale): speed vs exact", "BenchmarkLargePhoto/decode=fast", "x-faster-than-exact", "%.2fx", 1))
	out = append(out, lp)

	rf := figure{title: "herken vs Meta's reference PDQ hasher on the same 1 MP JPEGs",
		target:  "at least 5x the reference's rate (issue 9)",
		command: "HERKEN_PDQ_REFERENCE=path/to/pdq-photo-hasher go test -tags turbojpeg -run '^$' -bench PhotoVsReference ./bench/"}
	add(&rf, value(r, "reference pdq-photo-hasher (ImageMagick decoding), per file", "BenchmarkPhotoVsReference/tool=reference", "ms/file", "%.1f ms", 1))
	for _, s := range []string{"pdq", "photo-signals"} {
		add(&rf, value(r, "herken "+s+": rate vs the reference's (hashes checked equal)", "BenchmarkPhotoVsReference/tool=herken/signals="+s, "x-reference-rate", "%.1fx", 1))
	}
	out = append(out, rf)

	fm := figure{title: "Hashing per format (every photo signal and the digests)", command: "go test -tags turbojpeg -run '^$' -bench Formats ./bench/"}
	for _, name := range matching(r, "BenchmarkFormats/format=") {
		ns, _ := get(r, name, "ns/op")
		mp, _ := get(r, name, "MP")
		fm.rows = append(fm.rows, row{strings.TrimPrefix(name, "BenchmarkFormats/format="), fmt.Sprintf("%.1f ms per %.1f MP image", ns/1e6, mp)})
	}
	out = append(out, fm)

	s := figure{title: "The service", command: "go test -tags turbojpeg -run '^$' -bench 'LookupVsTrivial|UploadVsSha256sum|BatchPhotos' ./bench/",
		target: "uploads >= 0.8x MD5-alone throughput; batch on 2 cores >= 1.7x the one-core hashing rate (issue 9)"}
	add(&s, ratio(r, "hash lookups (hit) per second vs a trivial fasthttp handler", "BenchmarkLookupVsTrivial/server=herken-hit", "BenchmarkLookupVsTrivial/server=trivial", "ns/op", "%.2fx", true))
	add(&s, ratio(r, "hash lookups (miss) per second vs a trivial fasthttp handler", "BenchmarkLookupVsTrivial/server=herken-miss", "BenchmarkLookupVsTrivial/server=trivial", "ns/op", "%.2fx", true))
	add(&s, ratio(r, "upload of 64 MiB (all digests) vs sha256sum of the same file", "BenchmarkUploadVsSha256sum/tool=herken-upload", "BenchmarkUploadVsSha256sum/tool=sha256sum", "MB/s", "%.2fx", false))
	add(&s, ratio(r, "upload vs MD5 alone in process", "BenchmarkUploadVsSha256sum/tool=herken-upload", "BenchmarkUploadVsSha256sum/tool=md5-in-process", "MB/s", "%.2fx", false))
	for _, w := range []string{"1", "2", "default"} {
		add(&s, ratio(r, "batch of photos, "+w+" batch workers, vs hashing on one core (photos/s)",
			"BenchmarkBatchPhotos/batch-workers="+w, "BenchmarkBatchPhotos/hash=one-core", "photos/s", "%.2fx", false))
	}
	out = append(out, s)

	v := figure{title: "Video: vPDQ frame hashing vs ffmpeg decoding alone", command: "go test -run '^$' -bench Hash1080p ./matcher/video/"}
	add(&v, value(r, "time to hash a 10 s 1080p clip (1 frame/s) vs ffmpeg -f null decoding it", "BenchmarkHash1080p", "x-decode-time", "%.2fx", 1))
	add(&v, value(r, "frames hashed per second", "BenchmarkHash1080p", "frames/s", "%.1f", 1))
	out = append(out, v)

	// Any other ratio a benchmark reports itself (units starting "x-"),
	// and memory per item.
	o := figure{title: "Ratios and sizes reported by the index benchmarks", command: "go test -run '^$' -bench . ./index/..."}
	for _, name := range sortedNames(r) {
		if !strings.HasPrefix(name, "BenchmarkSearch") && !strings.Contains(name, "Lookup") && !strings.Contains(name, "Open") &&
			!strings.Contains(name, "Import") && !strings.Contains(name, "Load") {
			continue
		}
		for unit, v := range r[name] {
			if strings.HasPrefix(unit, "x-") || strings.HasPrefix(unit, "speedup") || strings.HasSuffix(unit, "/item") || strings.HasSuffix(unit, "items/s") || strings.HasSuffix(unit, "/Mitems") {
				o.rows = append(o.rows, row{name + " (" + unit + ")", fmt.Sprintf("%.4g", v)})
			}
		}
	}
	sort.Slice(o.rows, func(i, j int) bool { return o.rows[i].what < o.rows[j].what })
	out = append(out, o)
	return out
}

func matching(r map[string]metrics, prefix string) []string {
	var out []string
	for _, n := range sortedNames(r) {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

func sortedNames(r map[string]metrics) []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
