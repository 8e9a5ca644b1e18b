package pgstore

import (
	"bytes"
	"context"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
)

// benchStore is a store on a fresh schema for a benchmark (see freshSchema).
func benchStore(b *testing.B) *Store {
	b.Helper()
	u := freshSchema(b)
	s, err := Open(context.Background(), u)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

func normalized(n int) []telemetry.Event {
	evs := fixture.Shop(n)
	for i := range evs {
		evs[i].Normalize()
	}
	return evs
}

// BenchmarkWrite measures ingest of fresh events in batches of 25,000, the
// command's size (bench/events.sh compares the whole command with psql).
func BenchmarkWrite(b *testing.B) {
	s := benchStore(b)
	evs := normalized(100_000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Fresh ids each round, so every batch takes the fast path.
		b.StopTimer()
		for j := range evs {
			evs[j].EventID = evs[j].EventID[:11] + "-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
		}
		b.StartTimer()
		for k := 0; k < len(evs); k += 25_000 {
			if _, err := s.Write(context.Background(), evs[k:k+25_000]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkGraph measures the observed graph over 100,000 stored events.
func BenchmarkGraph(b *testing.B) {
	s := benchStore(b)
	evs := normalized(100_000)
	for k := 0; k < len(evs); k += 25_000 {
		if _, err := s.Write(context.Background(), evs[k:k+25_000]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Graph(context.Background(), runtimegraph.Filter{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEncodeCopy encodes events for COPY, as every Write does, with
// the tags a span importer gives (HTTP and messaging attributes).
// taggedEvents are n shop events with tags as span attributes give them.
func taggedEvents(n int) []telemetry.Event {
	evs := normalized(n)
	for i := range evs {
		evs[i].Tags = map[string]string{
			"http.request.method": "POST", "url.path": "/api/v1/orders/42", "server.address": "orders.internal",
			"messaging.system": "kafka", "messaging.destination.name": "orders.created", "merchant_id": "m000866",
		}
	}
	return evs
}

func BenchmarkEncodeCopy(b *testing.B) {
	evs := taggedEvents(5000)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		encodeCopy(&buf, evs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// BenchmarkCheck measures the check collect runs on every event before
// COPY (PGStore.Write).
func BenchmarkCheck(b *testing.B) {
	evs := taggedEvents(5000)
	for b.Loop() {
		for i := range evs {
			if err := Check(&evs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}
