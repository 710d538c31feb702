package media

import (
	"bytes"
	"encoding/binary"
)

// Kind is what sort of content a file is, in the vocabulary of the field
// (HMA's ContentType): any bytes, a photo or a video.
type Kind uint8

// The kinds. File is the zero value: bytes that are neither a photo nor a
// video we recognise are still files and get the exact hashes.
const (
	File Kind = iota
	Photo
	Video
)

// String returns "file", "photo" or "video".
func (k Kind) String() string {
	switch k {
	case Photo:
		return "photo"
	case Video:
		return "video"
	default:
		return "file"
	}
}

// Format is a container or image format recognised by Sniff.
type Format uint8

// The formats Sniff recognises. HEIF and AVIF are photos that Decode cannot
// decode; the video formats are recognised so that they are routed as
// videos, not decoded here.
const (
	Unknown Format = iota
	JPEG
	PNG
	GIF
	WebP
	BMP
	TIFF
	HEIF
	AVIF
	MP4
	QuickTime
	WebM
	Matroska
	AVI
	FLV
	MPEGTS
	maxFormat
)

type formatInfo struct {
	name, mime string
	kind       Kind
}

var formatInfos = [maxFormat]formatInfo{
	Unknown:   {"unknown", "application/octet-stream", File},
	JPEG:      {"jpeg", "image/jpeg", Photo},
	PNG:       {"png", "image/png", Photo},
	GIF:       {"gif", "image/gif", Photo},
	WebP:      {"webp", "image/webp", Photo},
	BMP:       {"bmp", "image/bmp", Photo},
	TIFF:      {"tiff", "image/tiff", Photo},
	HEIF:      {"heif", "image/heif", Photo},
	AVIF:      {"avif", "image/avif", Photo},
	MP4:       {"mp4", "video/mp4", Video},
	QuickTime: {"quicktime", "video/quicktime", Video},
	WebM:      {"webm", "video/webm", Video},
	Matroska:  {"matroska", "video/x-matroska", Video},
	AVI:       {"avi", "video/x-msvideo", Video},
	FLV:       {"flv", "video/x-flv", Video},
	MPEGTS:    {"mpegts", "video/mp2t", Video},
}

func (f Format) info() formatInfo {
	if f >= maxFormat {
		return formatInfos[Unknown]
	}
	return formatInfos[f]
}

// String returns the format's lowercase name, such as "jpeg" or "webm".
func (f Format) String() string { return f.info().name }

// MIME returns the format's media type; application/octet-stream for Unknown.
func (f Format) MIME() string { return f.info().mime }

// Kind returns Photo for image formats, Video for video containers and
// File for Unknown.
func (f Format) Kind() Kind { return f.info().kind }

// Decodable reports whether Decode can decode the format.
func (f Format) Decodable() bool {
	switch f {
	case JPEG, PNG, GIF, WebP, BMP, TIFF:
		return true
	}
	return false
}

// SniffLen is how many leading bytes Sniff looks at. Fewer bytes still
// work for most formats; MPEG transport streams need 377 (three packet sync
// bytes), and ISO BMFF compatible brands and the Matroska DocType are
// looked for only within these bytes.
const SniffLen = 512

// Sniff returns the format of content that starts with head, judged by
// magic bytes alone. It looks at no more than SniffLen bytes and returns
// Unknown when nothing matches.
func Sniff(head []byte) Format {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return JPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF
	case len(head) >= 12 && string(head[:4]) == "RIFF":
		switch string(head[8:12]) {
		case "WEBP":
			return WebP
		case "AVI ":
			return AVI
		}
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TIFF
	case isBMP(head):
		return BMP
	case bytes.HasPrefix(head, []byte("FLV\x01")):
		return FLV
	case bytes.HasPrefix(head, []byte{0x1a, 0x45, 0xdf, 0xa3}):
		return sniffEBML(head)
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return sniffFtyp(head)
	case isMPEGTS(head):
		return MPEGTS
	case len(head) >= 8 && isQuickTimeAtom(string(head[4:8])):
		return QuickTime
	}
	return Unknown
}

// isBMP wants "BM" and a known DIB header size, since two letters alone
// would match too much text.
func isBMP(head []byte) bool {
	if len(head) < 18 || head[0] != 'B' || head[1] != 'M' {
		return false
	}
	switch binary.LittleEndian.Uint32(head[14:18]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// sniffFtyp tells ISO base media files apart by their major brand and, for
// the generic image brands, their compatible brands.
func sniffFtyp(head []byte) Format {
	major := string(head[8:12])
	switch major {
	case "qt  ":
		return QuickTime
	case "avif", "avis":
		return AVIF
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "heif":
		return HEIF
	case "mif1", "msf1":
		size := int(binary.BigEndian.Uint32(head[0:4]))
		end := min(size, len(head))
		for i := 16; i+4 <= end; i += 4 {
			switch string(head[i : i+4]) {
			case "avif", "avis":
				return AVIF
			}
		}
		return HEIF
	}
	return MP4
}

// sniffEBML reads the DocType element of an EBML header: "webm" means WebM,
// anything else (or none within head) Matroska.
func sniffEBML(head []byte) Format {
	i := bytes.Index(head, []byte{0x42, 0x82})
	if i < 0 || i+3 > len(head) {
		return Matroska
	}
	size := head[i+2]
	if size&0x80 == 0 { // only one-byte sizes occur in practice
		return Matroska
	}
	n := int(size & 0x7f)
	if i+3+n > len(head) {
		return Matroska
	}
	if string(head[i+3:i+3+n]) == "webm" {
		return WebM
	}
	return Matroska
}

// isMPEGTS wants sync bytes at three consecutive 188-byte packets, or at
// three 192-byte M2TS packets (4-byte timestamp prefix).
func isMPEGTS(head []byte) bool {
	check := func(first, step int) bool {
		if len(head) < first+2*step+1 {
			return false
		}
		return head[first] == 0x47 && head[first+step] == 0x47 && head[first+2*step] == 0x47
	}
	return check(0, 188) || check(4, 192)
}

// isQuickTimeAtom recognises old QuickTime files that have no ftyp box.
func isQuickTimeAtom(typ string) bool {
	switch typ {
	case "moov", "mdat", "wide", "pnot", "skip", "free":
		return true
	}
	return false
}
