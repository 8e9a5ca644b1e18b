package spans

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
	"github.com/tracegraph/tracegraph/telemetry"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// benchRead measures decode plus pairing, in spans per second.
func benchRead(b *testing.B, data []byte, format Format, spans int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		st, err := Read(context.Background(), bytes.NewReader(data), "bench", format, Options{}, func(telemetry.Event) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		if st.Spans != int64(spans) || st.Paired != int64(spans/3) {
			b.Fatalf("stats %+v, want %d spans, %d hops", st, spans, spans/3)
		}
	}
	b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
	// Spans per second of CPU (user and system, all threads, so GC counts):
	// on a machine shared with other work, wall time says more about the
	// neighbours than about the code.
	b.ReportMetric(float64(spans)*float64(b.N)/(cpuTime(b)-cpu0).Seconds(), "spans/cpu-s")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const benchTraces = 20_000

func BenchmarkReadOTLPJSON(b *testing.B) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, benchTraces); err != nil {
		b.Fatal(err)
	}
	benchRead(b, buf.Bytes(), OTLPJSON, benchTraces*spanstest.SpansPerTrace)
}

func BenchmarkReadZipkin(b *testing.B) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteZipkin(&buf, 0, benchTraces); err != nil {
		b.Fatal(err)
	}
	benchRead(b, buf.Bytes(), ZipkinJSON, benchTraces*spanstest.SpansPerTrace)
}

// The baselines decode the same bytes with the bare decoder each format
// uses, and nothing else: bench/spans.sh prints the importer's speed as a
// ratio to them, measured in the same run.

// BenchmarkBaselineOTLPProtojson is protojson alone, one request per line.
func BenchmarkBaselineOTLPProtojson(b *testing.B) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, benchTraces); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	benchBaseline(b, int64(buf.Len()), func() error {
		for _, l := range lines {
			var td tracepb.TracesData
			if err := protojsonOpts.Unmarshal(l, &td); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkBaselineZipkinUnmarshal is encoding/json alone, the whole array.
func BenchmarkBaselineZipkinUnmarshal(b *testing.B) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteZipkin(&buf, 0, benchTraces); err != nil {
		b.Fatal(err)
	}
	benchBaseline(b, int64(buf.Len()), func() error {
		var spans []zipkinSpan
		return json.Unmarshal(buf.Bytes(), &spans)
	})
}

func benchBaseline(b *testing.B, size int64, decode func() error) {
	b.SetBytes(size)
	cpu0 := cpuTime(b)
	for b.Loop() {
		if err := decode(); err != nil {
			b.Fatal(err)
		}
	}
	spans := float64(benchTraces*spanstest.SpansPerTrace) * float64(b.N)
	b.ReportMetric(spans/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(spans/(cpuTime(b)-cpu0).Seconds(), "spans/cpu-s")
}

// The framing benchmarks measure the framer alone (framer.value), which
// runs on one goroutine ahead of the decoders.

func BenchmarkFrameOTLPJSON(b *testing.B) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, benchTraces); err != nil {
		b.Fatal(err)
	}
	benchFrame(b, buf.Bytes(), func(f *framer) error {
		for {
			c, err := f.peek()
			if err != nil || c == 0 {
				return err
			}
			f.pos++
			more, err := f.first('}')
			for more && err == nil {
				var key string
				if key, err = f.key(); err != nil {
					return err
				}
				if key == "resourceSpans" {
					err = resourceSpansArray(f, key, func(position, []byte) error { return nil })
				} else {
					err = f.skip()
				}
				if err != nil {
					return err
				}
				more, err = f.next('}', "the TracesData object")
			}
			if err != nil {
				return err
			}
		}
	})
}

func BenchmarkFrameZipkin(b *testing.B) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteZipkin(&buf, 0, benchTraces); err != nil {
		b.Fatal(err)
	}
	benchFrame(b, buf.Bytes(), func(f *framer) error {
		if err := f.expect('[', "'['"); err != nil {
			return err
		}
		return f.elements("the Zipkin span array", func([]byte, position) error { return nil })
	})
}

func benchFrame(b *testing.B, data []byte, frame func(*framer) error) {
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := frame(newFramer(bytes.NewReader(data), "bench", Options{}.withDefaults())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeUnits measures the fast decoders alone on one goroutine,
// unit by unit (a ResourceSpans, a Zipkin span or trace): the figures
// bench/jsonlibs.sh sets beside the JSON libraries' on the same units
// (files named by JSONLIBS_OTLP and JSONLIBS_ZIPKIN; skipped without).
func BenchmarkDecodeUnits(b *testing.B) {
	for _, c := range []struct {
		name, env string
		key       string // the document's array of units; "" for a top-level array
		decode    func(dst []*span, data []byte, names *strCache) ([]*span, bool)
	}{
		{"OTLP", "JSONLIBS_OTLP", "resourceSpans", otlpFastTo},
		{"Zipkin", "JSONLIBS_ZIPKIN", "", zipkinFastTo},
	} {
		b.Run(c.name, func(b *testing.B) {
			path := os.Getenv(c.env)
			if path == "" {
				b.Skipf("%s is not set (bench/jsonlibs.sh sets it)", c.env)
			}
			units := benchUnits(b, path, c.key)
			var names strCache
			var out []*span
			total, spans := 0, 0
			for _, u := range units {
				got, ok := c.decode(out[:0], u, &names)
				if !ok {
					b.Fatalf("the fast decoder declines %.80q", u)
				}
				total, spans = total+len(u), spans+len(got)
			}
			b.SetBytes(int64(total / len(units)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				out, _ = c.decode(out[:0], units[i], &names)
				if i++; i == len(units) {
					i = 0
				}
			}
			b.ReportMetric(float64(spans)/float64(len(units))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// benchUnits splits a JSON file (a stream of documents) into the elements
// of each document's array key, or of the document when key is "".
func benchUnits(b *testing.B, path, key string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var out [][]byte
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var doc json.RawMessage
		if err := dec.Decode(&doc); err != nil {
			b.Fatal(err)
		}
		if key != "" {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(doc, &m); err != nil {
				b.Fatal(err)
			}
			doc = m[key]
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(doc, &elems); err != nil {
			b.Fatal(err)
		}
		for _, e := range elems {
			out = append(out, e)
		}
	}
	return out
}

// BenchmarkConvertProto converts one export request of the generator's
// spans (about 512, as bench/collect.sh sends), as collect does: walk is
// ConvertProto, proto is proto.Unmarshal and Convert, what it replaced.
func BenchmarkConvertProto(b *testing.B) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, 86); err != nil {
		b.Fatal(err)
	}
	var req tracepb.TracesData
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var td tracepb.TracesData
		if err := protojson.Unmarshal(line, &td); err != nil {
			b.Fatal(err)
		}
		if err := FixJSONIDs(td.ResourceSpans); err != nil {
			b.Fatal(err)
		}
		req.ResourceSpans = append(req.ResourceSpans, td.ResourceSpans...)
	}
	body, err := proto.Marshal(&req)
	if err != nil {
		b.Fatal(err)
	}
	p := NewPairer(Options{}, nil)
	n := CountProto(body)
	run := func(b *testing.B, convert func() Spans) {
		b.ReportAllocs()
		for b.Loop() {
			if s := convert(); s.Len() != n {
				b.Fatalf("%d spans, want %d", s.Len(), n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/span")
	}
	b.Run("walk", func(b *testing.B) {
		run(b, func() Spans {
			s, err := p.ConvertProto(body)
			if err != nil {
				b.Fatal(err)
			}
			return s
		})
	})
	b.Run("proto", func(b *testing.B) {
		run(b, func() Spans {
			var td tracepb.TracesData
			if err := proto.Unmarshal(body, &td); err != nil {
				b.Fatal(err)
			}
			return p.Convert(td.GetResourceSpans())
		})
	})
}
