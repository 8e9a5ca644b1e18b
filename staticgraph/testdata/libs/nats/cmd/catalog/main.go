// Command catalog owns SKUs: it announces changes and answers lookups.
package main

import (
	"encoding/json"
	"log"

	"github.com/nats-io/nats.go"

	"example.com/libs/nats/catalog"
)

type server struct {
	nc *nats.Conn
}

func main() {
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	s := &server{nc: nc}

	// A subscription whose handler responds is the serving side of a
	// request/reply subject.
	if _, err := nc.QueueSubscribe(catalog.SubjectGetSku, "catalog", s.getSku); err != nil {
		log.Fatal(err)
	}
	if err := s.announce(catalog.SkuUpdated{Sku: "sku-1", Name: "Mug"}); err != nil {
		log.Fatal(err)
	}
	if err := s.reprice("sku-1", 1299); err != nil {
		log.Fatal(err)
	}
	select {}
}

func (s *server) getSku(m *nats.Msg) {
	var req catalog.GetSku
	if err := json.Unmarshal(m.Data, &req); err != nil {
		return
	}
	data, err := json.Marshal(catalog.Sku{Sku: req.Sku, Name: "Mug", Cents: 1299})
	if err != nil {
		return
	}
	_ = m.Respond(data)
}

func (s *server) announce(u catalog.SkuUpdated) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.nc.Publish(catalog.SubjectSkuUpdated, data)
}

func (s *server) reprice(sku string, cents int64) error {
	data, err := json.Marshal(catalog.PriceChanged{Sku: sku, Cents: cents})
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: catalog.SubjectPriceChanged, Data: data}
	msg.Header = nats.Header{}
	msg.Header.Set("schema", "PriceChanged")
	return s.nc.PublishMsg(msg)
}
