package natsbus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/channel/natsbus"
	"github.com/tracegraph/tracegraph/telemetry"
)

// natsURL is the server the tests use.
func natsURL() string {
	if u := os.Getenv("TRACEGRAPH_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// TestMain skips the examples, which need the server, when it is not
// there; the tests skip themselves.
func TestMain(m *testing.M) {
	flag.Parse()
	nc, err := nats.Connect(natsURL(), nats.Timeout(2*time.Second))
	if err != nil {
		fmt.Fprintf(os.Stderr, "natsbus: NATS at %s unreachable (set TRACEGRAPH_TEST_NATS_URL); skipping its tests and examples: %v\n", natsURL(), err)
		_ = flag.Set("test.skip", "^Example")
	} else {
		nc.Close()
	}
	os.Exit(m.Run())
}

func connect(t *testing.T) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(natsURL(), nats.Timeout(2*time.Second))
	if err != nil {
		t.Skipf("NATS at %s unreachable (set TRACEGRAPH_TEST_NATS_URL): %v", natsURL(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// subject is unique to the test run, so runs sharing a server never meet.
func subject(name string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "tgtest." + hex.EncodeToString(b[:]) + "." + name
}

type Ping struct{ N int }

type Pong struct{ N int }

// recorder passes events to a channel.
type recorder chan telemetry.Event

func (r recorder) Record(_ context.Context, e telemetry.Event) { r <- e }

func next(t *testing.T, r recorder) telemetry.Event {
	t.Helper()
	select {
	case e := <-r:
		return e
	case <-time.After(20 * time.Second): // only keeps a broken test from hanging
		t.Fatal("no event")
		return telemetry.Event{}
	}
}

// TestHeaderOnTheWire: the header travels as JSON under HeaderKey and the
// payload is the codec's bytes, as any NATS client sees them.
func TestHeaderOnTheWire(t *testing.T) {
	nc := connect(t)
	subj := subject("wire")
	raw, err := nc.SubscribeSync(subj)
	if err != nil {
		t.Fatal(err)
	}
	svc := channel.NewService("catalog", natsbus.New(nc))
	ctx, end := channel.StartTrace(context.Background(), svc, "UpdateSku", map[string]string{"merchant_id": "4c5d6e7"})
	defer end(nil)
	if err := channel.NewPubClient[Ping](svc, subj).Publish(ctx, Ping{N: 7}); err != nil {
		t.Fatal(err)
	}
	m, err := raw.NextMsg(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != `{"N":7}` {
		t.Errorf("payload %q", m.Data)
	}
	var h channel.Header
	if err := json.Unmarshal([]byte(m.Header.Get(natsbus.HeaderKey)), &h); err != nil {
		t.Fatalf("header %q: %v", m.Header.Get(natsbus.HeaderKey), err)
	}
	tc, _ := channel.TraceFrom(ctx)
	if h.ProducerID != "catalog" || h.TraceID != tc.TraceID || h.PTags["merchant_id"] != "4c5d6e7" ||
		h.PayloadSchemaURI != "github.com/tracegraph/tracegraph/channel/natsbus_test.Ping" || h.HeaderVersion != channel.HeaderVersion {
		t.Errorf("header on the wire %+v", h)
	}
}

// TestForeignMessage: a message from a client that sends no header is
// handled, in a trace of its own, with no peer.
func TestForeignMessage(t *testing.T) {
	nc := connect(t)
	subj := subject("foreign")
	rec := make(recorder, 10)
	got := make(chan channel.Envelope[Ping], 1)
	sub, err := channel.NewSubClient[Ping](channel.NewService("inventory", natsbus.New(nc), channel.WithRecorder(rec)), subj).
		Subscribe(context.Background(), func(ctx context.Context, env channel.Envelope[Ping]) error {
			got <- env
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := nc.Publish(subj, []byte(`{"N":3}`)); err != nil {
		t.Fatal(err)
	}
	env := <-got
	e := next(t, rec)
	if env.Payload.N != 3 || env.Header.TraceID == "" || env.Header.MessageID == "" || env.Header.ProducerID != "" {
		t.Errorf("envelope %+v", env)
	}
	if e.EventType != telemetry.TypeConsume || e.TraceID != env.Header.TraceID || e.PeerService != "" || e.System != "nats" {
		t.Errorf("event %+v", e)
	}
}

// TestServeReply: a plain NATS request to a channel server gets the
// server's header with the reply, and its handler error beside it.
func TestServeReply(t *testing.T) {
	nc := connect(t)
	subj := subject("fx.rates")
	srv := channel.NewReqRepServer[Ping, Pong](channel.NewService("fx", natsbus.New(nc)), subj)
	sub, err := srv.Serve(context.Background(), func(ctx context.Context, env channel.Envelope[Ping]) (Pong, error) {
		if env.Payload.N < 0 {
			return Pong{}, fmt.Errorf("no rate for %d", env.Payload.N)
		}
		return Pong{N: env.Payload.N + 1}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	tests := []struct {
		req, wantData, wantErr string
	}{
		{req: `{"N":1}`, wantData: `{"N":2}`},
		{req: `{"N":-1}`, wantErr: "no rate for -1"},
	}
	for _, tt := range tests {
		rep, err := nc.Request(subj, []byte(tt.req), 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var h channel.Header
		if err := json.Unmarshal([]byte(rep.Header.Get(natsbus.HeaderKey)), &h); err != nil || h.ProducerID != "fx" {
			t.Errorf("reply header %q: %v", rep.Header.Get(natsbus.HeaderKey), err)
		}
		if h.PayloadSchemaURI != channel.MessageTypeOf[Pong]() || len(h.ParentIDs) != 1 {
			t.Errorf("reply header %+v", h)
		}
		if string(rep.Data) != tt.wantData || rep.Header.Get(natsbus.ErrorKey) != tt.wantErr {
			t.Errorf("request %s: reply %q error %q", tt.req, rep.Data, rep.Header.Get(natsbus.ErrorKey))
		}
	}
}

// TestErrorsNameServer: a transport error says which server and subject.
func TestErrorsNameServer(t *testing.T) {
	nc := connect(t)
	svc := channel.NewService("catalog", natsbus.New(nc))
	_, err := channel.NewSubClient[Ping](svc, "not a subject").Subscribe(context.Background(), func(context.Context, channel.Envelope[Ping]) error { return nil })
	if err == nil || !strings.Contains(err.Error(), nc.ConnectedUrlRedacted()) || !strings.Contains(err.Error(), "not a subject") {
		t.Errorf("subscribe to a bad subject: %v", err)
	}
	nc.Close()
	err = channel.NewPubClient[Ping](svc, subject("closed")).Publish(context.Background(), Ping{})
	if err == nil || !strings.Contains(err.Error(), "(disconnected)") || !strings.Contains(err.Error(), "connection closed") {
		t.Errorf("publish on a closed connection: %v", err)
	}
}

// TestQueueGroupAcrossConnections: replicas of a service in separate
// processes (here, connections) share its queue group; another service
// gets every message.
func TestQueueGroupAcrossConnections(t *testing.T) {
	subj := subject("sku.updated")
	type delivery struct {
		who string
		n   int
	}
	got := make(chan delivery, 300)
	for _, who := range []string{"inventory", "inventory", "search-indexer"} {
		nc := connect(t)
		sub, err := channel.NewSubClient[Ping](channel.NewService(who, natsbus.New(nc)), subj).
			Subscribe(context.Background(), func(ctx context.Context, env channel.Envelope[Ping]) error {
				got <- delivery{who, env.Payload.N}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	pub := channel.NewPubClient[Ping](channel.NewService("catalog", natsbus.New(connect(t))), subj)
	const n = 100
	for i := range n {
		if err := pub.Publish(context.Background(), Ping{N: i}); err != nil {
			t.Fatal(err)
		}
	}
	count := map[delivery]int{}
	for range 2 * n {
		select {
		case d := <-got:
			count[d]++
		case <-time.After(20 * time.Second): // only keeps a broken test from hanging
			t.Fatalf("%d deliveries", len(count))
		}
	}
	for i := range n {
		if count[delivery{"inventory", i}] != 1 || count[delivery{"search-indexer", i}] != 1 {
			t.Errorf("message %d: inventory got it %d times, search-indexer %d", i, count[delivery{"inventory", i}], count[delivery{"search-indexer", i}])
		}
	}
}
