// Command server is the billing service: it bills placed orders and
// records reserved stock. It names itself in its OpenTelemetry resource.
package main

import (
	"context"
	"log"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

const serviceName = "billing-api"

func newResource(ctx context.Context) (*resource.Resource, error) {
	return resource.New(ctx, resource.WithAttributes(semconv.ServiceName(serviceName)))
}

func main() {
	if _, err := newResource(context.Background()); err != nil {
		log.Fatal(err)
	}
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	for _, subject := range []string{"orders.placed", "stock.reserved"} {
		if _, err := nc.Subscribe(subject, func(m *nats.Msg) { log.Printf("%s: %s", m.Subject, m.Data) }); err != nil {
			log.Fatal(err)
		}
	}
	select {}
}
