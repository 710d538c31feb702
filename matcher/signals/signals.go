package signals

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math/bits"
	"strings"
)

// Type identifies a hash algorithm. The zero value is invalid.
//
// Like crypto.Hash, a Type is a small enum whose methods describe
// the algorithm: its name, size, whether it matches exactly or by Hamming
// distance, and its default threshold.
type Type uint8

// The signal types herken knows. Their names are those of the field's
// reference system (HMA / python-threatexchange). Their numbers are
// written to disk (the index's posting keys): a new type takes the next
// number, and no number is ever reused or reordered (TestTypeNumbers).
const (
	SHA256 Type = iota + 1
	MD5
	SHA1
	PDQ
	PHash
	DHash
	AHash
	// SHA512 is sent by Tech Against Terrorism's TCAP beside SHA-256.
	SHA512
	maxType
)

type signalInfo struct {
	name      string
	bits      int
	exact     bool
	threshold int
	forPhotos bool
	// decides says a match of this type alone is an identification;
	// the 64-bit hashes only corroborate or propose candidates.
	decides bool
	// digest makes the hash of an exact type; perceptual types are
	// computed from decoded pixels, by the hashing code.
	digest func() hash.Hash
}

// signalInfos is the registry. PDQ's threshold is the reference's. The
// 64-bit hashes' come from measurement (bench/THRESHOLDS.md and
// bench/REPORT-accuracy.md): at least the largest distance of a re-encoded
// or resized copy, and below the closest pair of unrelated pictures.
var signalInfos = [maxType]signalInfo{
	SHA256: {name: "sha256", bits: 256, exact: true, decides: true, digest: sha256.New},
	MD5:    {name: "md5", bits: 128, exact: true, decides: true, digest: md5.New},
	SHA1:   {name: "sha1", bits: 160, exact: true, decides: true, digest: sha1.New},
	PDQ:    {name: "pdq", bits: 256, threshold: 31, forPhotos: true, decides: true},
	PHash:  {name: "phash", bits: 64, threshold: 6, forPhotos: true},
	DHash:  {name: "dhash", bits: 64, threshold: 4, forPhotos: true},
	AHash:  {name: "ahash", bits: 64, threshold: 2, forPhotos: true},
	SHA512: {name: "sha512", bits: 512, exact: true, decides: true, digest: sha512.New},
}

// Types returns every known signal type in registry order.
func Types() []Type {
	out := make([]Type, 0, maxType-1)
	for t := SHA256; t < maxType; t++ {
		out = append(out, t)
	}
	return out
}

// Valid reports whether t is a known signal type.
func (t Type) Valid() bool { return t > 0 && t < maxType }

// String returns the type's name, e.g. "pdq".
func (t Type) String() string {
	if !t.Valid() {
		return fmt.Sprintf("Type(%d)", uint8(t))
	}
	return signalInfos[t].name
}

// Bits is the size of a signal value in bits.
func (t Type) Bits() int { return t.info().bits }

// Size is the size of a signal value in bytes.
func (t Type) Size() int { return t.info().bits / 8 }

// Exact reports whether signals of this type match only when equal.
// Otherwise they match by Hamming distance up to a threshold.
func (t Type) Exact() bool { return t.info().exact }

// DefaultThreshold is the largest Hamming distance that counts as a match
// by default; it is 0 for exact types.
func (t Type) DefaultThreshold() int { return t.info().threshold }

// Decides reports whether a match of this type alone identifies a known
// item. The 64-bit perceptual hashes do not: unrelated pictures collide
// too often at millions of known items (bench/REPORT-identification.md),
// so their hits only corroborate a deciding match or propose candidates.
func (t Type) Decides() bool { return t.info().decides }

// NewDigest returns a new hash.Hash computing an exact type's value, nil
// for a perceptual type.
func (t Type) NewDigest() hash.Hash {
	if f := t.info().digest; f != nil {
		return f()
	}
	return nil
}

// Photo reports whether the type is computed from decoded pixels.
func (t Type) Photo() bool { return t.info().forPhotos }

func (t Type) info() signalInfo {
	if !t.Valid() {
		return signalInfo{}
	}
	return signalInfos[t]
}

// MarshalText implements encoding.TextMarshaler.
func (t Type) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("signals: invalid signal type %d", uint8(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ErrUnknownType is returned for a signal type name herken does not know.
var ErrUnknownType = errors.New("signals: unknown signal type")

// ParseType returns the signal type with the given name. Matching is
// case-insensitive.
func ParseType(name string) (Type, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for t := SHA256; t < maxType; t++ {
		if signalInfos[t].name == n {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%w %q (known: %s)", ErrUnknownType, name, typeNames())
}

// ParseTypes parses a comma-separated list such as "sha256,pdq".
func ParseTypes(list string) ([]Type, error) {
	var out []Type
	seen := map[Type]bool{}
	for _, f := range strings.Split(list, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		t, err := ParseType(f)
		if err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty list", ErrUnknownType)
	}
	return out, nil
}

func typeNames() string {
	names := make([]string, 0, maxType-1)
	for _, t := range Types() {
		names = append(names, t.String())
	}
	return strings.Join(names, ", ")
}

// maxSignalBytes is the size of the largest signal value (SHA-512).
const maxSignalBytes = 64

// Signal is one hash value of a given type. It is comparable, so it can be
// used as a map key; the zero Signal is invalid.
type Signal struct {
	Type Type
	v    [maxSignalBytes]byte
}

// New returns a signal of type t with value b, which must be exactly
// t.Size() bytes long.
func New(t Type, b []byte) (Signal, error) {
	if !t.Valid() {
		return Signal{}, fmt.Errorf("%w: %d", ErrUnknownType, uint8(t))
	}
	if len(b) != t.Size() {
		return Signal{}, &ParseError{Type: t, Value: hex.EncodeToString(b),
			Reason: fmt.Sprintf("value is %d bytes, want %d", len(b), t.Size())}
	}
	s := Signal{Type: t}
	copy(s.v[:], b)
	return s, nil
}

// Bytes returns the value's bytes, t.Size() long. For PDQ, the bytes are
// the 256-bit hash in the reference's print order.
func (s Signal) Bytes() []byte { return s.v[:s.Type.Size()] }

// String returns the value as lowercase hex, as the field writes it.
func (s Signal) String() string { return hex.EncodeToString(s.Bytes()) }

// IsZero reports whether s is the zero Signal.
func (s Signal) IsZero() bool { return s.Type == 0 }

// Distance returns the Hamming distance between two signals of the same type.
func (s Signal) Distance(o Signal) (int, error) {
	if s.Type != o.Type || !s.Type.Valid() {
		return 0, fmt.Errorf("signals: cannot compare %s with %s", s.Type, o.Type)
	}
	d := 0
	for i := 0; i < s.Type.Size(); i++ {
		d += bits.OnesCount8(s.v[i] ^ o.v[i])
	}
	return d, nil
}

// ParseError says why a signal value was rejected.
type ParseError struct {
	Type   Type
	Value  string
	Reason string
}

func (e *ParseError) Error() string {
	v := e.Value
	if len(v) > 80 {
		v = v[:77] + "..."
	}
	return fmt.Sprintf("signals: malformed %s value %q: %s", e.Type, v, e.Reason)
}

// Parse parses the text form of a value of type t: hex, of exactly
// 2*t.Size() digits. Upper-case digits are accepted; surrounding white
// space is not part of the value and is trimmed.
func Parse(t Type, text string) (Signal, error) {
	if !t.Valid() {
		return Signal{}, fmt.Errorf("%w: %d", ErrUnknownType, uint8(t))
	}
	s := strings.TrimSpace(text)
	want := 2 * t.Size()
	if len(s) != want {
		return Signal{}, &ParseError{Type: t, Value: text,
			Reason: fmt.Sprintf("%d hex digits, want %d", len(s), want)}
	}
	var sig Signal
	sig.Type = t
	if _, err := hex.Decode(sig.v[:t.Size()], []byte(s)); err != nil {
		for i := 0; i < len(s); i++ {
			if !isHex(s[i]) {
				return Signal{}, &ParseError{Type: t, Value: text,
					Reason: fmt.Sprintf("invalid hex digit %q at position %d", s[i], i+1)}
			}
		}
		return Signal{}, &ParseError{Type: t, Value: text, Reason: err.Error()}
	}
	return sig, nil
}

// ParseTyped parses "type:value", e.g. "md5:d41d8cd98f00b204e9800998ecf8427e".
func ParseTyped(text string) (Signal, error) {
	name, value, ok := strings.Cut(text, ":")
	if !ok {
		return Signal{}, fmt.Errorf("signals: %q is not of the form type:value", text)
	}
	t, err := ParseType(name)
	if err != nil {
		return Signal{}, err
	}
	return Parse(t, value)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

type signalJSON struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
}

// MarshalJSON writes {"type": "pdq", "value": "<hex>"}.
func (s Signal) MarshalJSON() ([]byte, error) {
	if !s.Type.Valid() {
		return nil, fmt.Errorf("signals: cannot marshal a signal of invalid type %d", s.Type)
	}
	return json.Marshal(signalJSON{Type: s.Type, Value: s.String()})
}

// UnmarshalJSON reads {"type": "pdq", "value": "<hex>"}.
func (s *Signal) UnmarshalJSON(b []byte) error {
	var j signalJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	v, err := Parse(j.Type, j.Value)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Must returns New(t, b) and panics if it fails: for values whose size is
// right by construction (a digest's sum, a hasher's output).
func Must(t Type, b []byte) Signal {
	s, err := New(t, b)
	if err != nil {
		panic(err)
	}
	return s
}
