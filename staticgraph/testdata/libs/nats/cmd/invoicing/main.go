// Command invoicing issues invoices: main wires the NATS adapter into the
// use cases, which reach it only through the domain's port (hexagonal
// layers: the use cases import no messaging library).
package main

import (
	"bytes"
	"context"
	"encoding/gob"
	"log"

	"github.com/nats-io/nats.go"

	"example.com/libs/nats/invoicing/app"
	"example.com/libs/nats/invoicing/domain"
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

	// The audit trail is gob-encoded: the buffer the encoder wrote
	// carries the encoded value's type to the publish.
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(domain.Invoice{ID: "inv-1", Order: "o-1"}); err != nil {
		log.Fatal(err)
	}
	if err := nc.Publish("invoices.audit", buf.Bytes()); err != nil {
		log.Fatal(err)
	}
}
