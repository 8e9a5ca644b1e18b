package spans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Format names an input file format. The names are what --input-format takes.
type Format string

// Formats. Auto asks Read to detect the format from the content.
const (
	Auto       Format = ""
	JSONL      Format = "jsonl"      // tracegraph events, one JSON object per line
	OTLPJSON   Format = "otlp-json"  // OTLP/JSON: one or more ExportTraceServiceRequest objects
	OTLPJSONL  Format = "otlp-jsonl" // the collector file exporter: one request per line
	OTLPProto  Format = "otlp-proto" // OTLP protobuf: 4-byte length-prefixed requests, or one raw request
	ZipkinJSON Format = "zipkin"     // Zipkin v2 JSON: a span array or an array of traces
	JaegerJSON Format = "jaeger"     // Jaeger query-API JSON: {data:[trace...]}, a trace, or a trace array
)

// Formats lists every format name --input-format accepts, in help order.
func Formats() []Format {
	return []Format{JSONL, OTLPJSON, OTLPJSONL, OTLPProto, ZipkinJSON, JaegerJSON}
}

// ParseFormat reads a --input-format value. "auto" and "" mean Auto.
func ParseFormat(s string) (Format, error) {
	if s == "" || s == "auto" {
		return Auto, nil
	}
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return Auto, fmt.Errorf("unknown input format %q (want auto, %s)", s, strings.Join(names, ", "))
}

// PrefixSize is how many leading bytes Detect wants to see. Fewer work for a
// short file.
const PrefixSize = 4096

// Detect names the format of a file from its first bytes.
//
// Binary is told apart from text by its control bytes. JSON is told apart
// by its first keys: resourceSpans or resource_spans is OTLP; data, traceID, spans or processes is Jaeger; an array of span objects
// (traceId and id) or of arrays is Zipkin; an object with event_id or
// event_type is a tracegraph events file. Binary is OTLP protobuf when its
// first byte is 0x00 (a 4-byte length prefix under 16 MiB) or 0x0a (field 1
// of a raw request).
func Detect(prefix []byte) (Format, error) {
	if len(prefix) == 0 {
		return Auto, fmt.Errorf("empty input")
	}
	// 0x0a is both a newline and a protobuf field tag: binary is told apart
	// by its control bytes (lengths, raw ids), which JSON text never has.
	if !isText(prefix) {
		if prefix[0] == 0x00 || prefix[0] == 0x0a {
			return OTLPProto, nil
		}
		return Auto, fmt.Errorf("unrecognised content: first byte 0x%02x is neither JSON nor OTLP protobuf", prefix[0])
	}
	p := bytes.TrimPrefix(prefix, []byte("\xef\xbb\xbf"))
	p = bytes.TrimLeft(p, " \t\r\n")
	if len(p) == 0 {
		return Auto, fmt.Errorf("empty input")
	}
	switch p[0] {
	case '{':
		keys := firstKeys(p)
		for _, k := range keys {
			switch k {
			case "resourceSpans", "resource_spans":
				return OTLPJSON, nil
			case "data", "traceID", "spans", "processes":
				return JaegerJSON, nil
			case "event_id", "event_type":
				return JSONL, nil
			}
		}
		return Auto, fmt.Errorf("unrecognised JSON: first keys %q are not OTLP, Jaeger or tracegraph events", keys)
	case '[':
		q := bytes.TrimLeft(p[1:], " \t\r\n")
		if len(q) == 0 || q[0] == ']' || q[0] == '[' {
			return ZipkinJSON, nil
		}
		if q[0] == '{' {
			for _, k := range firstKeys(q) {
				switch k {
				case "traceID", "spans", "processes":
					return JaegerJSON, nil
				case "traceId", "id", "parentId", "localEndpoint", "kind", "name", "timestamp":
					return ZipkinJSON, nil
				}
			}
		}
		return Auto, fmt.Errorf("unrecognised JSON array: elements are neither Zipkin spans nor Jaeger traces")
	}
	return Auto, fmt.Errorf("unrecognised content: first byte 0x%02x is neither JSON nor OTLP protobuf", p[0])
}

// isText reports whether b has no control bytes but white space.
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// firstKeys returns the top-level keys of the object at the start of p, as
// far as p goes. Values are skipped, so a key that comes after a large value
// beyond the prefix is not seen.
func firstKeys(p []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(p))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for len(keys) < 16 {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, ok := t.(string)
		if !ok {
			return keys
		}
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}
