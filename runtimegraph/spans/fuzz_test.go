package spans

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/internal/fuzzseed"
	"github.com/tracegraph/tracegraph/telemetry"
)

// fuzzReader reads fuzz inputs and checks what every import must keep: no
// panic, one-line errors, valid events, the same events twice. One serves
// a whole fuzz target: its event writer's buffer is large, and a run must
// cost little for the fuzzer to be of use.
type fuzzReader struct {
	buf bytes.Buffer
	w   *telemetry.Writer
}

func newFuzzReader() *fuzzReader {
	r := &fuzzReader{}
	r.w = telemetry.NewWriter(&r.buf)
	return r
}

// fuzzOptions read on one goroutine with small buffers (Options.small):
// the same input then always covers the same code, which coverage-guided
// fuzzing needs, and runs fast.
var fuzzOptions = Options{WindowSpans: 8, small: true}

func (r *fuzzReader) check(t *testing.T, data []byte, format Format) {
	read := func() ([]telemetry.Event, error) {
		var events []telemetry.Event
		_, err := Read(context.Background(), bytes.NewReader(data), "fuzz", format, fuzzOptions, func(e telemetry.Event) error {
			events = append(events, e)
			return nil
		})
		return events, err
	}
	events, err := read()
	if err != nil {
		if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "fuzz") {
			t.Fatalf("error not one line naming the file: %q", err)
		}
		return
	}
	for _, e := range events {
		if e.EventID == "" || e.Service == "" || e.EventType == "" || e.Timestamp.IsZero() || e.DurationUS < 0 {
			t.Fatalf("invalid event %+v", e)
		}
		r.buf.Reset()
		err := r.w.Write(e)
		if err == nil {
			err = r.w.Flush()
		}
		if err != nil {
			t.Fatalf("encode %+v: %v", e, err)
		}
		var check telemetry.Event
		if err := telemetry.DecodeEvent(r.buf.Bytes(), &check); err != nil {
			t.Fatalf("event does not read back: %v\n%s", err, r.buf.Bytes())
		}
	}
	again, err := read()
	if err != nil || !reflect.DeepEqual(events, again) {
		t.Fatalf("second read differs (err %v)", err)
	}
}

// capMinimize bounds the fuzzer's minimizing of each new input to 100 runs
// unless -fuzzminimizetime was given. The go fuzzer minimizes every input
// that finds new code, in time that grows with the square of the input's
// size, and whole trace files are kilobytes: unbounded (60 s an input) it
// spent nearly all its time minimizing, about 1,200 executions in 46 s.
func capMinimize(f *testing.F) {
	f.Helper()
	set := false
	flag.Visit(func(fl *flag.Flag) { set = set || fl.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", "100x"); err != nil {
			f.Fatal(err)
		}
	}
}

func corpusPath(rel string) string {
	return filepath.Join("testdata", "corpora", rel)
}

func FuzzZipkin(f *testing.F) {
	fuzzseed.Add(f, corpusPath("zipkin/messaging.json"), corpusPath("zipkin/messaging2.json"))
	f.Add([]byte(`[[{"traceId":"1","id":"2","kind":"CLIENT","timestamp":1,"localEndpoint":{"serviceName":"a"},"remoteEndpoint":{"serviceName":"b"},"tags":{"error":""}}]]`))
	f.Add([]byte(`[{"traceId":"a","id":"b","shared":true,"kind":"SERVER","timestamp":1.5e3,"duration":-4},{"traceId":"a","id":"b","kind":"CLIENT","timestamp":1}]`))
	capMinimize(f)
	r := newFuzzReader()
	f.Fuzz(func(t *testing.T, data []byte) { r.check(t, data, ZipkinJSON) })
}

func FuzzJaeger(f *testing.F) {
	fuzzseed.Add(f, corpusPath("jaeger/testTraceNormal.json"))
	f.Add([]byte(`{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"2","startTime":5,"duration":1,"processID":"p","references":[{"refType":"FOLLOWS_FROM","traceID":"9","spanID":"3"}],"tags":[{"key":"span.kind","value":"consumer"},{"key":"error","value":true}]}],"processes":{"p":{"serviceName":"s"}}}]}`))
	f.Add([]byte(`[{"traceID":"1","spans":[{"spanID":"2","startTime":5,"process":{"serviceName":"x"}}]}]`))
	capMinimize(f)
	r := newFuzzReader()
	f.Fuzz(func(t *testing.T, data []byte) { r.check(t, data, JaegerJSON) })
}

// otlpSeeds are the committed OTLP/JSON exports whole and, smaller seeds
// that mutate faster, each ResourceSpans alone in a compact TracesData.
func otlpSeeds(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, s := range fuzzseed.Files(f, "testdata/otlp/*") {
		out = append(out, s.Data)
	}
	for _, rs := range otlpElems(f) {
		var b bytes.Buffer
		b.WriteString(`{"resourceSpans":[`)
		if err := json.Compact(&b, rs); err != nil {
			f.Fatal(err)
		}
		b.WriteString(`]}`)
		out = append(out, b.Bytes())
	}
	return out
}

func FuzzOTLPJSON(f *testing.F) {
	for _, seed := range otlpSeeds(f) {
		f.Add(seed)
	}
	capMinimize(f)
	r := newFuzzReader()
	f.Fuzz(func(t *testing.T, data []byte) { r.check(t, data, OTLPJSON) })
}

// FuzzOTLPJSONL reads the collector file exporter's form: one request a
// line. Its seeds are the JSONL export and every JSON export compacted to
// one line, all in one file.
func FuzzOTLPJSONL(f *testing.F) {
	fuzzseed.Add(f, "testdata/otlp/*.jsonl")
	var lines bytes.Buffer
	for _, s := range fuzzseed.Files(f, "testdata/otlp/*.json") {
		if err := json.Compact(&lines, s.Data); err != nil {
			f.Fatal(err)
		}
		lines.WriteByte('\n')
	}
	f.Add(lines.Bytes())
	f.Add([]byte("{\"resourceSpans\":[]}\n\n{}\n"))
	capMinimize(f)
	r := newFuzzReader()
	f.Fuzz(func(t *testing.T, data []byte) { r.check(t, data, OTLPJSONL) })
}

func FuzzOTLPProto(f *testing.F) {
	for _, s := range fuzzseed.Files(f, "testdata/otlp/*.json") {
		td := tracesDataFuzz(f, s.Path)
		f.Add(td)
		f.Add(binary.BigEndian.AppendUint32(nil, uint32(len(td))))
		f.Add(append(binary.BigEndian.AppendUint32(nil, uint32(len(td))), td...))
	}
	capMinimize(f)
	r := newFuzzReader()
	f.Fuzz(func(t *testing.T, data []byte) { r.check(t, data, OTLPProto) })
}

// FuzzDetect reads anything with detection, as the commands do.
func FuzzDetect(f *testing.F) {
	fuzzseed.Add(f, "testdata/otlp/*", corpusPath("zipkin/messaging.json"), corpusPath("jaeger/testTraceNormal.json"))
	f.Add([]byte(`{"event_id":"e","trace_id":"t","event_type":"serve","timestamp":"2026-01-01T00:00:00Z","service":"s","duration_us":1,"status":"ok"}`))
	capMinimize(f)
	r := newFuzzReader()
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Detect(data); err != nil && len(data) > 0 && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
		r.check(t, data, Auto)
	})
}
