// Command west relays to west.events: the same Relay type as east, with
// its own subject, which is not east's.
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
	r := &relay.Relay{NC: nc, Subject: "west.events"}
	if err := r.Forward([]byte("hi")); err != nil {
		log.Print(err)
	}
}
