package runtimegraph

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
)

// benchEvents is the file the benchmarks read: TRACEGRAPH_BENCH_EVENTS, or
// a generated one of 200,000 events.
func benchEvents(b *testing.B) (string, int) {
	if p := os.Getenv("TRACEGRAPH_BENCH_EVENTS"); p != "" {
		n := 0
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			n++
		}
		return p, n
	}
	p := filepath.Join(b.TempDir(), "events.jsonl")
	evs := fixture.Shop(200_000)
	fixture.WriteJSONL(b, p, evs)
	return p, len(evs)
}

// BenchmarkFromFiles measures the observed graph from a JSONL file in
// events per second (the target is 500,000/s on two cores).
func BenchmarkFromFiles(b *testing.B) {
	p, n := benchEvents(b)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := FromFiles(context.Background(), []string{p}, Filter{}, ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecode compares the fast decoder with telemetry.DecodeEvent on
// one typical line.
func BenchmarkDecode(b *testing.B) {
	line := []byte(`{"event_id":"01a205b3-d02b-7000-8000-000000000001","trace_id":"bf6f16ea2b5ed1484b2f17401c68d7f6","event_type":"consume","timestamp":"2026-11-23T00:00:00.043200Z","service":"svc-177","channel":"svc-124.topic-795","message_type":"github.com/example/mono/svc-124.Event795","message_id":"e1ae1b5cfd65b05a","parent_ids":["aa"],"peer_service":"svc-124","duration_us":1357,"status":"ok","tags":{"merchant_id":"m000866"}}`)
	b.Run("fast", func(b *testing.B) {
		d := NewDecoder()
		var e telemetry.Event
		for b.Loop() {
			if err := d.Decode(line, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		var e telemetry.Event
		for b.Loop() {
			e = telemetry.Event{}
			if err := telemetry.DecodeEvent(line, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBuilderAdd measures grouping alone, on the decoded events of
// the benchmark file (at most 200,000 of them).
func BenchmarkBuilderAdd(b *testing.B) {
	p, _ := benchEvents(b)
	var evs []telemetry.Event
	if _, err := ReadFiles(context.Background(), []string{p}, ReadOptions{Workers: 1}, func(_ int, e *telemetry.Event) error {
		if len(evs) < 200_000 {
			evs = append(evs, *e)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		bl := NewBuilder()
		for i := range evs {
			bl.Add(&evs[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// BenchmarkDecodeGraph decodes the lines of the benchmark file (at most
// 200,000) as FromFiles does, skipping the fields the graph never reads.
func BenchmarkDecodeGraph(b *testing.B) {
	p, _ := benchEvents(b)
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(lines) < 200_000 {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	d := &Decoder{skip: graphSkip | fTags}
	var e telemetry.Event
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			if err := d.Decode(l, &e); err != nil {
				b.Fatal(err)
			}
			d.Key(&e)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
}
