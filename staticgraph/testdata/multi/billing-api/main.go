// Command billing-api is a stock auditor whose directory happens to have
// the name the billing service gives itself in its OpenTelemetry
// resource: the two must stay two services.
package main

import (
	"log"

	"github.com/nats-io/nats.go"
)

func main() {
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish("stock.reserved", []byte(`{"audit":true}`)); err != nil {
		log.Fatal(err)
	}
}
