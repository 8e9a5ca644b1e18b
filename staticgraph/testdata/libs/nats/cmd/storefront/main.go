// Command storefront shows the catalog, takes orders and reserves stock.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"time"

	"github.com/nats-io/nats.go"

	"example.com/libs/nats/catalog"
)

func main() {
	eventsSubject := flag.String("events-subject", "storefront.events", "subject for storefront analytics events")
	flag.Parse()

	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()

	if _, err := nc.Subscribe(catalog.SubjectSkuUpdated, func(m *nats.Msg) {
		log.Printf("sku updated: %s", m.Data)
	}); err != nil {
		log.Fatal(err)
	}
	prices := make(chan *nats.Msg, 64)
	if _, err := nc.ChanSubscribe(catalog.SubjectPriceChanged, prices); err != nil {
		log.Fatal(err)
	}

	req, err := json.Marshal(catalog.GetSku{Sku: "sku-1"})
	if err != nil {
		log.Fatal(err)
	}
	reply, err := nc.Request(catalog.SubjectGetSku, req, time.Second)
	if err != nil {
		log.Fatal(err)
	}
	var sku catalog.Sku
	if err := json.Unmarshal(reply.Data, &sku); err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	hold, err := json.Marshal(catalog.ReserveStock{Sku: sku.Sku, Qty: 1})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := nc.RequestWithContext(ctx, "inventory.reserve", hold); err != nil {
		log.Fatal(err)
	}

	// The legacy JetStream API.
	js, err := nc.JetStream()
	if err != nil {
		log.Fatal(err)
	}
	order, err := json.Marshal(catalog.OrderCreated{OrderID: "o-1", Sku: sku.Sku, NotifySubject: "session.42"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := js.Publish(catalog.SubjectOrderCreated, order); err != nil {
		log.Fatal(err)
	}

	// The subject is a flag: its default is a candidate, not a certainty.
	if err := nc.Publish(*eventsSubject, []byte(`{"event":"order"}`)); err != nil {
		log.Fatal(err)
	}
	for m := range prices {
		log.Printf("price changed: %s", m.Data)
	}
}
