package matcher

import (
	"errors"
	"strings"
	"testing"
)

func TestSignalTypeRegistry(t *testing.T) {
	f := func(typ SignalType, name string, bits int, exact bool, threshold int) {
		t.Helper()
		if typ.String() != name || typ.Bits() != bits || typ.Size() != bits/8 ||
			typ.Exact() != exact || typ.DefaultThreshold() != threshold {
			t.Errorf("%s: got name %s bits %d exact %v threshold %d", name, typ, typ.Bits(), typ.Exact(), typ.DefaultThreshold())
		}
		back, err := ParseSignalType(strings.ToUpper(name))
		if err != nil || back != typ {
			t.Errorf("ParseSignalType(%q) = %v, %v", name, back, err)
		}
	}
	f(SHA256, "sha256", 256, true, 0)
	f(MD5, "md5", 128, true, 0)
	f(SHA1, "sha1", 160, true, 0)
	f(PDQ, "pdq", 256, false, 31)
	f(PHash, "phash", 64, false, 6)
	f(DHash, "dhash", 64, false, 4)
	f(AHash, "ahash", 64, false, 2)
	if got := len(SignalTypes()); got != 7 {
		t.Fatalf("%d signal types, want 7", got)
	}
	if _, err := ParseSignalType("vpdq"); !errors.Is(err, ErrUnknownSignalType) {
		t.Errorf("unknown type: err = %v", err)
	}
	if SignalType(0).Valid() || SignalType(99).Valid() {
		t.Error("invalid types report Valid")
	}
}

func TestParseSignal(t *testing.T) {
	const pdqHex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	ok := func(typ SignalType, in, want string) {
		t.Helper()
		s, err := ParseSignal(typ, in)
		if err != nil {
			t.Fatalf("ParseSignal(%s, %q): %v", typ, in, err)
		}
		if s.String() != want || s.Type != typ {
			t.Errorf("ParseSignal(%s, %q) = %s", typ, in, s)
		}
	}
	ok(PDQ, pdqHex, pdqHex)
	ok(PDQ, " "+strings.ToUpper(pdqHex)+"\n", pdqHex)
	ok(MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e")
	ok(PHash, "aca29c1c33dc23d7", "aca29c1c33dc23d7")

	bad := func(typ SignalType, in, reason string) {
		t.Helper()
		_, err := ParseSignal(typ, in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("ParseSignal(%s, %q): err = %v, want *ParseError", typ, in, err)
		}
		if !strings.Contains(err.Error(), reason) || pe.Type != typ {
			t.Errorf("ParseSignal(%s, %q): %q does not say %q", typ, in, err, reason)
		}
	}
	bad(PDQ, pdqHex[:63], "63 hex digits, want 64")
	bad(PDQ, "", "0 hex digits, want 64")
	bad(MD5, "d41d8cd98f00b204e9800998ecf8427g", `invalid hex digit 'g' at position 32`)
	bad(SHA1, "0x"+strings.Repeat("0", 38), `invalid hex digit 'x' at position 2`)
	bad(PHash, pdqHex, "64 hex digits, want 16")

	if _, err := ParseSignal(0, "00"); !errors.Is(err, ErrUnknownSignalType) {
		t.Errorf("type 0: err = %v", err)
	}
}

func TestParseTypedSignalAndDistance(t *testing.T) {
	a, err := ParseTypedSignal("dhash:00000000000000ff")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ParseTypedSignal("DHASH:000000000000000f")
	if d, err := a.Distance(b); err != nil || d != 4 {
		t.Errorf("distance = %d, %v; want 4", d, err)
	}
	c, _ := ParseTypedSignal("phash:000000000000000f")
	if _, err := a.Distance(c); err == nil {
		t.Error("distance across types accepted")
	}
	for _, in := range []string{"nocolon", "foo:00", "md5:xyz"} {
		if _, err := ParseTypedSignal(in); err == nil {
			t.Errorf("ParseTypedSignal(%q) accepted", in)
		}
	}
	// Signals are comparable map keys.
	m := map[Signal]bool{a: true}
	if !m[a] || m[b] {
		t.Error("signal map keys misbehave")
	}
}

func TestParseSignalTypes(t *testing.T) {
	got, err := ParseSignalTypes("pdq, sha256,pdq")
	if err != nil || len(got) != 2 || got[0] != PDQ || got[1] != SHA256 {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, in := range []string{"", ",", "pdq,bogus"} {
		if _, err := ParseSignalTypes(in); err == nil {
			t.Errorf("ParseSignalTypes(%q) accepted", in)
		}
	}
}

func FuzzParseSignal(f *testing.F) {
	f.Add(uint8(PDQ), "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add(uint8(MD5), "d41d8cd98f00b204e9800998ecf8427e")
	f.Add(uint8(PHash), "zz")
	f.Fuzz(func(t *testing.T, typ uint8, in string) {
		s, err := ParseSignal(SignalType(typ), in)
		if err != nil {
			return
		}
		// Whatever parses must print as canonical hex and parse back equal.
		back, err := ParseSignal(s.Type, s.String())
		if err != nil || back != s {
			t.Fatalf("round trip of %q: %v %v", in, back, err)
		}
		if !strings.EqualFold(strings.TrimSpace(in), s.String()) {
			t.Fatalf("%q parsed to %s", in, s)
		}
	})
}
