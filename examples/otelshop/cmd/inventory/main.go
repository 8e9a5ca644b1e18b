// Command inventory keeps the units on hand of every SKU: it consumes
// sku.updated from the catalog's JetStream stream with a durable consumer
// and applies each stock change. It exports its spans over OTLP/gRPC.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/examples/otelshop/gen/catalogv1"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/natstrace"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/otelsetup"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/skus"
)

func main() {
	natsURL := flag.String("nats-url", nats.DefaultURL, "NATS server")
	otlp := flag.String("otlp-endpoint", "", "OTLP/gRPC collector host:port (default localhost:4317, or $OTEL_EXPORTER_OTLP_ENDPOINT)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("inventory: ")
	if err := run(*natsURL, *otlp); err != nil {
		log.Fatal(err)
	}
}

func run(natsURL, otlp string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("inventory"))
	flush, err := otelsetup.Start(ctx, otelsetup.GRPC, otlp, res)
	if err != nil {
		return err
	}
	defer flush()

	nc, err := nats.Connect(natsURL, nats.Name("inventory"))
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if err := skus.EnsureStream(ctx, js); err != nil {
		return err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, skus.Stream, jetstream.ConsumerConfig{
		Durable:       "inventory",
		FilterSubject: skus.Updated,
		AckPolicy:     jetstream.AckExplicitPolicy,
	})
	if err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	inv := &inventory{onHand: map[string]int64{}}
	cc, err := cons.Consume(inv.handle)
	if err != nil {
		return err
	}
	log.Printf("ready: consuming %s from stream %s", skus.Updated, skus.Stream)
	<-ctx.Done()
	cc.Drain()
	<-cc.Closed()
	return nil
}

type inventory struct {
	mu     sync.Mutex
	onHand map[string]int64 // by merchant/sku
}

// handle applies one SkuUpdated; a change that would take the stock below
// zero is refused, and its span is an error.
func (inv *inventory) handle(m jetstream.Msg) {
	ctx, span := natstrace.StartProcess(context.Background(), m.Subject(), m.Headers())
	err := inv.apply(ctx, m.Data())
	natstrace.End(span, err)
	if err != nil {
		log.Printf("refused: %v", err)
	}
	if err := m.Ack(); err != nil {
		log.Printf("ack: %v", err)
	}
}

func (inv *inventory) apply(_ context.Context, data []byte) error {
	var ev catalogv1.SkuUpdated
	if err := proto.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	key := ev.GetMerchantId() + "/" + ev.GetSku()
	inv.mu.Lock()
	defer inv.mu.Unlock()
	n := inv.onHand[key] + ev.GetStockDelta()
	if n < 0 {
		return fmt.Errorf("%s v%d: stock would be %d", key, ev.GetVersion(), n)
	}
	inv.onHand[key] = n
	log.Printf("applied %s v%d: %d on hand", key, ev.GetVersion(), n)
	return nil
}
