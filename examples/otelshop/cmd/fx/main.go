// Command fx serves exchange rates over HTTP, GET /rates/{currency}: the
// price of one unit of the currency in each other. It exports its spans
// over OTLP/HTTP.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/tracegraph/tracegraph/examples/otelshop/internal/otelsetup"
)

func main() {
	listen := flag.String("listen", ":8080", "HTTP address to serve on")
	otlp := flag.String("otlp-endpoint", "", "OTLP/HTTP collector host:port (default localhost:4318, or $OTEL_EXPORTER_OTLP_ENDPOINT)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("fx: ")
	if err := run(*listen, *otlp); err != nil {
		log.Fatal(err)
	}
}

// Rates is the body of GET /rates/{currency}.
type Rates struct {
	Base  string             `json:"base"`
	Rates map[string]float64 `json:"rates"`
}

// perEUR is what one euro buys.
var perEUR = map[string]float64{"EUR": 1, "USD": 1.08, "GBP": 0.85, "CHF": 0.94}

func run(listen, otlp string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("fx"))
	flush, err := otelsetup.Start(ctx, otelsetup.HTTP, otlp, res)
	if err != nil {
		return err
	}
	defer flush()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /rates/{currency}", rates)
	srv := &http.Server{Handler: otelhttp.NewHandler(mux, "fx")}
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

func rates(w http.ResponseWriter, r *http.Request) {
	base := r.PathValue("currency")
	per, ok := perEUR[base]
	if !ok {
		http.Error(w, "unknown currency "+base, http.StatusNotFound)
		return
	}
	out := Rates{Base: base, Rates: map[string]float64{}}
	for c, v := range perEUR {
		if c != base {
			out.Rates[c] = v / per
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
