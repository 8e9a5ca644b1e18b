package diff

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzDecodeBaseline feeds DecodeBaseline arbitrary bytes: it must never
// panic, and whatever it accepts must encode and decode to the same bytes.
func FuzzDecodeBaseline(f *testing.F) {
	f.Add(`{"schema":"tracegraph-baseline/v1","entries":[]}`)
	f.Add(`{"schema":"tracegraph-baseline/v1","entries":[{"status":"undeclared","kind":"pubsub","from":"a","to":"b","channel":"x"},{"rule":"r","subject":"s"}]}`)
	f.Add(`{"schema":"tracegraph-baseline/v1","entries":[{"status":"undeclared"},{"status":"undeclared"}]}`)
	f.Add(`{"schema":"tracegraph-baseline/v2"}`)
	f.Fuzz(func(t *testing.T, in string) {
		b, err := DecodeBaseline("fuzz.json", strings.NewReader(in))
		if err != nil {
			return
		}
		var first bytes.Buffer
		if err := b.Encode(&first); err != nil {
			t.Fatal(err)
		}
		again, err := DecodeBaseline("again.json", bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("re-decoding our own output: %v\n%s", err, first.String())
		}
		var second bytes.Buffer
		if err := again.Encode(&second); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("not stable:\n%s\nvs\n%s", first.String(), second.String())
		}
	})
}
