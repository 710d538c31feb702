package signals

import (
	"errors"
	"strings"
	"testing"
)

func TestTypeRegistry(t *testing.T) {
	f := func(typ Type, name string, bits int, exact bool, threshold int) {
		t.Helper()
		if typ.String() != name || typ.Bits() != bits || typ.Size() != bits/8 ||
			typ.Exact() != exact || typ.DefaultThreshold() != threshold {
			t.Errorf("%s: got name %s bits %d exact %v threshold %d", name, typ, typ.Bits(), typ.Exact(), typ.DefaultThreshold())
		}
		back, err := ParseType(strings.ToUpper(name))
		if err != nil || back != typ {
			t.Errorf("ParseType(%q) = %v, %v", name, back, err)
		}
	}
	f(SHA256, "sha256", 256, true, 0)
	f(MD5, "md5", 128, true, 0)
	f(SHA1, "sha1", 160, true, 0)
	f(PDQ, "pdq", 256, false, 31)
	f(PHash, "phash", 64, false, 6)
	f(DHash, "dhash", 64, false, 4)
	f(AHash, "ahash", 64, false, 2)
	f(SHA512, "sha512", 512, true, 0)
	if got := len(Types()); got != 8 {
		t.Fatalf("%d signal types, want 8", got)
	}
	if _, err := ParseType("vpdq"); !errors.Is(err, ErrUnknownType) {
		t.Errorf("unknown type: err = %v", err)
	}
	if Type(0).Valid() || Type(99).Valid() {
		t.Error("invalid types report Valid")
	}
}

func TestParseSignal(t *testing.T) {
	const pdqHex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	ok := func(typ Type, in, want string) {
		t.Helper()
		s, err := Parse(typ, in)
		if err != nil {
			t.Fatalf("Parse(%s, %q): %v", typ, in, err)
		}
		if s.String() != want || s.Type != typ {
			t.Errorf("Parse(%s, %q) = %s", typ, in, s)
		}
	}
	ok(PDQ, pdqHex, pdqHex)
	ok(PDQ, " "+strings.ToUpper(pdqHex)+"\n", pdqHex)
	ok(MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e")
	ok(PHash, "aca29c1c33dc23d7", "aca29c1c33dc23d7")

	bad := func(typ Type, in, reason string) {
		t.Helper()
		_, err := Parse(typ, in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%s, %q): err = %v, want *ParseError", typ, in, err)
		}
		if !strings.Contains(err.Error(), reason) || pe.Type != typ {
			t.Errorf("Parse(%s, %q): %q does not say %q", typ, in, err, reason)
		}
	}
	bad(PDQ, pdqHex[:63], "63 hex digits, want 64")
	bad(PDQ, "", "0 hex digits, want 64")
	bad(MD5, "d41d8cd98f00b204e9800998ecf8427g", `invalid hex digit 'g' at position 32`)
	bad(SHA1, "0x"+strings.Repeat("0", 38), `invalid hex digit 'x' at position 2`)
	bad(PHash, pdqHex, "64 hex digits, want 16")

	if _, err := Parse(0, "00"); !errors.Is(err, ErrUnknownType) {
		t.Errorf("type 0: err = %v", err)
	}
}

func TestParseTypedSignalAndDistance(t *testing.T) {
	a, err := ParseTyped("dhash:00000000000000ff")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ParseTyped("DHASH:000000000000000f")
	if d, err := a.Distance(b); err != nil || d != 4 {
		t.Errorf("distance = %d, %v; want 4", d, err)
	}
	c, _ := ParseTyped("phash:000000000000000f")
	if _, err := a.Distance(c); err == nil {
		t.Error("distance across types accepted")
	}
	for _, in := range []string{"nocolon", "foo:00", "md5:xyz"} {
		if _, err := ParseTyped(in); err == nil {
			t.Errorf("ParseTyped(%q) accepted", in)
		}
	}
	// Signals are comparable map keys.
	m := map[Signal]bool{a: true}
	if !m[a] || m[b] {
		t.Error("signal map keys misbehave")
	}
}

func TestParseSignalTypes(t *testing.T) {
	got, err := ParseTypes("pdq, sha256,pdq")
	if err != nil || len(got) != 2 || got[0] != PDQ || got[1] != SHA256 {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, in := range []string{"", ",", "pdq,bogus"} {
		if _, err := ParseTypes(in); err == nil {
			t.Errorf("ParseTypes(%q) accepted", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(uint8(PDQ), "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add(uint8(MD5), "d41d8cd98f00b204e9800998ecf8427e")
	f.Add(uint8(PHash), "zz")
	f.Fuzz(func(t *testing.T, typ uint8, in string) {
		s, err := Parse(Type(typ), in)
		if err != nil {
			return
		}
		// Whatever parses must print as canonical hex and parse back equal.
		back, err := Parse(s.Type, s.String())
		if err != nil || back != s {
			t.Fatalf("round trip of %q: %v %v", in, back, err)
		}
		if !strings.EqualFold(strings.TrimSpace(in), s.String()) {
			t.Fatalf("%q parsed to %s", in, s)
		}
	})
}

// TestTypeNumbers pins the numbers the index writes to disk: changing one
// would make every existing index read its postings as another type.
func TestTypeNumbers(t *testing.T) {
	want := map[Type]uint8{SHA256: 1, MD5: 2, SHA1: 3, PDQ: 4, PHash: 5, DHash: 6, AHash: 7, SHA512: 8}
	for typ, n := range want {
		if uint8(typ) != n {
			t.Errorf("%s is %d on disk, was %d", typ, uint8(typ), n)
		}
	}
	if len(Types()) != len(want) {
		t.Errorf("%d types, %d pinned: pin the new one's number here", len(Types()), len(want))
	}
}

// TestDigests checks each exact type's digest against its registry size,
// and that perceptual types have none.
func TestDigests(t *testing.T) {
	for _, typ := range Types() {
		d := typ.NewDigest()
		switch {
		case typ.Exact() && (d == nil || d.Size() != typ.Size()):
			t.Errorf("%s: digest %v", typ, d)
		case !typ.Exact() && d != nil:
			t.Errorf("%s: perceptual type with a digest", typ)
		}
	}
}
