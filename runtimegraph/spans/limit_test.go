package spans

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

// otlpOfSize is an OTLP/JSON document on two lines whose one ResourceSpans
// (on the second line) is exactly n bytes.
func otlpOfSize(t *testing.T, n int) []byte {
	t.Helper()
	const head = `{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"s"}}]},"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"`
	const tail = `","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000001000"}]}]}`
	pad := n - len(head) - len(tail)
	if pad < 0 {
		t.Fatalf("%d bytes is too small", n)
	}
	rs := head + strings.Repeat("x", pad) + tail
	return []byte("{\"resourceSpans\":\n[" + rs + "]}\n")
}

// TestMaxMessageBytesExact: a unit of exactly the limit is read, one byte
// more is refused with an error naming the file and the unit's place, for
// sizes that end inside the framer's first buffer and past it.
func TestMaxMessageBytesExact(t *testing.T) {
	for _, limit := range []int{1000, 100_000} {
		read := func(data []byte) (Stats, error) {
			return Read(context.Background(), bytes.NewReader(data), "big.json", OTLPJSON, Options{MaxMessageBytes: limit},
				func(telemetry.Event) error { return nil })
		}
		st, err := read(otlpOfSize(t, limit))
		if err != nil || st.Spans != 1 {
			t.Fatalf("limit %d: a unit of the limit: spans %d, err %v", limit, st.Spans, err)
		}
		_, err = read(otlpOfSize(t, limit+1))
		want := fmt.Sprintf("big.json:2:2: value over the %d-byte limit", limit)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("limit %d: a unit one byte over: err %v, want %q...", limit, err, want)
		}
	}
}

// TestFramerBufferBounded: refusing a value far over the limit holds little
// more than the limit in memory.
func TestFramerBufferBounded(t *testing.T) {
	const limit = 100_000
	f := newFramer(bytes.NewReader(otlpOfSize(t, 10*limit)[len("{\"resourceSpans\":\n["):]), "big.json", Options{MaxMessageBytes: limit}.withDefaults())
	if _, _, err := f.value(); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("err %v, want the limit's", err)
	}
	if c := cap(f.buf); c > limit+1024 {
		t.Fatalf("framer buffer grew to %d bytes for a %d-byte limit", c, limit)
	}
}
