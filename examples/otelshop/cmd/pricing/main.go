// Command pricing quotes every SKU in every marketplace currency: it
// subscribes to sku.updated on core NATS (a queue group, beside the
// inventory's JetStream consumer) and asks fx for the rates of the SKU's
// currency over HTTP. It exports its spans over OTLP/HTTP.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/examples/otelshop/gen/catalogv1"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/natstrace"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/otelsetup"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/resolve"
	"github.com/tracegraph/tracegraph/examples/otelshop/internal/skus"
)

// fx is where the fx service answers, by the name it runs under.
const fx = "http://fx:8080"

func main() {
	natsURL := flag.String("nats-url", nats.DefaultURL, "NATS server")
	otlp := flag.String("otlp-endpoint", "", "OTLP/HTTP collector host:port (default localhost:4318, or $OTEL_EXPORTER_OTLP_ENDPOINT)")
	hosts := resolve.Map{}
	flag.Var(hosts, "resolve", "host:port=address: dial address for host:port (repeatable), e.g. fx:8080=127.0.0.1:8081")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("pricing: ")
	if err := run(*natsURL, *otlp, hosts); err != nil {
		log.Fatal(err)
	}
}

func run(natsURL, otlp string, hosts resolve.Map) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("pricing"))
	flush, err := otelsetup.Start(ctx, otelsetup.HTTP, otlp, res)
	if err != nil {
		return err
	}
	defer flush()

	nc, err := nats.Connect(natsURL, nats.Name("pricing"))
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	defer nc.Close()
	p := &pricing{http: &http.Client{Transport: otelhttp.NewTransport(hosts.Transport())}}
	sub, err := nc.QueueSubscribe(skus.Updated, "pricing", p.handle)
	if err != nil {
		return err
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	log.Printf("ready: subscribed to %s", skus.Updated)
	<-ctx.Done()
	return sub.Drain()
}

type pricing struct {
	http *http.Client
}

func (p *pricing) handle(m *nats.Msg) {
	ctx, span := natstrace.StartProcess(context.Background(), m.Subject, m.Header)
	err := p.quote(ctx, m.Data)
	natstrace.End(span, err)
	if err != nil {
		log.Printf("not quoted: %v", err)
	}
}

// quote prices the SKU in every currency fx knows.
func (p *pricing) quote(ctx context.Context, data []byte) error {
	var ev catalogv1.SkuUpdated
	if err := proto.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	rates, err := p.rates(ctx, ev.GetCurrency())
	if err != nil {
		return fmt.Errorf("%s/%s v%d: %w", ev.GetMerchantId(), ev.GetSku(), ev.GetVersion(), err)
	}
	prices := map[string]int64{ev.GetCurrency(): ev.GetPriceCents()}
	for c, r := range rates {
		prices[c] = int64(float64(ev.GetPriceCents())*r + 0.5)
	}
	log.Printf("priced %s/%s v%d: %v", ev.GetMerchantId(), ev.GetSku(), ev.GetVersion(), prices)
	return nil
}

// rates asks fx what one unit of currency buys.
func (p *pricing) rates(ctx context.Context, currency string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fx+"/rates/"+url.PathEscape(currency), nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fx: %s", resp.Status)
	}
	var body struct {
		Rates map[string]float64 `json:"rates"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("fx: %w", err)
	}
	return body.Rates, nil
}
