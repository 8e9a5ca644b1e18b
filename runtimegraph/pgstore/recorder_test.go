package pgstore

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// TestRecorder: events recorded from many goroutines are all stored once
// Close returns; a NUL-carrying event is dropped and reported; recording
// after Close drops.
func TestRecorder(t *testing.T) {
	s := openStore(t, freshSchema(t))
	rec := s.NewRecorder(RecorderOptions{BatchSize: 100, Buffer: 5000, FlushEvery: 10 * time.Millisecond})
	evs := fixture.Shop(4000)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(evs); i += 4 {
				rec.Record(context.Background(), evs[i])
			}
		})
	}
	wg.Wait()
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s); n != int64(len(evs)) {
		t.Fatalf("%d rows, want %d", n, len(evs))
	}
	// Close flushed the rollup: the graph comes from it, and is the one
	// built from the events.
	if !usesRollup(t, s, runtimegraph.Filter{}) {
		t.Error("the rollup does not cover the recorded events after Close")
	}
	b := runtimegraph.NewBuilder()
	for _, e := range evs {
		e.Normalize()
		b.Add(&e)
	}
	g, err := s.Graph(context.Background(), runtimegraph.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := topology.Marshal(b.Graph())
	got, _ := topology.Marshal(g)
	if !bytes.Equal(got, want) {
		t.Errorf("graph from the rollup:\n%s\nwant:\n%s", got, want)
	}
	rec.Record(context.Background(), evs[0])
	if rec.Dropped() != 1 {
		t.Errorf("dropped %d after a Record past Close, want 1", rec.Dropped())
	}

	rec2 := s.NewRecorder(RecorderOptions{})
	rec2.Record(context.Background(), telemetry.Event{EventID: "x", EventType: "start", Service: "a\x00b", Timestamp: time.Now()})
	err = rec2.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "1 events dropped") {
		t.Errorf("Close = %v, want a report of 1 dropped event", err)
	}
}

// TestRecorderBounded: with the database unable to keep up (a tiny buffer
// and a held lock), Record still returns at once and counts what it drops.
func TestRecorderBounded(t *testing.T) {
	s := openStore(t, freshSchema(t))
	ctx := context.Background()
	load(t, s, fixture.Shop(1), 1) // create today's partition in the fixture's day
	lock, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, "LOCK TABLE events IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	rec := s.NewRecorder(RecorderOptions{BatchSize: 10, Buffer: 20, FlushEvery: time.Millisecond})
	evs := fixture.Shop(1000)[1:]
	for _, e := range evs {
		rec.Record(ctx, e)
	}
	if rec.Dropped() == 0 {
		t.Error("nothing dropped although the table was locked and the buffer holds 20")
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	err = rec.Close(ctx)
	if err == nil {
		t.Fatal("Close reported no drops")
	}
	stored := count(t, s) - 1
	if stored+rec.Dropped() != int64(len(evs)) {
		t.Errorf("stored %d + dropped %d != recorded %d", stored, rec.Dropped(), len(evs))
	}
}

// TestRecorderRollsUpWhileRunning: a Recorder that runs for days keeps the
// rollup current on its own, so the graph of its days does not fall back
// to the events until it closes.
func TestRecorderRollsUpWhileRunning(t *testing.T) {
	s := openStore(t, freshSchema(t))
	rec := s.NewRecorder(RecorderOptions{BatchSize: 50, FlushEvery: 5 * time.Millisecond, RollupEvery: 20 * time.Millisecond})
	defer rec.Close(context.Background())
	evs := fixture.Shop(500)
	for _, e := range evs {
		rec.Record(context.Background(), e)
	}
	deadline := time.Now().Add(20 * time.Second)
	for count(t, s) < int64(len(evs)) || !usesRollup(t, s, runtimegraph.Filter{}) {
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: %d of %d events stored, rollup covers them: %v", count(t, s), len(evs), usesRollup(t, s, runtimegraph.Filter{}))
		}
		time.Sleep(10 * time.Millisecond)
	}
	var stored, rolled int64
	if err := s.pool.QueryRow(context.Background(), "SELECT sum(stored), sum(rolled) FROM rollup_days").Scan(&stored, &rolled); err != nil {
		t.Fatal(err)
	}
	if stored != int64(len(evs)) || rolled != stored {
		t.Errorf("rollup_days: stored %d, rolled %d, want %d each", stored, rolled, len(evs))
	}
}

// Negative options take the defaults instead of panicking in make or
// time.NewTicker.
func TestRecorderNegativeOptions(t *testing.T) {
	s := openStore(t, freshSchema(t))
	rec := s.NewRecorder(RecorderOptions{BatchSize: -1, Buffer: -5, FlushEvery: -time.Second, RollupEvery: -time.Minute})
	evs := fixture.Shop(30)
	for _, e := range evs {
		rec.Record(context.Background(), e)
	}
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s); n != int64(len(evs)) {
		t.Errorf("%d rows, want %d", n, len(evs))
	}
}
