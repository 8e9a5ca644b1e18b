package channel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/telemetry"
)

// TestHandlerPanic: a panicking handler fails its hop and is recorded as an
// error event; the subscription goes on with the next message.
func TestHandlerPanic(t *testing.T) {
	forEachBus(t, func(t *testing.T, bus channel.Bus, prefix string) {
		ctx := context.Background()
		ch := prefix + "panic.ping"
		rec := newRecorder()
		c := newCounter()
		sub, err := channel.NewSubClient[Ping](channel.NewService("fragile", bus, channel.WithRecorder(rec)), ch).
			Subscribe(ctx, func(ctx context.Context, env channel.Envelope[Ping]) error {
				if env.Payload.N == 1 {
					panic("nil stock record")
				}
				c.add("fragile", env.Payload.N)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		flush(t, bus)
		pub := channel.NewPubClient[Ping](channel.NewService("catalog", bus), ch)
		for i := 1; i <= 2; i++ {
			if err := pub.Publish(ctx, Ping{N: i}); err != nil {
				t.Fatal(err)
			}
		}
		c.wait(t, 1)
		consumes := rec.waitFor(t, "fragile", telemetry.TypeConsume, 2)
		errs := rec.waitFor(t, "fragile", telemetry.TypeError, 1)
		if consumes[0].Status != telemetry.StatusError || consumes[0].Error != "handler panicked: nil stock record" {
			t.Errorf("consume of the panicking message: %+v", consumes[0])
		}
		if consumes[1].Status != telemetry.StatusOK {
			t.Errorf("consume after the panic: %+v", consumes[1])
		}
		e := errs[0]
		if !strings.Contains(e.Error, "nil stock record") || !strings.Contains(e.Error, "goroutine") ||
			e.MessageID != consumes[0].MessageID || e.PeerService != "catalog" {
			t.Errorf("error event %+v", e)
		}
	})
}

// TestServeDecodeError: a request the server cannot decode is an error
// event on the server and a RemoteError for the requester.
func TestServeDecodeError(t *testing.T) {
	bus := channel.NewMemoryBus()
	defer bus.Close()
	rec := newRecorder()
	srv := channel.NewReqRepServer[Ping, Pong](channel.NewService("fx", bus, channel.WithRecorder(rec), channel.WithCodec(gobCodec{})), "fx.rates")
	sub, err := srv.Serve(context.Background(), func(ctx context.Context, env channel.Envelope[Ping]) (Pong, error) {
		t.Error("handler called with an undecodable request")
		return Pong{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	cli := channel.NewReqRepClient[Ping, Pong](channel.NewService("pricing", bus, channel.WithRecorder(rec)), "fx.rates")
	_, err = cli.Request(context.Background(), Ping{N: 1})
	var re *channel.RemoteError
	if !errors.As(err, &re) || re.Service != "fx" || !strings.Contains(err.Error(), "decode with gob") {
		t.Fatalf("Request error %v", err)
	}
	if ev := rec.waitFor(t, "fx", telemetry.TypeError, 1)[0]; ev.PeerService != "pricing" {
		t.Errorf("error event %+v", ev)
	}
	if n := len(rec.find("fx", telemetry.TypeServe)); n != 0 {
		t.Errorf("%d serve events for an undecodable request", n)
	}
}

// TestDeterministic: with WithIDs and WithClock every id, timestamp and
// latency comes from the caller, so a simulation is reproducible.
func TestDeterministic(t *testing.T) {
	var n atomic.Int64
	ids := func() string { return fmt.Sprintf("id-%d", n.Add(1)) }
	base := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	var ticks atomic.Int64
	clock := func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
	rec := newRecorder()
	svc := channel.NewService("merchant-api", channel.NewMemoryBus(), channel.WithRecorder(rec), channel.WithIDs(ids), channel.WithClock(clock))

	ctx, end := channel.StartTrace(context.Background(), svc, "UpdateSku", map[string]string{"merchant_id": "4c5d6e7"})
	h := svc.NewHeader(ctx, "example.com/shop.Thing")
	err := errors.New("catalog unavailable")
	end(&err)
	end(nil) // a second call records nothing

	want := channel.Header{
		HeaderVersion: channel.HeaderVersion, CorrelationIDs: []string{"id-3"}, MessageID: "id-3",
		ProducerID: "merchant-api", PayloadSchemaURI: "example.com/shop.Thing",
		TicksFromEpoch: base.Add(3 * time.Millisecond).UnixMicro(),
		PTags:          map[string]string{"merchant_id": "4c5d6e7"}, TraceID: "id-1",
	}
	if fmt.Sprint(h) != fmt.Sprint(want) {
		t.Errorf("header\n got %+v\nwant %+v", h, want)
	}
	evs := rec.all()
	if len(evs) != 2 {
		t.Fatalf("events: %+v", evs)
	}
	start, complete := evs[0], evs[1]
	if start.EventType != telemetry.TypeStart || start.EventID != "id-2" || start.TraceID != "id-1" ||
		!start.Timestamp.Equal(base.Add(time.Millisecond)) || start.Status != telemetry.StatusOK {
		t.Errorf("start %+v", start)
	}
	// The clock ticked at the start (1 ms), the start event's end (2 ms),
	// the header (3 ms) and the complete event's end (4 ms).
	if complete.EventType != telemetry.TypeComplete || complete.EventID != "id-4" || complete.DurationUS != 3000 ||
		complete.Status != telemetry.StatusError || complete.Error != "catalog unavailable" ||
		complete.Tags["merchant_id"] != "4c5d6e7" || complete.Operation != "UpdateSku" {
		t.Errorf("complete %+v", complete)
	}
}

// TestNewHeader covers the header a message gets in each kind of ctx.
func TestNewHeader(t *testing.T) {
	svc := channel.NewService("catalog", channel.NewMemoryBus())
	inbound := channel.Header{MessageID: "m-41", TraceID: "t-1", CorrelationIDs: []string{"c-1"},
		PTags: map[string]string{"merchant_id": "4c5d6e7"}, MTags: map[string]string{"sku": "s-1"}, ProducerID: "merchant-api"}
	traced, _ := channel.StartTrace(context.Background(), svc, "Reindex", map[string]string{"batch": "7"})

	tests := []struct {
		name        string
		ctx         context.Context
		wantTrace   string // "" for a fresh one
		wantParents []string
		wantCorr    func(h channel.Header) []string
		wantPTags   map[string]string
		wantMTags   map[string]string
	}{
		{
			name:     "origin",
			ctx:      context.Background(),
			wantCorr: func(h channel.Header) []string { return []string{h.MessageID} },
		},
		{
			name:      "StartTrace",
			ctx:       traced,
			wantTrace: mustTrace(traced).TraceID,
			wantCorr:  func(h channel.Header) []string { return []string{h.MessageID} },
			wantPTags: map[string]string{"batch": "7"},
		},
		{
			name:        "handler",
			ctx:         channel.ContextWithInbound(context.Background(), inbound),
			wantTrace:   "t-1",
			wantParents: []string{"m-41"},
			wantCorr:    func(channel.Header) []string { return []string{"c-1"} },
			wantPTags:   map[string]string{"merchant_id": "4c5d6e7"},
		},
		{
			name: "handler, with additions",
			ctx: channel.ContextWithMessageTags(channel.ContextWithCorrelationIDs(
				channel.ContextWithInbound(context.Background(), inbound), "c-2", "c-1"), map[string]string{"attempt": "2"}),
			wantTrace:   "t-1",
			wantParents: []string{"m-41"},
			wantCorr:    func(channel.Header) []string { return []string{"c-1", "c-2"} },
			wantPTags:   map[string]string{"merchant_id": "4c5d6e7"},
			wantMTags:   map[string]string{"attempt": "2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := svc.NewHeader(tt.ctx, "example.com/shop.Thing")
			if h.MessageID == "" || h.MessageID == "m-41" || h.ProducerID != "catalog" || h.TraceID == "" ||
				(tt.wantTrace != "" && h.TraceID != tt.wantTrace) || (tt.wantTrace == "" && h.TraceID == "t-1") {
				t.Errorf("ids: %+v", h)
			}
			if !slices.Equal(h.ParentIDs, tt.wantParents) || !slices.Equal(h.CorrelationIDs, tt.wantCorr(h)) ||
				fmt.Sprint(h.PTags) != fmt.Sprint(tt.wantPTags) || fmt.Sprint(h.MTags) != fmt.Sprint(tt.wantMTags) {
				t.Errorf("header %+v", h)
			}
		})
	}
}

func mustTrace(ctx context.Context) channel.TraceContext {
	tc, _ := channel.TraceFrom(ctx)
	return tc
}

// TestContextScope: what a ctx says about its trace and inbound header.
func TestContextScope(t *testing.T) {
	rec := newRecorder()
	svc := channel.NewService("search-indexer", channel.NewMemoryBus(), channel.WithRecorder(rec))
	inbound := channel.Header{MessageID: "m-41", TraceID: "t-1", PTags: map[string]string{"merchant_id": "4c5d6e7"}}
	handler := channel.ContextWithInbound(channel.ContextWithOperation(context.Background(), "IndexSkus"), inbound)
	restarted, _ := channel.StartTrace(handler, svc, "Reindex", nil)

	tests := []struct {
		name       string
		ctx        context.Context
		wantHeader bool
		wantTrace  string
		wantOp     string
	}{
		{name: "background", ctx: context.Background()},
		{name: "handler", ctx: handler, wantHeader: true, wantTrace: "t-1", wantOp: "IndexSkus"},
		{name: "operation changed in a handler", ctx: channel.ContextWithOperation(handler, "Reindex"), wantHeader: true, wantTrace: "t-1", wantOp: "Reindex"},
		{name: "StartTrace in a handler hides the inbound header", ctx: restarted, wantTrace: mustTrace(restarted).TraceID, wantOp: "Reindex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := channel.HeaderFrom(tt.ctx)
			if ok != tt.wantHeader || (ok && h.MessageID != "m-41") {
				t.Errorf("HeaderFrom = %+v, %v", h, ok)
			}
			tc, ok := channel.TraceFrom(tt.ctx)
			if ok != (tt.wantTrace != "") || tc.TraceID != tt.wantTrace || tc.Op != tt.wantOp || tc.TraceID == "t-1" && tc.Tags["merchant_id"] != "4c5d6e7" {
				t.Errorf("TraceFrom = %+v, %v", tc, ok)
			}
		})
	}
	if tc := mustTrace(restarted); tc.TraceID == "t-1" || tc.TraceID == "" {
		t.Errorf("StartTrace in a handler kept the inbound trace: %+v", tc)
	}
	// An event recorded under a changed operation carries it.
	pubCtx := channel.ContextWithOperation(handler, "Reindex")
	if err := channel.NewPubClient[Ping](svc, "search.reindexed").Publish(pubCtx, Ping{}); err != nil {
		t.Fatal(err)
	}
	if e := rec.find("search-indexer", telemetry.TypePublish)[0]; e.Operation != "Reindex" || e.TraceID != "t-1" || !slices.Equal(e.ParentIDs, []string{"m-41"}) {
		t.Errorf("publish event %+v", e)
	}
}
