package spans

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

// fuzzRead reads data as format and checks what every import must keep:
// no panic, one-line errors, valid events, the same events twice.
func fuzzRead(t *testing.T, data []byte, format Format) {
	read := func() ([]telemetry.Event, error) {
		var events []telemetry.Event
		_, err := Read(context.Background(), bytes.NewReader(data), "fuzz", format, Options{WindowSpans: 8}, func(e telemetry.Event) error {
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
		var check telemetry.Event
		if e.EventID == "" || e.Service == "" || e.EventType == "" || e.Timestamp.IsZero() || e.DurationUS < 0 {
			t.Fatalf("invalid event %+v", e)
		}
		b, jerr := jsonLine(e)
		if jerr != nil {
			t.Fatalf("encode %+v: %v", e, jerr)
		}
		if derr := telemetry.DecodeEvent(b, &check); derr != nil {
			t.Fatalf("event does not read back: %v\n%s", derr, b)
		}
	}
	again, err := read()
	if err != nil || !reflect.DeepEqual(events, again) {
		t.Fatalf("second read differs (err %v)", err)
	}
}

func jsonLine(e telemetry.Event) ([]byte, error) {
	var buf bytes.Buffer
	w := telemetry.NewWriter(&buf)
	if err := w.Write(e); err != nil {
		return nil, err
	}
	err := w.Flush()
	return buf.Bytes(), err
}

func addSeeds(f *testing.F, paths ...string) {
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue // a corpus beside the module may be absent
		}
		f.Add(data)
	}
}

func corpusPath(rel string) string {
	return filepath.Join("testdata", "corpora", rel)
}

func FuzzZipkin(f *testing.F) {
	addSeeds(f, corpusPath("zipkin/messaging.json"), corpusPath("zipkin/messaging2.json"))
	f.Add([]byte(`[[{"traceId":"1","id":"2","kind":"CLIENT","timestamp":1,"localEndpoint":{"serviceName":"a"},"remoteEndpoint":{"serviceName":"b"},"tags":{"error":""}}]]`))
	f.Add([]byte(`[{"traceId":"a","id":"b","shared":true,"kind":"SERVER","timestamp":1.5e3,"duration":-4},{"traceId":"a","id":"b","kind":"CLIENT","timestamp":1}]`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, ZipkinJSON) })
}

func FuzzJaeger(f *testing.F) {
	addSeeds(f, corpusPath("jaeger/testTraceNormal.json"))
	f.Add([]byte(`{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"2","startTime":5,"duration":1,"processID":"p","references":[{"refType":"FOLLOWS_FROM","traceID":"9","spanID":"3"}],"tags":[{"key":"span.kind","value":"consumer"},{"key":"error","value":true}]}],"processes":{"p":{"serviceName":"s"}}}]}`))
	f.Add([]byte(`[{"traceID":"1","spans":[{"spanID":"2","startTime":5,"process":{"serviceName":"x"}}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, JaegerJSON) })
}

func FuzzOTLPJSON(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "otlp", "*"))
	addSeeds(f, paths...)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, OTLPJSON) })
}

func FuzzOTLPProto(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "otlp", "*.json"))
	for _, p := range paths {
		td := tracesDataFuzz(f, p)
		f.Add(td)
		f.Add(binary.BigEndian.AppendUint32(nil, uint32(len(td))))
		f.Add(append(binary.BigEndian.AppendUint32(nil, uint32(len(td))), td...))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, OTLPProto) })
}

// FuzzDetect reads anything with detection, as the commands do.
func FuzzDetect(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "otlp", "*"))
	addSeeds(f, append(paths, corpusPath("zipkin/messaging.json"), corpusPath("jaeger/testTraceNormal.json"))...)
	f.Add([]byte(`{"event_id":"e","trace_id":"t","event_type":"serve","timestamp":"2026-01-01T00:00:00Z","service":"s","duration_us":1,"status":"ok"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Detect(data); err != nil && len(data) > 0 && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
		fuzzRead(t, data, Auto)
	})
}
