// Command worker (west) restocks: it announces stock that came back.
// Its module shares its path with the east worker's.
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
	if err := nc.Publish("stock.returned", []byte(`{"sku":"s-1"}`)); err != nil {
		log.Fatal(err)
	}
}
