package signals

import (
	"fmt"
	"strings"
)

// The field has no common exchange standard: each programme names the same
// hashes its own way. This file is the one table every importer reads a
// foreign type name through, so that "HASH_VIDEO_MD5" from ThreatExchange,
// "VideoMD5" from StopNCII and "MD5" from TCAP all land on MD5, and a name
// nobody listed here is reported by name rather than guessed from a value's
// length.

// Foreign is what a source's type name stands for in herken's vocabulary.
type Foreign struct {
	// Type is the signal type of the values.
	Type Type
	// VPDQ says a value is a whole video's vPDQ frame list (python-
	// threatexchange's JSON array of "pdq_hex,quality,timestamp" strings),
	// not one hash: its frames are PDQ signals of one video item.
	VPDQ bool
}

// aliases maps a lower-case foreign name to herken's meaning. The source
// of each name is noted; herken's own names are added by ParseForeign.
var aliases = map[string]Foreign{
	// python-threatexchange SignalType.get_name() (class names in
	// snake_case: VideoMD5Signal -> video_md5).
	"video_md5":    {Type: MD5},
	"video_sha256": {Type: SHA256},
	"vpdq":         {Type: PDQ, VPDQ: true},
	// ThreatExchange Graph API indicator types.
	"hash_pdq":          {Type: PDQ},
	"hash_md5":          {Type: MD5},
	"hash_sha1":         {Type: SHA1},
	"hash_sha256":       {Type: SHA256},
	"hash_sha512":       {Type: SHA512},
	"hash_video_md5":    {Type: MD5},
	"hash_video_sha256": {Type: SHA256},
	// StopNCII StopNCIISignalType.
	"imagepdq": {Type: PDQ},
	"videomd5": {Type: MD5},
	// NCMEC (PDQ, MD5, SHA1) and TCAP (PDQ, MD5, SHA256, SHA512) use
	// herken's names in upper case. Column and tool spellings seen in
	// partners' CSV files:
	"pdq_hash":    {Type: PDQ},
	"md5_hash":    {Type: MD5},
	"sha1_hash":   {Type: SHA1},
	"sha256_hash": {Type: SHA256},
	"sha512_hash": {Type: SHA512},
	"phash_hash":  {Type: PHash},
	"dhash_hash":  {Type: DHash},
	"ahash_hash":  {Type: AHash},
	"photo_md5":   {Type: MD5},
	"md5sum":      {Type: MD5},
	"sha1sum":     {Type: SHA1},
	"sha256sum":   {Type: SHA256},
	"sha512sum":   {Type: SHA512},
	"sha-1":       {Type: SHA1},
	"sha-256":     {Type: SHA256},
	"sha-512":     {Type: SHA512},
}

// unsupported names types the field sends that herken does not compute:
// a list holding them is told so by name instead of "unknown".
var unsupported = map[string]string{
	"hash_tmk":        "ThreatExchange TMK (video)",
	"tmk_pdqf":        "NCMEC TMK+PDQF (video)",
	"videotmk":        "StopNCII TMK (video)",
	"hash_photodna":   "PhotoDNA",
	"pdna":            "NCMEC PhotoDNA",
	"ssvh_pdna":       "NCMEC video PhotoDNA",
	"ssvh_safer_hash": "NCMEC Safer video hash",
	"netclean":        "NCMEC NetClean",
	"videntifier":     "NCMEC Videntifier",
	"hash_pdq_ocr":    "ThreatExchange PDQ with OCR text",
	"pdq_ocr":         "python-threatexchange PDQ with OCR text",
	"hash_url_md5":    "ThreatExchange MD5 of a URL",
	"url_md5":         "python-threatexchange MD5 of a URL",
	"hash_text_tlsh":  "ThreatExchange TLSH of a text",
	"text_tlsh":       "python-threatexchange TLSH of a text",
	"raw_text":        "python-threatexchange text",
	"text":            "StopNCII text",
	"url":             "URL",
	"trend_query":     "python-threatexchange trend query",
}

// ParseForeign maps a type name as any source writes it — herken's own,
// python-threatexchange's, the ThreatExchange API's, NCMEC's, StopNCII's,
// TCAP's — to herken's meaning. Matching ignores case and surrounding
// space. A name not in the table is an error wrapping ErrUnknownType that
// quotes it; a value's type is never guessed here.
func ParseForeign(name string) (Foreign, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if f, ok := aliases[n]; ok {
		return f, nil
	}
	if t, err := ParseType(n); err == nil {
		return Foreign{Type: t}, nil
	}
	if what, ok := unsupported[n]; ok {
		return Foreign{}, fmt.Errorf("%w %q: %s, which herken does not compute", ErrUnknownType, name, what)
	}
	return Foreign{}, fmt.Errorf("%w %q (herken reads %s, and the names python-threatexchange, ThreatExchange, NCMEC, StopNCII and TCAP give them)",
		ErrUnknownType, name, typeNames())
}

// ParseForeignType is ParseForeign for a name that must stand for single
// hashes: a vPDQ frame list is refused.
func ParseForeignType(name string) (Type, error) {
	f, err := ParseForeign(name)
	if err != nil {
		return 0, err
	}
	if f.VPDQ {
		return 0, fmt.Errorf("%w %q: a vPDQ frame list is a whole video, not one hash", ErrUnknownType, name)
	}
	return f.Type, nil
}

// PyTXName is the name python-threatexchange gives type t, where it has
// one (pdq, video_md5, video_sha256); herken's own name otherwise.
func PyTXName(t Type) string {
	switch t {
	case MD5:
		return "video_md5"
	case SHA256:
		return "video_sha256"
	}
	return t.String()
}
