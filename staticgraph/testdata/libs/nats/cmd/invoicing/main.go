// Command invoicing issues invoices: main wires the NATS adapter into the
// use cases, which reach it only through the domain's port (hexagonal
// layers: the use cases import no messaging library).
package main

import (
	"context"
	"log"

	"github.com/nats-io/nats.go"

	"example.com/libs/nats/invoicing/app"
	"example.com/libs/nats/invoicing/natsnotify"
)

func main() {
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	svc := app.New(natsnotify.New(nc))
	if err := svc.Issue(context.Background(), 1); err != nil {
		log.Fatal(err)
	}
}
