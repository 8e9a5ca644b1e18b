package jsonlibs

import (
	"bufio"
	"bytes"
	stdjson "encoding/json"
	"os"
	"testing"
	"time"

	"github.com/bytedance/sonic"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	goccy "github.com/goccy/go-json"
	segment "github.com/segmentio/encoding/json"
	"github.com/valyala/fastjson"

	"github.com/tracegraph/tracegraph/internal/jsonscan"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
)

// units reads the benchmark input named by env: JSONL (a unit a line) or a
// JSON document whose units are the elements of the array at path (keys).
func units(b *testing.B, env string, path ...string) [][]byte {
	b.Helper()
	name := os.Getenv(env)
	if name == "" {
		b.Skipf("%s is not set (bench/jsonlibs.sh sets it)", env)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	var out [][]byte
	if len(path) == 0 && env == "JSONLIBS_EVENTS" {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
		return out
	}
	dec := stdjson.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var v stdjson.RawMessage
		if err := dec.Decode(&v); err != nil {
			b.Fatal(err)
		}
		for _, k := range path {
			var m map[string]stdjson.RawMessage
			if err := stdjson.Unmarshal(v, &m); err != nil {
				b.Fatal(err)
			}
			v = m[k]
		}
		var elems []stdjson.RawMessage
		if err := stdjson.Unmarshal(v, &elems); err != nil {
			b.Fatal(err)
		}
		for _, e := range elems {
			out = append(out, []byte(e))
		}
	}
	return out
}

// run benchmarks fn over the units in turn: ns/op and allocs/op are per
// unit, MB/s over the units' bytes; per counts records (events or spans)
// per unit for records/s.
func run(b *testing.B, us [][]byte, records func([]byte) int, fn func([]byte) error) {
	total, recs := 0, 0
	for _, u := range us {
		total += len(u)
		recs += records(u)
	}
	b.SetBytes(int64(total / len(us)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := fn(us[i]); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(us) {
			i = 0
		}
	}
	b.ReportMetric(float64(recs)/float64(len(us))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func one([]byte) int { return 1 }

// Events: decoded into telemetry.Event, every field.

func BenchmarkEvents(b *testing.B) {
	us := units(b, "JSONLIBS_EVENTS")
	unmarshal := func(f func([]byte, any) error) func([]byte) error {
		return func(u []byte) error {
			var e telemetry.Event
			return f(u, &e)
		}
	}
	d := runtimegraph.NewDecoder()
	var e telemetry.Event
	b.Run("ours", func(b *testing.B) { run(b, us, one, func(u []byte) error { return d.Decode(u, &e) }) })
	b.Run("encoding-json", func(b *testing.B) { run(b, us, one, unmarshal(stdjson.Unmarshal)) })
	b.Run("json-v2", func(b *testing.B) {
		run(b, us, one, unmarshal(func(u []byte, v any) error { return jsonv2.Unmarshal(u, v) }))
	})
	b.Run("jsontext", func(b *testing.B) {
		var dec jsontext.Decoder
		run(b, us, one, func(u []byte) error {
			dec.Reset(bytes.NewReader(u))
			return eventFromTokens(&dec, &e)
		})
	})
	b.Run("goccy", func(b *testing.B) { run(b, us, one, unmarshal(goccy.Unmarshal)) })
	b.Run("segmentio", func(b *testing.B) { run(b, us, one, unmarshal(segment.Unmarshal)) })
	b.Run("sonic", func(b *testing.B) { run(b, us, one, unmarshal(sonic.Unmarshal)) })
	b.Run("fastjson", func(b *testing.B) {
		var p fastjson.Parser
		run(b, us, one, func(u []byte) error { return eventFromFastjson(&p, u, &e) })
	})
}

// eventFromTokens fills e from a jsontext token stream (what a decoder on
// jsontext would do by hand).
func eventFromTokens(dec *jsontext.Decoder, e *telemetry.Event) error {
	*e = telemetry.Event{}
	if _, err := dec.ReadToken(); err != nil { // {
		return err
	}
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := k.String()
		switch key {
		case "parent_ids", "tags":
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			if key == "tags" {
				err = jsonv2.Unmarshal(v, &e.Tags)
			} else {
				err = jsonv2.Unmarshal(v, &e.ParentIDs)
			}
			if err != nil {
				return err
			}
			continue
		}
		t, err := dec.ReadToken()
		if err != nil {
			return err
		}
		switch key {
		case "event_id":
			e.EventID = t.String()
		case "trace_id":
			e.TraceID = t.String()
		case "event_type":
			e.EventType = t.String()
		case "timestamp":
			if e.Timestamp, err = time.Parse(time.RFC3339Nano, t.String()); err != nil {
				return err
			}
		case "service":
			e.Service = t.String()
		case "operation":
			e.Operation = t.String()
		case "channel":
			e.Channel = t.String()
		case "message_type":
			e.MessageType = t.String()
		case "reply_type":
			e.ReplyType = t.String()
		case "system":
			e.System = t.String()
		case "message_id":
			e.MessageID = t.String()
		case "peer_service":
			e.PeerService = t.String()
		case "status":
			e.Status = t.String()
		case "error":
			e.Error = t.String()
		case "peer_virtual":
			e.PeerVirtual = t.Bool()
		case "service_virtual":
			e.ServiceVirtual = t.Bool()
		case "duration_us":
			e.DurationUS = t.Int()
		}
	}
	_, err := dec.ReadToken()
	return err
}

func eventFromFastjson(p *fastjson.Parser, u []byte, e *telemetry.Event) error {
	v, err := p.ParseBytes(u)
	if err != nil {
		return err
	}
	o, err := v.Object()
	if err != nil {
		return err
	}
	*e = telemetry.Event{}
	str := func(v *fastjson.Value) string { return string(v.GetStringBytes()) }
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "event_id":
			e.EventID = str(v)
		case "trace_id":
			e.TraceID = str(v)
		case "event_type":
			e.EventType = str(v)
		case "timestamp":
			e.Timestamp, err = time.Parse(time.RFC3339Nano, str(v))
		case "service":
			e.Service = str(v)
		case "operation":
			e.Operation = str(v)
		case "channel":
			e.Channel = str(v)
		case "message_type":
			e.MessageType = str(v)
		case "reply_type":
			e.ReplyType = str(v)
		case "system":
			e.System = str(v)
		case "message_id":
			e.MessageID = str(v)
		case "peer_service":
			e.PeerService = str(v)
		case "status":
			e.Status = str(v)
		case "error":
			e.Error = str(v)
		case "peer_virtual":
			e.PeerVirtual = v.GetBool()
		case "service_virtual":
			e.ServiceVirtual = v.GetBool()
		case "duration_us":
			e.DurationUS = v.GetInt64()
		case "parent_ids":
			for _, x := range v.GetArray() {
				e.ParentIDs = append(e.ParentIDs, str(x))
			}
		case "tags":
			e.Tags = map[string]string{}
			v.GetObject().Visit(func(k []byte, v *fastjson.Value) { e.Tags[string(k)] = str(v) })
		}
	})
	return err
}

// Syntax only: the whole unit checked, nothing kept.

func benchValid(b *testing.B, us [][]byte, records func([]byte) int) {
	b.Run("ours", func(b *testing.B) {
		run(b, us, records, func(u []byte) error {
			s := jsonscan.Scanner{B: u}
			if !s.Skip(0) || !s.End() {
				return errInvalid
			}
			return nil
		})
	})
	valid := func(f func([]byte) bool) func([]byte) error {
		return func(u []byte) error {
			if !f(u) {
				return errInvalid
			}
			return nil
		}
	}
	b.Run("encoding-json", func(b *testing.B) { run(b, us, records, valid(stdjson.Valid)) })
	b.Run("jsontext", func(b *testing.B) {
		run(b, us, records, valid(func(u []byte) bool { return jsontext.Value(u).IsValid() }))
	})
	b.Run("goccy", func(b *testing.B) { run(b, us, records, valid(goccy.Valid)) })
	b.Run("segmentio", func(b *testing.B) { run(b, us, records, valid(segment.Valid)) })
	b.Run("sonic", func(b *testing.B) { run(b, us, records, valid(sonic.Valid)) })
	b.Run("fastjson", func(b *testing.B) { run(b, us, records, fastjson.ValidateBytes) })
}

type invalid struct{}

func (invalid) Error() string { return "invalid JSON" }

var errInvalid error = invalid{}

func BenchmarkEventsValid(b *testing.B) { benchValid(b, units(b, "JSONLIBS_EVENTS"), one) }
func BenchmarkOTLPValid(b *testing.B) {
	benchValid(b, units(b, "JSONLIBS_OTLP", "resourceSpans"), otlpSpans)
}
func BenchmarkZipkinValid(b *testing.B) { benchValid(b, units(b, "JSONLIBS_ZIPKIN"), zipkinSpans) }
