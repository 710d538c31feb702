package video

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

func testHash(b byte) pdq.Hash {
	var h pdq.Hash
	for i := range h {
		h[i] = b + byte(i)
	}
	return h
}

func TestVPDQRoundTrip(t *testing.T) {
	frames := []Frame{
		{Number: 0, Quality: 100, Hash: testHash(1), Timestamp: 0},
		{Number: 30, Quality: 49, Hash: testHash(2), Timestamp: 1},
		{Number: 59, Quality: 0, Hash: testHash(3), Timestamp: 1.967},
	}
	var buf bytes.Buffer
	if err := WriteVPDQ(&buf, frames); err != nil {
		t.Fatal(err)
	}
	want := "0,100," + testHash(1).String() + ",0.000\n" +
		"30,49," + testHash(2).String() + ",1.000\n" +
		"59,0," + testHash(3).String() + ",1.967\n"
	if buf.String() != want {
		t.Errorf("written:\n%s\nwant:\n%s", buf.String(), want)
	}
	got, err := ParseVPDQ(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, frames) {
		t.Errorf("round trip: %+v", got)
	}
	// A line as the reference writes it, CRLF and blank lines tolerated.
	ref := "1,100,c0f11178372c6aaccddea259648fbfd62f434c89c9e99b249772be216c8d055c,0.033\r\n\r\n"
	got, err = ParseVPDQ(strings.NewReader(ref))
	if err != nil || len(got) != 1 || got[0].Number != 1 || got[0].Timestamp != 0.033 {
		t.Errorf("reference line: %+v, %v", got, err)
	}
}

func TestParseVPDQErrors(t *testing.T) {
	h := testHash(7).String()
	f := func(in string, line int) {
		t.Helper()
		_, err := ParseVPDQ(strings.NewReader(in))
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("%q: %v, want ErrMalformed", in, err)
		}
		var pe *ParseError
		if line == 0 {
			if errors.As(err, &pe) {
				t.Errorf("%q: %v names a line", in, err)
			}
			return
		}
		if !errors.As(err, &pe) || pe.Line != line {
			t.Errorf("%q: %v, want line %d", in, err, line)
		}
	}
	f("", 0)
	f("\n\n", 0)
	f("0,100,"+h+",0.000\n1,100,"+h+"\n", 2)
	f("0,100,"+h+",0.000,extra\n", 1)
	f("-1,100,"+h+",0.000\n", 1)
	f("0,101,"+h+",0.000\n", 1)
	f("0,x,"+h+",0.000\n", 1)
	f("0,100,"+h[:63]+",0.000\n", 1)
	f("0,100,"+h[:63]+"g,0.000\n", 1)
	f("0,100,"+h+",-1\n", 1)
	f("0,100,"+h+",NaN\n", 1)
	f("\n\n0,100,"+h+",inf\n", 3)
	f(strings.Repeat("9", maxLine+10), 1)
}

func TestSignal(t *testing.T) {
	frames := []Frame{
		{Number: 0, Quality: 100, Hash: testHash(1), Timestamp: 0},
		{Number: 1, Quality: 50, Hash: testHash(2), Timestamp: 18.767},
	}
	s := FormatSignal(frames)
	want := `["` + testHash(1).String() + `,100,0.0","` + testHash(2).String() + `,50,18.8"]`
	if s != want {
		t.Errorf("FormatSignal = %s\nwant %s", s, want)
	}
	got, err := ParseSignal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got[1].Timestamp != 18.8 || got[1].Number != 1 || got[1].Hash != frames[1].Hash {
		t.Errorf("ParseSignal: %+v", got)
	}
	for _, bad := range []string{``, `[]`, `{}`, `["x"]`, `["` + testHash(1).String() + `,100"]`, `["` + testHash(1).String() + `,100,-1"]`} {
		if _, err := ParseSignal(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSignal(%q): %v", bad, err)
		}
	}
}

// TestPythonG3: the values Python 3 prints for format(x, ".3").
func TestPythonG3(t *testing.T) {
	for x, want := range map[float64]string{
		0: "0.0", 1: "1.0", 100: "1e+02", 123.4: "1.23e+02", 12.345: "12.3",
		0.0333: "0.0333", 1000: "1e+03", 99.96: "1e+02", 0.00001234: "1.23e-05",
		18.767: "18.8", 9.996: "10.0",
	} {
		if got := pythonG3(x); got != want {
			t.Errorf("pythonG3(%v) = %s, want %s", x, got, want)
		}
	}
}

func FuzzParseVPDQ(f *testing.F) {
	f.Add("0,100," + testHash(1).String() + ",0.000\n")
	f.Add("1,50," + testHash(2).String() + ",0.033\r\n\n2,0," + testHash(3).String() + ",1e3\n")
	f.Add("0,100,zz,0\n")
	f.Fuzz(func(t *testing.T, in string) {
		frames, err := ParseVPDQ(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteVPDQ(&buf, frames); err != nil {
			t.Fatal(err)
		}
		again, err := ParseVPDQ(&buf)
		if err != nil || len(again) != len(frames) {
			t.Fatalf("rewritten list does not parse: %v", err)
		}
		for i := range frames {
			if again[i].Number != frames[i].Number || again[i].Hash != frames[i].Hash || again[i].Quality != frames[i].Quality {
				t.Fatalf("frame %d changed: %+v -> %+v", i, frames[i], again[i])
			}
		}
	})
}
