package spans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
)

// The fast decoders must give exactly what the general ones give, or
// decline. The differential fuzz targets check that on any input; the table
// tests check that they do take the shapes real exporters write (else the
// fuzz targets would pass with a decoder that always declines) and decline
// the odd ones.

// otlpElems are the ResourceSpans values of the OTLP testdata and of the
// benchmark generator, as written.
func otlpElems(t testing.TB) [][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "otlp", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no OTLP testdata: %v", err)
	}
	var gen bytes.Buffer
	g := spanstest.NewGenerator()
	g.TracesPerBatch = 2
	if err := g.WriteOTLPJSON(&gen, 0, 2); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	add := func(data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		for dec.More() {
			var td struct {
				ResourceSpans []json.RawMessage `json:"resourceSpans"`
			}
			if err := dec.Decode(&td); err != nil {
				t.Fatal(err)
			}
			for _, rs := range td.ResourceSpans {
				out = append(out, rs)
			}
		}
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		add(data)
	}
	add(gen.Bytes())
	return out
}

// otlpVariants are ResourceSpans in every form the fast decoder takes, and
// in forms it must leave to protojson.
var otlpVariants = []struct {
	name string
	json string
	fast bool
}{
	{"numbers quoted or not, enums by name", `{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}],"droppedAttributesCount":0},"scopeSpans":[{"scope":{"name":"s","version":"1","attributes":[]},"schemaUrl":"u","spans":[{"traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"b7ad6b7169203331","parentSpanId":"","traceState":"x=1","flags":1,"name":"n\u00e9 \"q\"\n","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":1700000000000000000,"endTimeUnixNano":"1700000000000001000","attributes":[{"key":"i","value":{"intValue":"-42"}},{"key":"j","value":{"intValue":7}},{"key":"b","value":{"boolValue":true}},{"key":"d","value":{"doubleValue":1.5e3}},{"key":"e","value":{}},{"key":"f"}],"droppedAttributesCount":"0","events":[{"timeUnixNano":"1","name":"ev","attributes":[{"key":"k","value":{"stringValue":"v"}}]}],"droppedEventsCount":0,"links":[{"traceId":"","spanId":"00f067aa0ba902b7","attributes":[],"flags":0}],"droppedLinksCount":0,"status":{"code":"STATUS_CODE_ERROR","message":"boom"}}]}],"schemaUrl":"x"}`, true},
	{"service after spans", `{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","kind":2,"startTimeUnixNano":"5","status":{"code":2}}]}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late"}}]}}`, true},
	{"no resource", `{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","startTimeUnixNano":"5"}]}]}`, true},
	{"snake_case names", `{"scope_spans":[]}`, false},
	{"unknown field", `{"scopeSpans":[],"extra":1}`, false},
	{"base64 ids", `{"scopeSpans":[{"spans":[{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE="}]}]}`, false},
	{"null", `{"resource":null}`, false},
	{"duplicate field", `{"scopeSpans":[],"scopeSpans":[]}`, false},
	{"exponent time", `{"scopeSpans":[{"spans":[{"startTimeUnixNano":1e9}]}]}`, false},
	{"array and kvlist values", `{"resource":{"attributes":[{"key":"process.command_args","value":{"arrayValue":{"values":[{"stringValue":"a<b"},{"intValue":"1"},{},{"arrayValue":{}}]}}}]},"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","startTimeUnixNano":"5","attributes":[{"key":"l","value":{"kvlistValue":{"values":[{"key":"x","value":{"doubleValue":0.5}},{"key":"y"},{"key":"z","value":{"kvlistValue":{"values":[{"key":"b","value":{"boolValue":false}}]}}}]}}},{"key":"a","value":{"arrayValue":{"values":[]}}}]}]}]}`, true},
	{"bytes value", `{"resource":{"attributes":[{"key":"k","value":{"bytesValue":"AAE="}}]}}`, false},
	{"two values set", `{"resource":{"attributes":[{"key":"k","value":{"stringValue":"a","intValue":1}}]}}`, false},
	{"surrogate escape", `{"scopeSpans":[{"spans":[{"name":"\ud83d\ude00"}]}]}`, false},
	{"trailing comma", `{"scopeSpans":[],}`, false},
}

func TestOTLPFastDecodesCommonShapes(t *testing.T) {
	for i, e := range otlpElems(t) {
		if _, ok := otlpFast(e); !ok {
			t.Errorf("element %d: the fast decoder declines a common shape: %.200s", i, e)
		}
		checkOTLPFast(t, e)
	}
	for _, tc := range otlpVariants {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := otlpFast([]byte(tc.json)); ok != tc.fast {
				t.Errorf("fast decoder takes it: %v, want %v", ok, tc.fast)
			}
			checkOTLPFast(t, []byte(tc.json))
		})
	}
}

// checkOTLPFast fails when the fast decoder takes data and gives other
// spans than protojson's path, or takes what protojson rejects.
func checkOTLPFast(t *testing.T, data []byte) {
	t.Helper()
	fast, ok := otlpFast(data)
	if !ok {
		return
	}
	slow, err := otlpProtojson("diff", elem{at: position{line: 1, col: 1}, data: data})
	if err != nil {
		t.Fatalf("fast decoder takes what protojson rejects (%v): %q", err, data)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast and protojson differ on %q:\nfast %s\nslow %s", data, dumpSpans(fast), dumpSpans(slow))
	}
}

func FuzzOTLPFastDiff(f *testing.F) {
	for _, e := range otlpElems(f) {
		f.Add(e)
	}
	for _, v := range otlpVariants {
		f.Add([]byte(v.json))
	}
	f.Fuzz(checkOTLPFast)
}

// zipkinElems are the elements of the Zipkin corpora and of the benchmark
// generator: spans, or arrays of spans.
func zipkinElems(t testing.TB) [][]byte {
	t.Helper()
	var gen bytes.Buffer
	if err := spanstest.NewGenerator().WriteZipkin(&gen, 0, 2); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	add := func(data []byte) {
		var elems []json.RawMessage
		if err := json.Unmarshal(data, &elems); err != nil {
			t.Fatal(err)
		}
		for _, e := range elems {
			out = append(out, e)
		}
		out = append(out, data) // an array of spans is one trace
	}
	for _, p := range []string{corpusPath("zipkin/messaging.json"), corpusPath("zipkin/messaging2.json")} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("seed file: %v", err) // committed: never silently missing
		}
		add(data)
	}
	add(gen.Bytes())
	return out
}

var zipkinVariants = []struct {
	name string
	json string
	fast bool
}{
	{"every field", `{"traceId":"A1","parentId":"2","id":"3","kind":"SERVER","name":"get \u00e9\u00C9\t/","timestamp":1.5e3,"duration":-4,"shared":true,"debug":false,"annotations":[{"timestamp":1,"value":"ws"}],"localEndpoint":{"serviceName":"a","ipv4":"10.0.0.1","port":8080},"remoteEndpoint":{"serviceName":"b"},"tags":{"error":"","x":"y\\z"}}`, true},
	{"empty", `{}`, true},
	{"trace array", `[{"traceId":"1","id":"2","timestamp":3},{"traceId":"1","id":"4","timestamp":5,"tags":{}}]`, true},
	{"folded name", `{"traceID":"1"}`, false},
	{"null", `{"tags":null}`, false},
	{"number tag", `{"tags":{"a":1}}`, false},
	{"duplicate tag", `{"tags":{"a":"1","a":"2"}}`, false},
	{"duplicate field", `{"id":"1","id":"2"}`, false},
	{"quoted timestamp", `{"timestamp":"1"}`, false},
	{"null element", `[null]`, false},
	{"bad syntax", `{"annotations":[1,]}`, false},
	{"v1 binaryAnnotations", `{"traceId":"1","id":"2","binaryAnnotations":[{"key":"lc","value":"x","endpoint":{"serviceName":"a"}}]}`, false},
	{"v1 annotation endpoint", `{"traceId":"1","id":"2","annotations":[{"timestamp":1,"value":"cs","endpoint":{"serviceName":"a"}}]}`, false},
	{"folded annotations", `{"Annotations":[]}`, false},
	{"annotations not an array", `{"annotations":5}`, true},
	{"endpoint as a value", `{"annotations":[{"timestamp":1,"value":"endpoint"}]}`, true},
}

func TestZipkinFastDecodesCommonShapes(t *testing.T) {
	elems := zipkinElems(t)
	if len(elems) < 3 {
		t.Fatalf("only %d Zipkin elements", len(elems))
	}
	for i, e := range elems {
		if _, ok := zipkinFast(e); !ok {
			t.Errorf("element %d: the fast decoder declines a common shape: %.200s", i, e)
		}
		checkZipkinFast(t, e)
	}
	for _, tc := range zipkinVariants {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := zipkinFast([]byte(tc.json)); ok != tc.fast {
				t.Errorf("fast decoder takes it: %v, want %v", ok, tc.fast)
			}
			checkZipkinFast(t, []byte(tc.json))
		})
	}
}

// checkZipkinFast fails when the fast decoder takes data and gives other
// spans than encoding/json's path (tags compared sorted, as input.add sorts
// them), or takes what encoding/json rejects.
func checkZipkinFast(t *testing.T, data []byte) {
	t.Helper()
	fast, ok := zipkinFast(data)
	if !ok {
		return
	}
	if len(bytes.TrimSpace(data)) == 0 {
		t.Fatalf("fast decoder takes an empty value")
	}
	slow, err := zipkinUnmarshal("diff", elem{at: position{line: 1, col: 1}, data: bytes.TrimLeft(data, " \t\r\n")})
	if err != nil {
		t.Fatalf("fast decoder takes what encoding/json rejects (%v): %q", err, data)
	}
	for _, s := range append(slices.Clone(fast), slow...) {
		slices.SortFunc(s.attrs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	}
	if len(fast) != 0 || len(slow) != 0 {
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast and encoding/json differ on %q:\nfast %s\nslow %s", data, dumpSpans(fast), dumpSpans(slow))
		}
	}
}

func FuzzZipkinFastDiff(f *testing.F) {
	for _, e := range zipkinElems(f) {
		f.Add(e)
	}
	for _, v := range zipkinVariants {
		f.Add([]byte(v.json))
	}
	f.Fuzz(checkZipkinFast)
}

func dumpSpans(spans []*span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "\n  %+v", *s)
	}
	return b.String()
}
