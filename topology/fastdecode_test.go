package topology

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/internal/fuzzseed"
)

// fastSeeds are graphs as tracegraph writes them, which the fast path
// must read itself, not hand on.
var fastSeeds = []string{
	"testdata/diff.json",
	"testdata/huge-counts.json",
	"../render/testdata/declared.json",
	"../render/testdata/observed.json",
	"../runtimegraph/testdata/shop.observed.json",
	"../staticgraph/testdata/libs/nats/expected.json",
}

// fastCases are inputs on the edge of what the fast path takes: each
// must come out as encoding/json reads it, or be declined.
var fastCases = []string{
	`{"schema":"tracegraph/v1","source":"static"}`,
	`{"schema":"tracegraph/v1","source":"static","services":[]}`,
	`{"schema":"tracegraph/v1","source":"static","services":[{"name":"a","aliases":[]}]}`,
	`{"schema":"tracegraph/v1","source":"static","services":[{"name":"a","name":"b"}]}`,
	`{"schema":"tracegraph/v1","source":"static","Services":[{"name":"a"}]}`,
	`{"schema":"tracegraph/v1","source":"static","services":null}`,
	`{"schema":"tracegraph/v1","source":"static","extra":1}`,
	`{"schema":"tracegraph/v1","source":"static","services":[{"name":"a\u00e9\n\"b"}]}`,
	`{"schema":"tracegraph/v1","source":"static","services":[{"name":"\ud800"}]}`,
	"{\"schema\":\"tracegraph/v1\",\"source\":\"static\",\"services\":[{\"name\":\"\xff\"}]}",
	`{"schema":"tracegraph/v1","source":"diff","flows":[{"kind":"pubsub","from":"a","to":"b","status":"converged",` +
		`"stats":{"count":3,"errors":1,"p50_us":-0,"p95_us":10,"first_seen":"2026-01-02T03:04:05.5+01:00","last_seen":"2026-01-02T03:04:06Z"}}]}`,
	`{"schema":"tracegraph/v1","source":"diff","flows":[{"kind":"pubsub","from":"a","to":"b","stats":{"count":1e2}}]}`,
	`{"schema":"tracegraph/v1","source":"diff","flows":[{"kind":"pubsub","from":"a","to":"b","stats":{"count":99999999999999999999}}]}`,
	`{"schema":"tracegraph/v1","source":"diff","flows":[{"kind":"pubsub","from":"a","to":"b","stats":{"first_seen":"2026-13-02T03:04:05Z"}}]}`,
	`{"schema":"tracegraph/v1","source":"diff","flows":[{"stats":{},"stats":{"count":1}}]}`,
	`{"schema":"tracegraph/v1","endpoints":[{"service":"a","evidence":[{"file":"x.go","line":3,"repo":"r"}],"pattern":true}]}`,
	`{"unresolved":[{"line":-2,"candidates":["b","a"]}],"diagnostics":[{"message":"m","baselined":false}]}`,
	`{"schema":"tracegraph/v1"} {}`,
	` {"schema" : "tracegraph/v1" , "source" : "static" } ` + "\n",
	`[]`,
	``,
}

// checkFastDecode holds decodeFast to encoding/json on data: a graph it
// reads is the graph encoding/json reads.
func checkFastDecode(t *testing.T, data []byte) (ok bool) {
	t.Helper()
	got, ok := decodeFast(data)
	if !ok {
		return false
	}
	var want Graph
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("decodeFast read %q, which encoding/json refuses: %v", data, err)
	}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("decodeFast read %q as\n%+v\nencoding/json as\n%+v", data, got, &want)
	}
	return true
}

func TestDecodeFast(t *testing.T) {
	for _, s := range fuzzseed.Files(t, fastSeeds...) {
		if !checkFastDecode(t, s.Data) {
			t.Errorf("%s: the fast path declined a graph tracegraph wrote", s.Path)
		}
	}
	for _, c := range fastCases {
		checkFastDecode(t, []byte(c))
	}
}

// TestDecodeFastFaults checks that a graph the fast path reads but that
// breaks a rule is refused as the general decoder refuses it, with its
// line and column.
func TestDecodeFastFaults(t *testing.T) {
	data := []byte("{\"schema\":\"tracegraph/v1\",\"source\":\"diff\",\n\"flows\":[{\"kind\":\"pubsub\",\"from\":\"a\",\"status\":\"converged\",\"stats\":{\"count\":-5}}]}")
	if _, ok := decodeFast(data); !ok {
		t.Fatal("the fast path declined the graph")
	}
	_, err := Decode(bytes.NewReader(data))
	if err == nil || !strings.Contains(err.Error(), "decode graph: line 2, column 76: flows[0].stats.count: count -5 is negative") {
		t.Fatalf("Decode: %v", err)
	}
}

func FuzzDecodeFast(f *testing.F) {
	fuzzseed.Add(f, fastSeeds...)
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastDecode(t, data)
	})
}
