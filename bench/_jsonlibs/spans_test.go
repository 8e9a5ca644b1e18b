package jsonlibs

import (
	stdjson "encoding/json"
	"testing"

	"github.com/bytedance/sonic"
	jsonv2 "github.com/go-json-experiment/json"
	goccy "github.com/goccy/go-json"
	segment "github.com/segmentio/encoding/json"
	"github.com/valyala/fastjson"
)

// The OTLP/JSON and Zipkin shapes, as the libraries' struct decoders take
// them: the fields tracegraph reads. (Ours is measured in the main module,
// BenchmarkDecodeUnits in runtimegraph/spans, on the same units.)

type otlpResourceSpans struct {
	Resource struct {
		Attributes []otlpKV `json:"attributes"`
	} `json:"resource"`
	ScopeSpans []struct {
		Scope struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"scope"`
		Spans []struct {
			TraceID           string   `json:"traceId"`
			SpanID            string   `json:"spanId"`
			ParentSpanID      string   `json:"parentSpanId"`
			Name              string   `json:"name"`
			Kind              int      `json:"kind"`
			StartTimeUnixNano string   `json:"startTimeUnixNano"`
			EndTimeUnixNano   string   `json:"endTimeUnixNano"`
			Attributes        []otlpKV `json:"attributes"`
			Links             []struct {
				TraceID string `json:"traceId"`
				SpanID  string `json:"spanId"`
			} `json:"links"`
			Status struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"status"`
		} `json:"spans"`
	} `json:"scopeSpans"`
}

type otlpKV struct {
	Key   string `json:"key"`
	Value struct {
		StringValue string `json:"stringValue"`
		IntValue    string `json:"intValue"`
		BoolValue   bool   `json:"boolValue"`
	} `json:"value"`
}

type zipkinSpan struct {
	TraceID        string                       `json:"traceId"`
	ParentID       string                       `json:"parentId"`
	ID             string                       `json:"id"`
	Kind           string                       `json:"kind"`
	Name           string                       `json:"name"`
	Timestamp      int64                        `json:"timestamp"`
	Duration       int64                        `json:"duration"`
	Shared         bool                         `json:"shared"`
	LocalEndpoint  struct{ ServiceName string } `json:"localEndpoint"`
	RemoteEndpoint struct{ ServiceName string } `json:"remoteEndpoint"`
	Tags           map[string]string            `json:"tags"`
}

// otlpSpans counts the spans of a ResourceSpans unit.
func otlpSpans(u []byte) int {
	var rs otlpResourceSpans
	if err := stdjson.Unmarshal(u, &rs); err != nil {
		panic(err)
	}
	n := 0
	for _, ss := range rs.ScopeSpans {
		n += len(ss.Spans)
	}
	return n
}

func zipkinSpans(u []byte) int {
	if len(u) > 0 && u[0] == '[' {
		var t []stdjson.RawMessage
		if err := stdjson.Unmarshal(u, &t); err != nil {
			panic(err)
		}
		return len(t)
	}
	return 1
}

func benchStructs[T any](b *testing.B, us [][]byte, records func([]byte) int, fast func(*fastjson.Parser, []byte) error) {
	unmarshal := func(f func([]byte, any) error) func([]byte) error {
		return func(u []byte) error {
			var v T
			return f(u, &v)
		}
	}
	b.Run("encoding-json", func(b *testing.B) { run(b, us, records, unmarshal(stdjson.Unmarshal)) })
	b.Run("json-v2", func(b *testing.B) {
		run(b, us, records, unmarshal(func(u []byte, v any) error { return jsonv2.Unmarshal(u, v) }))
	})
	b.Run("goccy", func(b *testing.B) { run(b, us, records, unmarshal(goccy.Unmarshal)) })
	b.Run("segmentio", func(b *testing.B) { run(b, us, records, unmarshal(segment.Unmarshal)) })
	b.Run("sonic", func(b *testing.B) { run(b, us, records, unmarshal(sonic.Unmarshal)) })
	b.Run("fastjson", func(b *testing.B) {
		var p fastjson.Parser
		run(b, us, records, func(u []byte) error { return fast(&p, u) })
	})
}

func BenchmarkOTLP(b *testing.B) {
	benchStructs[otlpResourceSpans](b, units(b, "JSONLIBS_OTLP", "resourceSpans"), otlpSpans, otlpFastjson)
}

func BenchmarkZipkin(b *testing.B) {
	benchStructs[zipkinSpan](b, units(b, "JSONLIBS_ZIPKIN"), zipkinSpans, zipkinFastjson)
}

// otlpFastjson parses a unit and reads the fields the struct holds, as a
// decoder on fastjson would.
func otlpFastjson(p *fastjson.Parser, u []byte) error {
	v, err := p.ParseBytes(u)
	if err != nil {
		return err
	}
	sink := 0
	str := func(v *fastjson.Value, k ...string) { sink += len(string(v.GetStringBytes(k...))) }
	for _, a := range v.GetArray("resource", "attributes") {
		str(a, "key")
		str(a, "value", "stringValue")
	}
	for _, ss := range v.GetArray("scopeSpans") {
		for _, s := range ss.GetArray("spans") {
			for _, k := range []string{"traceId", "spanId", "parentSpanId", "name", "startTimeUnixNano", "endTimeUnixNano"} {
				str(s, k)
			}
			sink += s.GetInt("kind") + s.GetInt("status", "code")
			for _, a := range s.GetArray("attributes") {
				str(a, "key")
				str(a, "value", "stringValue")
				str(a, "value", "intValue")
			}
		}
	}
	_ = sink
	return nil
}

func zipkinFastjson(p *fastjson.Parser, u []byte) error {
	v, err := p.ParseBytes(u)
	if err != nil {
		return err
	}
	spans := []*fastjson.Value{v}
	if v.Type() == fastjson.TypeArray {
		spans = v.GetArray()
	}
	sink := 0
	for _, s := range spans {
		for _, k := range []string{"traceId", "parentId", "id", "kind", "name"} {
			sink += len(string(s.GetStringBytes(k)))
		}
		sink += int(s.GetInt64("timestamp") + s.GetInt64("duration"))
		sink += len(string(s.GetStringBytes("localEndpoint", "serviceName"))) + len(string(s.GetStringBytes("remoteEndpoint", "serviceName")))
		s.GetObject("tags").Visit(func(k []byte, v *fastjson.Value) { sink += len(string(k)) + len(string(v.GetStringBytes())) })
	}
	_ = sink
	return nil
}
