package known

import (
	"github.com/atkm/herken/matcher/signals"

	"errors"
	"strings"
	"testing"
)

// TestItemRefusesDigestsOfEmptyContent: the digest of zero bytes as a
// known item would make every empty file and upload a match.
func TestItemRefusesDigestsOfEmptyContent(t *testing.T) {
	f := func(typed string, wantErr bool) {
		t.Helper()
		sig, err := signals.ParseTyped(typed)
		if err != nil {
			t.Fatal(err)
		}
		it := Item{Signals: []signals.Signal{sig}, Categories: []Category{Threat}}
		err = it.Validate()
		var ie *InvalidError
		switch {
		case !wantErr && err != nil:
			t.Errorf("%s refused: %v", typed, err)
		case wantErr && (!errors.As(err, &ie) || !strings.Contains(err.Error(), "empty content")):
			t.Errorf("%s: %v, want an InvalidError about empty content", typed, err)
		}
	}
	f("md5:d41d8cd98f00b204e9800998ecf8427e", true)
	f("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", true)
	f("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true)
	f("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", true)
	// The digests of "abc" are ordinary known content.
	f("md5:900150983cd24fb0d6963f7d28e17f72", false)
	f("sha1:a9993e364706816aba3e25717850c26c9cd0d89d", false)
	f("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", false)
}

// TestProvenanceClip: a partner's long labels are cut to the limits, and
// Validate refuses what was not clipped.
func TestProvenanceClip(t *testing.T) {
	sig, _ := signals.ParseTyped("md5:900150983cd24fb0d6963f7d28e17f72")
	long := strings.Repeat("é", 300) // 600 bytes
	p := &Provenance{Source: "tcap", SourceID: "2819", Labels: []string{"ideology=islamist", "", long}}
	for range 40 {
		p.Labels = append(p.Labels, "tag")
	}
	it := Item{Signals: []signals.Signal{sig}, Categories: []Category{Threat}, Provenance: p}
	if err := it.Validate(); err == nil {
		t.Fatal("an unclipped provenance passed Validate")
	}
	it.Provenance = p.Clip()
	if err := it.Validate(); err != nil {
		t.Fatalf("clipped provenance refused: %v", err)
	}
	c := it.Provenance
	if len(c.Labels) != maxProvenanceLabels || c.Labels[0] != "ideology=islamist" || len(c.Labels[1]) > maxProvenanceField || !strings.HasPrefix(long, c.Labels[1]) {
		t.Errorf("clip: %d labels, first %q, second %d bytes", len(c.Labels), c.Labels[0], len(c.Labels[1]))
	}
	it.Provenance = &Provenance{Labels: []string{"x"}}
	if err := it.Validate(); err == nil {
		t.Error("a provenance without a source passed")
	}
}

func TestBankMode(t *testing.T) {
	b := Bank{Name: "trial", Mode: "watch"}
	if err := b.Validate(); err == nil || !strings.Contains(err.Error(), `unknown mode "watch"`) {
		t.Errorf("unknown mode: %v", err)
	}
	for _, m := range BankModes() {
		if b := (Bank{Name: "trial", Mode: m}); b.Validate() != nil || b.EffectiveMode() != m {
			t.Errorf("mode %s refused", m)
		}
	}
	if (&Bank{Name: "old"}).EffectiveMode() != Block {
		t.Error("a bank without a mode does not block")
	}
	if m, err := ParseBankMode(" Allow "); err != nil || m != Allow {
		t.Errorf("ParseBankMode: %v %v", m, err)
	}
	if _, err := ParseBankMode("off"); err == nil {
		t.Error("ParseBankMode accepted off")
	}
}

func TestFeedbackCounts(t *testing.T) {
	var f Feedback
	for _, s := range []string{"confirmed", "false-positive", "False positive"} {
		v, err := ParseVerdict(s)
		if err != nil {
			t.Fatal(err)
		}
		f.Add(FeedbackEntry{Verdict: v, Note: s})
	}
	if f.Confirmed != 1 || f.FalsePositive != 2 || f.Last.Note != "False positive" {
		t.Errorf("feedback %+v", f)
	}
	if _, err := ParseVerdict("unsure"); err == nil {
		t.Error("ParseVerdict accepted unsure")
	}
	if e := (FeedbackEntry{Verdict: Confirmed, Note: strings.Repeat("x", 1025)}); e.Validate() == nil {
		t.Error("a note of 1025 bytes was accepted")
	}
}
