// Command catalog is the system of record for SKUs: it serves
// catalog.v1.Catalog/UpdateSku over gRPC and announces each change as a
// catalogv1.SkuUpdated on the NATS subject sku.updated, through JetStream.
// It exports its spans over OTLP/gRPC.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/examples/otelshop/gen/catalogv1"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/natstrace"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/otelsetup"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/skus"
)

func main() {
	listen := flag.String("listen", ":9090", "gRPC address to serve on")
	natsURL := flag.String("nats-url", nats.DefaultURL, "NATS server")
	otlp := flag.String("otlp-endpoint", "", "OTLP/gRPC collector host:port (default localhost:4317, or $OTEL_EXPORTER_OTLP_ENDPOINT)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("catalog: ")
	if err := run(*listen, *natsURL, *otlp); err != nil {
		log.Fatal(err)
	}
}

func run(listen, natsURL, otlp string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("catalog"))
	flush, err := otelsetup.Start(ctx, otelsetup.GRPC, otlp, res)
	if err != nil {
		return err
	}
	defer flush()

	nc, err := nats.Connect(natsURL, nats.Name("catalog"))
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

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	s := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler()))
	catalogv1.RegisterCatalogServer(s, &catalog{js: js, versions: map[string]int64{}})
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	log.Printf("ready: gRPC on %s", ln.Addr())

	select {
	case <-ctx.Done():
		s.GracefulStop()
		return nil
	case err := <-served:
		return err
	}
}

// catalog implements catalogv1.CatalogServer.
type catalog struct {
	catalogv1.UnimplementedCatalogServer
	js jetstream.JetStream

	mu       sync.Mutex
	versions map[string]int64 // by merchant/sku
}

// UpdateSku stores the change (here: bumps the SKU's version) and
// publishes it on sku.updated.
func (c *catalog) UpdateSku(ctx context.Context, req *catalogv1.UpdateSkuRequest) (*catalogv1.UpdateSkuReply, error) {
	if req.GetMerchantId() == "" || req.GetSku() == "" {
		return nil, status.Error(codes.InvalidArgument, "merchant_id and sku are required")
	}
	c.mu.Lock()
	key := req.GetMerchantId() + "/" + req.GetSku()
	c.versions[key]++
	version := c.versions[key]
	c.mu.Unlock()

	ev := &catalogv1.SkuUpdated{
		MerchantId: req.GetMerchantId(), Sku: req.GetSku(), Version: version,
		Title: req.GetTitle(), PriceCents: req.GetPriceCents(), Currency: req.GetCurrency(), StockDelta: req.GetStockDelta(),
	}
	if err := c.publish(ctx, ev); err != nil {
		return nil, status.Errorf(codes.Unavailable, "announce %s: %v", key, err)
	}
	log.Printf("updated %s v%d", key, version)
	return &catalogv1.UpdateSkuReply{Sku: req.GetSku(), Version: version}, nil
}

func (c *catalog) publish(ctx context.Context, ev *catalogv1.SkuUpdated) (err error) {
	data, err := proto.Marshal(ev)
	if err != nil {
		return err
	}
	ctx, span, h := natstrace.StartPublish(ctx, skus.Updated, ev)
	defer func() { natstrace.End(span, err) }()
	_, err = c.js.PublishMsg(ctx, &nats.Msg{Subject: skus.Updated, Data: data, Header: h})
	return err
}
