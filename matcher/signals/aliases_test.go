package signals

import (
	"errors"
	"strings"
	"testing"
)

// TestParseForeign holds the alias table to the names the sources write.
// Sources of the names: python-threatexchange's SignalType.get_name() and
// fb_threatexchange indicator types (facebook/ThreatExchange,
// python-threatexchange/threatexchange/signal_type/md5.py, sha256.py,
// extensions/vpdq/vpdq.py), NCMECFingerprintType (exchanges/clients/ncmec/
// hash_api.py), StopNCIISignalType (exchanges/clients/stopncii/api.py),
// TCAP's algorithm field (exchanges/clients/techagainstterrorism/tests/
// test_api.py; SHA256 and SHA512 from TCAP's documentation only).
func TestParseForeign(t *testing.T) {
	f := func(name string, want Type, vpdq bool) {
		t.Helper()
		got, err := ParseForeign(name)
		if err != nil || got.Type != want || got.VPDQ != vpdq {
			t.Errorf("ParseForeign(%q) = %+v, %v; want %s vpdq=%v", name, got, err, want, vpdq)
		}
	}
	// python-threatexchange
	f("pdq", PDQ, false)
	f("video_md5", MD5, false)
	f("video_sha256", SHA256, false)
	f("vpdq", PDQ, true)
	f("md5", MD5, false)
	f("sha256", SHA256, false)
	// ThreatExchange API
	f("HASH_PDQ", PDQ, false)
	f("HASH_MD5", MD5, false)
	f("HASH_SHA256", SHA256, false)
	f("HASH_VIDEO_MD5", MD5, false)
	f("HASH_VIDEO_SHA256", SHA256, false)
	// NCMEC
	f("PDQ", PDQ, false)
	f("MD5", MD5, false)
	f("SHA1", SHA1, false)
	// StopNCII
	f("ImagePDQ", PDQ, false)
	f("VideoMD5", MD5, false)
	// TCAP
	f("SHA256", SHA256, false)
	f("SHA512", SHA512, false)
	// herken's own and column spellings
	f(" ahash ", AHash, false)
	f("pdq_hash", PDQ, false)
	f("SHA-512", SHA512, false)

	bad := func(name, says string) {
		t.Helper()
		_, err := ParseForeign(name)
		if !errors.Is(err, ErrUnknownType) || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseForeign(%q): err = %v, want ErrUnknownType saying %q", name, err, says)
		}
	}
	bad("HASH_TMK", `"HASH_TMK": ThreatExchange TMK`)
	bad("PDNA", `"PDNA": NCMEC PhotoDNA`)
	bad("VideoTMK", "StopNCII TMK")
	bad("sha384", `"sha384"`)
	bad("", `""`)
	// No guessing by resemblance: a near name is still unknown.
	bad("pdq256", `"pdq256"`)

	if _, err := ParseForeignType("vpdq"); !errors.Is(err, ErrUnknownType) {
		t.Errorf("ParseForeignType(vpdq): err = %v, want a refusal", err)
	}
	if typ, err := ParseForeignType("HASH_SHA1"); err != nil || typ != SHA1 {
		t.Errorf("ParseForeignType(HASH_SHA1) = %v, %v", typ, err)
	}
}

// TestAliasesNameKnownTypes checks that every alias points at a registered
// type and that no name is both supported and unsupported.
func TestAliasesNameKnownTypes(t *testing.T) {
	for name, f := range aliases {
		if !f.Type.Valid() || name != strings.ToLower(name) {
			t.Errorf("alias %q -> %+v", name, f)
		}
		if _, ok := unsupported[name]; ok {
			t.Errorf("%q is both an alias and unsupported", name)
		}
	}
	for name := range unsupported {
		if _, err := ParseType(name); err == nil {
			t.Errorf("%q is unsupported but a registered type", name)
		}
	}
	// Every type's pytx name reads back as the type.
	for _, typ := range Types() {
		if got, err := ParseForeignType(PyTXName(typ)); err != nil || got != typ {
			t.Errorf("PyTXName(%s) = %q reads back as %v, %v", typ, PyTXName(typ), got, err)
		}
	}
}

func TestSHA512(t *testing.T) {
	// FIPS 180-2 appendix C.1: SHA-512("abc").
	const abc = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
	d := SHA512.NewDigest()
	d.Write([]byte("abc"))
	s := Must(SHA512, d.Sum(nil))
	if s.String() != abc || len(s.Bytes()) != 64 {
		t.Fatalf("sha512(abc) = %s", s)
	}
	back, err := ParseTyped("SHA512:" + strings.ToUpper(abc))
	if err != nil || back != s {
		t.Fatalf("ParseTyped: %v, %v", back, err)
	}
	if _, err := Parse(SHA512, abc[:64]); err == nil {
		t.Error("a 64-digit value parsed as sha512")
	}
}
