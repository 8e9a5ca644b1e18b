// Command worker (west) restocks: it announces stock that came back.
// Its module shares its path with the east worker's. Its OpenTelemetry
// service name comes from the environment, with a default.
package main

import (
	"log"
	"os"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

func main() {
	name := os.Getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = "restocker"
	}
	_ = resource.NewWithAttributes("", attribute.String("service.name", name))
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish("stock.returned", []byte(`{"sku":"s-1"}`)); err != nil {
		log.Fatal(err)
	}
}
