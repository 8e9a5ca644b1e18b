// Command ledger publishes through values that travel: a subject behind
// a pointer, a naming function kept in a struct field, and a value
// receiver called through a pointer.
package main

import (
	"log"

	"github.com/nats-io/nats.go"

	"example.com/libs/travel/relay"
)

func main() {
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	subject := "ledger.entries"
	if err := relay.PublishTo(nc, &subject, []byte("e1")); err != nil {
		log.Print(err)
	}

	topics := relay.Topics{Name: func(kind string) string { return "ledger." + kind }}
	if err := nc.Publish(topics.Name("closed"), []byte("c")); err != nil { // ev:ledger-closure
		log.Print(err)
	}

	s := &relay.Sender{NC: nc, Prefix: "ledger.audit"}
	if err := s.Send("opened", []byte("o")); err != nil {
		log.Print(err)
	}
}
