// Command audit records every order event through a legacy JetStream
// subscription on a wildcard subject.
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
	js, err := nc.JetStream()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := js.Subscribe("orders.*", func(m *nats.Msg) {
		log.Printf("%s: %s", m.Subject, m.Data)
		_ = m.Ack()
	}, nats.Durable("audit"), nats.ManualAck()); err != nil {
		log.Fatal(err)
	}
	select {}
}
