// Command east relays to east.events.
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
	r := &relay.Relay{NC: nc, Subject: "east.events"}
	if err := r.Forward([]byte("hi")); err != nil {
		log.Print(err)
	}
}
