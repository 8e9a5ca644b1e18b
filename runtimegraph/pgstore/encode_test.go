package pgstore

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

func TestAppendTags(t *testing.T) {
	for _, tags := range []map[string]string{
		{"merchant_id": "4c5d6e7"},
		{"b": "2", "a": "1", "": ""},
		{`q"uote`: `back\slash`, "ctl\x01\n\t": "ünïcødé ✓ \u2028", "html": "<a&b>"},
		{`"first`: `last\`, "\x00\x1f": `a""b`, `\`: "\n"},
	} {
		b := appendTags(nil, tags)
		var got map[string]string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, tags) {
			t.Errorf("%s decodes to %v, want %v", b, got, tags)
		}
	}
}

// TestAppendJSONStringAnywhere puts each kind of byte appendJSONString
// treats apart at every place of strings across its eight-byte steps.
func TestAppendJSONStringAnywhere(t *testing.T) {
	for n := 1; n <= 20; n++ {
		for at := 0; at < n; at++ {
			for _, special := range []string{"\x00", "\x1f", `"`, `\`, "é", "✓", "~"} {
				s := strings.Repeat("a", at) + special + strings.Repeat("b", n-at-1)
				b := appendJSONString(nil, s)
				var got string
				if err := json.Unmarshal(b, &got); err != nil || got != s {
					t.Fatalf("%q encodes as %s, which decodes to %q (%v)", s, b, got, err)
				}
			}
		}
	}
}

// TestStorableAnywhere puts each kind of byte storable treats apart at
// every place of strings across its eight-byte steps and its last,
// overlapping one.
func TestStorableAnywhere(t *testing.T) {
	for n := 1; n <= 26; n++ {
		for at := 0; at < n; at++ {
			for _, special := range []string{"\x00", "\x01", "\x7f", "\x80", "\xff", "\xc3", "é", "✓", "\xed\xa0\x80"} {
				s := strings.Repeat("a", at) + special + strings.Repeat("b", n-at-1)
				if got, want := storable(s), storableSlow(s); got != want {
					t.Fatalf("storable(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}

func FuzzStorable(f *testing.F) {
	for _, s := range []string{"", "a", "plain ascii text!", "x\x00y", "café au lait", "\xff\xfe", "0123456\x807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := storable(s), storableSlow(s); got != want {
			t.Fatalf("storable(%q) = %v, want %v", s, got, want)
		}
	})
}

func TestCheckUTF8(t *testing.T) {
	for _, e := range []telemetry.Event{
		{EventID: "e", Service: "s\xff"},
		{EventID: "e", Tags: map[string]string{"k": "v\xc3"}},
	} {
		if err := Check(&e); err == nil {
			t.Errorf("Check(%+v) accepted invalid UTF-8", e)
		}
	}
}
