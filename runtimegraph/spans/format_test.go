package spans

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		err  string
	}{
		{`{"resourceSpans":[]}`, OTLPJSON, ""},
		{"\xef\xbb\xbf\n  {\"resource_spans\":[]}", OTLPJSON, ""},
		{`{"partialSuccess":{},"resourceSpans":[]}`, OTLPJSON, ""},
		{`{"data":[{"traceID":"1"}],"total":0}`, JaegerJSON, ""},
		{`{"traceID":"4766f1209f70a5e2","spans":[]}`, JaegerJSON, ""},
		{`[{"traceID":"1","spans":[],"processes":{}}]`, JaegerJSON, ""},
		{`[{"traceId":"1","id":"2"}]`, ZipkinJSON, ""},
		{`[[{"traceId":"1","id":"2"}]]`, ZipkinJSON, ""},
		{`[ ]`, ZipkinJSON, ""},
		{`{"event_id":"x","trace_id":"t","event_type":"publish"}` + "\n", JSONL, ""},
		{"\x00\x00\x00\x10\x0a\x0e", OTLPProto, ""},
		{"\x0a\x0e\x12\x0c", OTLPProto, ""},
		{``, Auto, "empty input"},
		{`{"foo":1}`, Auto, `first keys ["foo"]`},
		{`[1,2]`, Auto, "neither Zipkin spans nor Jaeger traces"},
		{`hello`, Auto, "first byte 0x68"},
	}
	for _, tt := range tests {
		got, err := Detect([]byte(tt.in))
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Detect(%q) = %q, %v; want %q, error containing %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(string(f)); got != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if got, err := ParseFormat("auto"); got != Auto || err != nil {
		t.Errorf("ParseFormat(auto) = %q, %v", got, err)
	}
	if _, err := ParseFormat("otlp"); err == nil || !strings.Contains(err.Error(), "otlp-json") {
		t.Errorf("ParseFormat(otlp) error = %v, want the list of formats", err)
	}
}

// Bad input gives one clear error naming the file and where.
func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, in string
		format   Format
		want     string
	}{
		{"zipkin type", "[\n{\"traceId\": 5}]", Auto, "bad.json:2:"},
		{"zipkin syntax", "[\n {\"traceId\": \"1\",\n  \"id\" \"2\"}]", Auto, "bad.json:3:"},
		{"zipkin truncated", `[{"traceId":"1","id":"2"`, Auto, "unexpected end of input"},
		{"zipkin trailing", `[] []`, Auto, "after the end of the document"},
		{"zipkin element", `[[1]]`, ZipkinJSON, "bad.json:1:"},
		{"zipkin v1", "[\n{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"get\",\"annotations\":[{\"timestamp\":1,\"value\":\"sr\",\"endpoint\":{\"serviceName\":\"a\"}}],\"binaryAnnotations\":[]}]", Auto, "bad.json:2:1: a Zipkin v1 span"},
		{"zipkin v1 trace", "[[{\"traceId\":\"1\",\"id\":\"2\"},\n{\"traceId\":\"1\",\"id\":\"3\",\"annotations\":[{\"value\":\"cs\",\"endpoint\":{\"serviceName\":\"a\"}}]}]]", Auto, "Zipkin v1 span"},
		{"otlp id", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[\n{\"traceId\":\"xyz!\",\"spanId\":\"01\"}]}]}]}", Auto, "bad.json:2:12: invalid value for bytes field traceId"},
		{"otlp id length", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[\n{\"traceId\":\"AAAA\",\"spanId\":\"0102030405060708\"}]}]}]}", Auto, "traceId has 3 bytes"},
		{"otlp not array", `{"resourceSpans":{}}`, Auto, `"resourceSpans" must be an array`},
		{"otlp not object", `{"resourceSpans":[]} [1]`, OTLPJSON, "bad.json:1:22: invalid character '[', want '{' opening an OTLP TracesData object"},
		{"jaeger data", `{"data":{}}`, Auto, `"data" must be an array`},
		{"jaeger type", "{\"data\":[\n{\"spans\":[{\"startTime\":\"x\"}]}]}", Auto, "bad.json:2:"},
		{"proto length", "\x7f\xff\xff\xff", OTLPProto, "over the 67108864-byte limit"},
		{"proto truncated", "\x00\x00\x00\x10\x0a", OTLPProto, "truncated message"},
		{"proto raw", "\x0a\x05\x0a", OTLPProto, "truncated field"},
		{"jsonl", "{\"event_id\":\"x\"}\n", JSONL, "bad.json:1: invalid event"},
		{"unknown", "", Format("csv"), `unknown input format "csv"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(context.Background(), strings.NewReader(tt.in), "bad.json", tt.format, Options{}, func(telemetry.Event) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

// The same spans as OTLP protobuf (length-prefixed and raw) and as
// protojson's own JSON (base64 ids) give the same events as the OTLP/JSON
// file.
func TestOTLPEncodingsAgree(t *testing.T) {
	for _, file := range []string{"pubsub_parent.json", "reqrep_three.json", "virtual.json", "error_skew.json"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", "otlp", file)
			want, _ := readAll(t, path, OTLPJSON, Options{})
			td := tracesData(t, path)

			var prefixed bytes.Buffer
			for _, rs := range td.ResourceSpans {
				b, err := proto.Marshal(&tracepb.TracesData{ResourceSpans: []*tracepb.ResourceSpans{rs}})
				if err != nil {
					t.Fatal(err)
				}
				prefixed.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
				prefixed.Write(b)
			}
			raw, err := proto.Marshal(td)
			if err != nil {
				t.Fatal(err)
			}
			pj, err := protojson.Marshal(td)
			if err != nil {
				t.Fatal(err)
			}
			for name, data := range map[string][]byte{"length-prefixed": prefixed.Bytes(), "raw": raw, "protojson": pj} {
				var got []telemetry.Event
				st, err := Read(context.Background(), bytes.NewReader(data), name, Auto, Options{}, func(e telemetry.Event) error {
					got = append(got, e)
					return nil
				})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s (%s): events differ from the OTLP/JSON file:\n%s\nwant\n%s", name, st.Format, eventLines(got), eventLines(want))
				}
			}
		})
	}
}

// tracesData reads an OTLP/JSON file into the message with the real id
// bytes, decoding the hex ids the way the spec writes them.
func tracesData(t testing.TB, path string) *tracepb.TracesData {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var td tracepb.TracesData
	if err := protojson.Unmarshal(data, &td); err != nil {
		t.Fatal(err)
	}
	fix := func(b *[]byte) {
		s, err := otlpID(*b, true, "id")
		if err != nil {
			t.Fatal(err)
		}
		if *b, err = hex.DecodeString(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, rs := range td.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				fix(&sp.TraceId)
				fix(&sp.SpanId)
				fix(&sp.ParentSpanId)
				for _, l := range sp.Links {
					fix(&l.TraceId)
					fix(&l.SpanId)
				}
			}
		}
	}
	return &td
}

// tracesDataFuzz is the protobuf encoding of an OTLP/JSON test file.
func tracesDataFuzz(t testing.TB, path string) []byte {
	b, err := proto.Marshal(tracesData(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
