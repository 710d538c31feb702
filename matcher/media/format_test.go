package media

import (
	"bytes"
	"testing"
)

func TestSniff(t *testing.T) {
	f := func(name string, head []byte, want Format, kind Kind) {
		t.Helper()
		got := Sniff(head)
		if got != want || got.Kind() != kind {
			t.Errorf("%s: Sniff = %v (%v), want %v (%v)", name, got, got.Kind(), want, kind)
		}
	}
	ftyp := func(major string, compat ...string) []byte {
		b := []byte{0, 0, 0, byte(16 + 4*len(compat))}
		b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
		for _, c := range compat {
			b = append(b, c...)
		}
		return append(b, "\x00\x00\x00\x08free"...)
	}
	ebml := func(docType string) []byte {
		b := []byte{0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01}
		return append(append(b, 0x42, 0x82, 0x80|byte(len(docType))), docType...)
	}
	riff := func(form string) []byte { return []byte("RIFF\x24\x00\x00\x00" + form + "VP8 ") }
	ts := func(stride, first int) []byte {
		b := make([]byte, first+2*stride+1)
		b[first], b[first+stride], b[first+2*stride] = 0x47, 0x47, 0x47
		return b
	}
	bmp := append([]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"), 40, 0, 0, 0)

	f("empty", nil, Unknown, File)
	f("text", []byte("hello world, this is text"), Unknown, File)
	f("jpeg", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, JPEG, Photo)
	f("jpeg too short", []byte{0xff, 0xd8}, Unknown, File)
	f("png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), PNG, Photo)
	f("png damaged", []byte("\x89PNG\r\n\x1a\x00"), Unknown, File)
	f("gif87a", []byte("GIF87a\x01\x00"), GIF, Photo)
	f("gif89a", []byte("GIF89a\x01\x00"), GIF, Photo)
	f("webp", riff("WEBP"), WebP, Photo)
	f("avi", riff("AVI "), AVI, Video)
	f("wav", riff("WAVE"), Unknown, File)
	f("bmp", bmp, BMP, Photo)
	f("bm text", []byte("BMW is a car brand, not a bitmap"), Unknown, File)
	f("tiff le", []byte("II*\x00\x08\x00\x00\x00"), TIFF, Photo)
	f("tiff be", []byte("MM\x00*\x00\x00\x00\x08"), TIFF, Photo)
	f("mp4 isom", ftyp("isom", "isom", "iso2", "avc1", "mp41"), MP4, Video)
	f("mp4 mp42", ftyp("mp42", "mp42", "isom"), MP4, Video)
	f("m4v", ftyp("M4V ", "M4V ", "mp42"), MP4, Video)
	f("3gp", ftyp("3gp5", "3gp5"), MP4, Video)
	f("quicktime", ftyp("qt  ", "qt  "), QuickTime, Video)
	f("quicktime without ftyp", []byte("\x00\x00\x00\x08wide\x00\x00\x00\x00mdat"), QuickTime, Video)
	f("avif", ftyp("avif", "avif", "mif1", "miaf"), AVIF, Photo)
	f("avif by compatible brand", ftyp("mif1", "mif1", "avif"), AVIF, Photo)
	f("heic", ftyp("heic", "mif1", "heic"), HEIF, Photo)
	f("heif mif1", ftyp("mif1", "mif1", "heic"), HEIF, Photo)
	f("webm", ebml("webm"), WebM, Video)
	f("matroska", ebml("matroska"), Matroska, Video)
	f("ebml without doctype", []byte{0x1a, 0x45, 0xdf, 0xa3, 0x80}, Matroska, Video)
	f("flv", []byte("FLV\x01\x05\x00\x00\x00\x09"), FLV, Video)
	f("mpeg-ts", ts(188, 0), MPEGTS, Video)
	f("m2ts", ts(192, 4), MPEGTS, Video)
	f("one ts sync byte", []byte{0x47, 0x40, 0x00, 0x10}, Unknown, File)
	f("long head", append([]byte{0xff, 0xd8, 0xff}, bytes.Repeat([]byte{1}, 10*SniffLen)...), JPEG, Photo)
}

func TestFormatMethods(t *testing.T) {
	f := func(fm Format, name, mime string, kind Kind, decodable bool) {
		t.Helper()
		if fm.String() != name || fm.MIME() != mime || fm.Kind() != kind || fm.Decodable() != decodable {
			t.Errorf("%d: %q %q %v %v, want %q %q %v %v", fm, fm, fm.MIME(), fm.Kind(), fm.Decodable(),
				name, mime, kind, decodable)
		}
	}
	f(Unknown, "unknown", "application/octet-stream", File, false)
	f(JPEG, "jpeg", "image/jpeg", Photo, true)
	f(WebP, "webp", "image/webp", Photo, true)
	f(HEIF, "heif", "image/heif", Photo, false)
	f(AVIF, "avif", "image/avif", Photo, false)
	f(MP4, "mp4", "video/mp4", Video, false)
	f(QuickTime, "quicktime", "video/quicktime", Video, false)
	f(WebM, "webm", "video/webm", Video, false)
	f(MPEGTS, "mpegts", "video/mp2t", Video, false)
	f(Format(200), "unknown", "application/octet-stream", File, false)
	for fm := range maxFormat {
		if fm.String() == "" || fm.MIME() == "" {
			t.Errorf("format %d has no name or MIME type", fm)
		}
	}
	if File.String() != "file" || Photo.String() != "photo" || Video.String() != "video" {
		t.Errorf("kind names: %v %v %v", File, Photo, Video)
	}
}
