package channel_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/telemetry"
)

// TestMemoryBusSlowConsumer: a publisher waits on a full queue only until
// the block timeout or until its ctx ends; the other groups still get the
// message.
func TestMemoryBusSlowConsumer(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool
		wantErr error
	}{
		{name: "block timeout", timeout: 50 * time.Millisecond, wantErr: channel.ErrSlowConsumer},
		{name: "ctx cancelled", timeout: time.Hour, cancel: true, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := channel.NewMemoryBus(channel.WithQueueSize(1), channel.WithBlockTimeout(tt.timeout))
			defer bus.Close()
			ctx := context.Background()
			started, release := make(chan int, 10), make(chan struct{})
			defer close(release)
			_, err := channel.NewSubClient[Ping](channel.NewService("slow", bus), "ping").Subscribe(ctx, func(ctx context.Context, env channel.Envelope[Ping]) error {
				started <- env.Payload.N
				<-release
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// The fast group subscribes after the slow one and still gets
			// every message while a publisher waits on the slow one.
			c := newCounter()
			subscribe(t, ctx, channel.NewService("fast", bus), "ping", "fast", c)
			rec := newRecorder()
			pub := channel.NewPubClient[Ping](channel.NewService("catalog", bus, channel.WithRecorder(rec)), "ping")

			if err := pub.Publish(ctx, Ping{N: 1}); err != nil {
				t.Fatal(err)
			}
			<-started // the slow handler holds message 1
			if err := pub.Publish(ctx, Ping{N: 2}); err != nil {
				t.Fatal(err) // message 2 fills the queue
			}
			pctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if tt.cancel {
				// Cancel once message 3 has reached the fast group, so the
				// publisher is waiting on the slow one.
				go func() {
					defer cancel()
					giveUp := time.Now().Add(20 * time.Second) // keeps a regression from hanging
					for len(c.snapshot()["fast"]) < 3 && time.Now().Before(giveUp) {
						time.Sleep(time.Millisecond)
					}
				}()
			}
			err = pub.Publish(pctx, Ping{N: 3})
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "group slow") {
				t.Errorf("publish to a full queue: %v, want %v", err, tt.wantErr)
			}
			c.wait(t, 3)
			if got := c.snapshot()["fast"]; len(got) != 3 {
				t.Errorf("the fast group got %v, want all 3", got)
			}
			if evs := rec.find("catalog", telemetry.TypePublish); len(evs) != 3 || evs[2].Status != telemetry.StatusError {
				t.Errorf("publish events %+v", evs)
			}
		})
	}
}

// BenchmarkMemoryBus measures publish and consume throughput on the memory
// bus: one op is one message published and consumed, with its publish and
// consume events recorded. "jsonl" encodes every event as JSON Lines (to
// io.Discard); "discard" drops them, to show what recording costs.
func BenchmarkMemoryBus(b *testing.B) {
	for _, bc := range []struct {
		name string
		rec  func() telemetry.Recorder
	}{
		{"jsonl", func() telemetry.Recorder { return telemetry.NewWriter(io.Discard) }},
		{"discard", func() telemetry.Recorder { return telemetry.Discard }},
	} {
		b.Run(bc.name, func(b *testing.B) { benchmarkMemoryBus(b, bc.rec()) })
	}
}

func benchmarkMemoryBus(b *testing.B, rec telemetry.Recorder) {
	bus := channel.NewMemoryBus()
	defer bus.Close()
	ctx := context.Background()
	var consumed atomic.Int64
	done := make(chan struct{})
	target := int64(b.N)
	_, err := channel.NewSubClient[SkuUpdated](channel.NewService("inventory", bus, channel.WithRecorder(rec)), "sku.updated").
		Subscribe(ctx, func(ctx context.Context, env channel.Envelope[SkuUpdated]) error {
			if consumed.Add(1) == target {
				close(done)
			}
			return nil
		})
	if err != nil {
		b.Fatal(err)
	}
	pub := channel.NewPubClient[SkuUpdated](channel.NewService("catalog", bus, channel.WithRecorder(rec)), "sku.updated")
	tctx, end := channel.StartTrace(ctx, channel.NewService("merchant-api", bus), "UpdateSku", map[string]string{"merchant_id": "4c5d6e7"})
	defer end(nil)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := pub.Publish(tctx, SkuUpdated{Sku: "sku-1"}); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkMemoryBusRequest measures request/reply round trips on the
// memory bus with both sides' events encoded as JSON Lines.
func BenchmarkMemoryBusRequest(b *testing.B) {
	bus := channel.NewMemoryBus()
	defer bus.Close()
	w := telemetry.NewWriter(io.Discard)
	ctx := context.Background()
	srv := channel.NewReqRepServer[UpdateSku, UpdateSkuReply](channel.NewService("catalog", bus, channel.WithRecorder(w)), "catalog.update-sku")
	if _, err := srv.Serve(ctx, func(ctx context.Context, env channel.Envelope[UpdateSku]) (UpdateSkuReply, error) {
		return UpdateSkuReply{Version: 2}, nil
	}); err != nil {
		b.Fatal(err)
	}
	merchantAPI := channel.NewService("merchant-api", bus, channel.WithRecorder(w))
	cli := channel.NewReqRepClient[UpdateSku, UpdateSkuReply](merchantAPI, "catalog.update-sku")
	tctx, end := channel.StartTrace(ctx, merchantAPI, "UpdateSku", map[string]string{"merchant_id": "4c5d6e7"})
	defer end(nil)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := cli.Request(tctx, UpdateSku{MerchantID: "4c5d6e7", Sku: "sku-1"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reqs/s")
}
