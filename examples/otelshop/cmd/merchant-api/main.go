// Command merchant-api is the merchants' HTTP API: PUT
// /merchants/{merchant}/skus/{sku} asks the catalog to store the change,
// over gRPC (catalog.v1.Catalog/UpdateSku). It exports its spans over
// OTLP/HTTP.
//
// Built with -tags debugtap it also runs the debug tap (debugtap.go).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/tracegraph/tracegraph/examples/otelshop/gen/catalogv1"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/otelsetup"
)

// debugTap, when a build sets it (debugtap.go), runs beside the API until
// ctx ends.
var debugTap func(ctx context.Context) (stop func(), err error)

func main() {
	listen := flag.String("listen", ":8080", "HTTP address to serve on")
	catalogAddr := flag.String("catalog", "catalog:9090", "the catalog's gRPC address")
	otlp := flag.String("otlp-endpoint", "", "OTLP/HTTP collector host:port (default localhost:4318, or $OTEL_EXPORTER_OTLP_ENDPOINT)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("merchant-api: ")
	if err := run(*listen, *catalogAddr, *otlp); err != nil {
		log.Fatal(err)
	}
}

func run(listen, catalogAddr, otlp string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("merchant-api"))
	flush, err := otelsetup.Start(ctx, otelsetup.HTTP, otlp, res)
	if err != nil {
		return err
	}
	defer flush()

	conn, err := grpc.NewClient(catalogAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	defer conn.Close()
	api := &api{catalog: catalogv1.NewCatalogClient(conn)}

	if debugTap != nil {
		stopTap, err := debugTap(ctx)
		if err != nil {
			return fmt.Errorf("debug tap: %w", err)
		}
		defer stopTap()
	}

	mux := http.NewServeMux()
	mux.HandleFunc("PUT /merchants/{merchant}/skus/{sku}", api.updateSku)
	srv := &http.Server{Handler: otelhttp.NewHandler(mux, "merchant-api")}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Printf("ready: HTTP on %s", ln.Addr())
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

type api struct {
	catalog catalogv1.CatalogClient
}

// SkuChange is the body of PUT /merchants/{merchant}/skus/{sku}.
type SkuChange struct {
	Title      string `json:"title"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	StockDelta int64  `json:"stock_delta"`
}

func (a *api) updateSku(w http.ResponseWriter, r *http.Request) {
	var c SkuChange
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
		return
	}
	reply, err := a.catalog.UpdateSku(r.Context(), &catalogv1.UpdateSkuRequest{
		MerchantId: r.PathValue("merchant"), Sku: r.PathValue("sku"),
		Title: c.Title, PriceCents: c.PriceCents, Currency: c.Currency, StockDelta: c.StockDelta,
	})
	if err != nil {
		http.Error(w, "catalog: "+status.Convert(err).Message(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"sku": reply.GetSku(), "version": reply.GetVersion()})
}
