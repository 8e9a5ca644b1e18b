package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/collect"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/runtimegraph/spans"
	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
	"github.com/tracegraph/tracegraph/telemetry"
)

// baseline does PostgreSQL's part of collect's work, with nothing else in
// the way: clients stage the same request bytes as collect stages, two
// writers store the events those spans pair to in batches of collect's
// size, then release the staged rows, through the same PGStore. It prints
// the spans/s PostgreSQL so absorbs, the ceiling collect can approach on
// this machine.
func baseline(ctx context.Context, db string, clients, perReq int, dur time.Duration) float64 {
	st, err := pgstore.Open(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	store := collect.PGStore{Store: st, Instance: "baseline"}
	body, err := proto.Marshal(templateRequest(perReq))
	if err != nil {
		log.Fatal(err)
	}
	template := templateEvents(perReq)

	type staged struct {
		seq    int64
		events []telemetry.Event
	}
	queue := make(chan staged, 4*clients)
	var seq atomic.Int64
	var done atomic.Int64 // spans whose events are stored and rows released
	stop := time.Now().Add(dur)
	var stagers sync.WaitGroup
	for range clients {
		stagers.Go(func() {
			for time.Now().Before(stop) {
				n := seq.Add(1)
				if err := store.Stage(ctx, n, body); err != nil {
					log.Fatal(err)
				}
				queue <- staged{n, freshEvents(template, n)}
			}
		})
	}
	go func() { stagers.Wait(); close(queue) }()
	var writers sync.WaitGroup
	for range collect.DefaultWriters {
		writers.Go(func() {
			var evs []telemetry.Event
			var seqs []int64
			flush := func() {
				if len(evs) == 0 {
					return
				}
				if err := store.Write(ctx, evs); err != nil {
					log.Fatal(err)
				}
				if err := store.Release(ctx, collect.Release{Exports: seqs}); err != nil {
					log.Fatal(err)
				}
				if time.Now().Before(stop) {
					done.Add(int64(len(seqs) * perReq))
				}
				evs, seqs = evs[:0], seqs[:0]
			}
			for s := range queue {
				if len(evs)+len(s.events) > collect.DefaultBatchEvents {
					flush()
				}
				evs = append(evs, s.events...)
				seqs = append(seqs, s.seq)
			}
			flush()
		})
	}
	writers.Wait()
	rate := float64(done.Load()) / dur.Seconds()
	fmt.Printf("baseline, PostgreSQL alone (%d clients staging, %d writers, the same rows): %.0f spans/s stored\n", clients, collect.DefaultWriters, rate)
	return rate
}

// templateEvents are the events the template request's spans pair to.
func templateEvents(n int) []telemetry.Event {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, (n+spanstest.SpansPerTrace-1)/spanstest.SpansPerTrace); err != nil {
		log.Fatal(err)
	}
	var evs []telemetry.Event
	if _, err := spans.Read(context.Background(), &buf, "template", spans.OTLPJSON, spans.Options{}, func(e telemetry.Event) error {
		e.Normalize()
		evs = append(evs, e)
		return nil
	}); err != nil {
		log.Fatal(err)
	}
	return evs
}

// freshEvents copies the template's events for request n: ids of their
// own, and times moved to now, as collect stores them.
func freshEvents(t []telemetry.Event, n int64) []telemetry.Event {
	evs := make([]telemetry.Event, len(t))
	shift := time.Since(t[0].Timestamp)
	for i, e := range t {
		e.EventID = fmt.Sprintf("%s%06x%06x", e.EventID[:len(e.EventID)-12], n&0xffffff, i&0xffffff)
		e.TraceID = fmt.Sprintf("%016x%s", n, e.TraceID[16:])
		e.Timestamp = e.Timestamp.Add(shift).Truncate(time.Microsecond)
		evs[i] = e
	}
	return evs
}
