// Command server is the billing service: it bills placed orders and
// records reserved stock.
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
	for _, subject := range []string{"orders.placed", "stock.reserved"} {
		if _, err := nc.Subscribe(subject, func(m *nats.Msg) { log.Printf("%s: %s", m.Subject, m.Data) }); err != nil {
			log.Fatal(err)
		}
	}
	select {}
}
