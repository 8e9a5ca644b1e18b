// Command billing invoices customers through the relay producer.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"

	"github.com/segmentio/kafka-go"

	"example.com/libs/kafkago/clicks"
	"example.com/libs/kafkago/relay"
)

// Invoice bills one customer.
type Invoice struct {
	Customer string `json:"customer"`
	Cents    int64  `json:"cents"`
}

// Refund pays a customer back.
type Refund struct {
	Invoice string `json:"invoice"`
}

// Credit is a customer's balance in their favour.
type Credit struct {
	Customer string `json:"customer"`
}

// Audit records what billing did.
type Audit struct {
	What string `json:"what"`
}

func main() {
	ctx := context.Background()
	p := relay.New(clicks.Broker)
	inv, err := json.Marshal(Invoice{Customer: "c-1", Cents: 1200})
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Publish(ctx, kafka.Message{Topic: "billing.invoices", Value: inv}); err != nil {
		log.Fatal(err)
	}

	// Two messages in one call: each topic goes with its own payload.
	refund, _ := json.Marshal(Refund{Invoice: "i-1"})
	credit, _ := json.Marshal(Credit{Customer: "c-1"})
	if err := p.Publish(ctx,
		kafka.Message{Topic: "billing.refunds", Value: refund},
		kafka.Message{Topic: "billing.credits", Value: credit},
	); err != nil {
		log.Fatal(err)
	}

	// Trap: a batch built by append is no literal; its topics are not
	// followed (unresolved).
	audit, _ := json.Marshal(Audit{What: "invoiced"})
	var batch []kafka.Message
	batch = append(batch, kafka.Message{Topic: "billing.audit", Value: audit})
	if err := p.Publish(ctx, batch...); err != nil {
		log.Fatal(err)
	}

	// Through an interface whose one implementation is the relay's.
	d := dunning{pub: p}
	if err := d.remind(ctx, "c-1"); err != nil {
		log.Fatal(err)
	}

	// Trap: through an interface with two implementations, one of which
	// sends nothing: which one runs is not known (unresolved).
	var s relay.Sender = relay.Discard{}
	if len(os.Args) > 1 {
		s = p
	}
	if err := s.Send(ctx, kafka.Message{Topic: "billing.dry-run", Value: inv}); err != nil {
		log.Fatal(err)
	}
	if err := alert(ctx, []byte(`{"kafka":{"topics":{"alerts":"billing.alerts"}}}`), inv); err != nil {
		log.Fatal(err)
	}
}

// billingConfig is the service's config file: topics nested two levels
// down, as config loaders fill them.
type billingConfig struct {
	Kafka kafkaConfig `json:"kafka"`
}

type kafkaConfig struct {
	Topics topicsConfig `json:"topics"`
}

type topicsConfig struct {
	Alerts string `json:"alerts"`
}

// alert publishes to the topic the config file names. Trap: the decoder
// fills it from outside the code (unresolved, the decoder named).
func alert(ctx context.Context, configFile []byte, payload []byte) error {
	var cfg billingConfig
	if err := json.Unmarshal(configFile, &cfg); err != nil {
		return err
	}
	w := &kafka.Writer{Addr: kafka.TCP(clicks.Broker)}
	return w.WriteMessages(ctx, kafka.Message{Topic: cfg.Kafka.Topics.Alerts, Value: payload})
}

// dunning reminds customers who have not paid.
type dunning struct {
	pub relay.Publisher
}

// Reminder asks a customer to pay.
type Reminder struct {
	Customer string `json:"customer"`
}

func (d dunning) remind(ctx context.Context, customer string) error {
	b, err := json.Marshal(Reminder{Customer: customer})
	if err != nil {
		return err
	}
	return d.pub.Publish(ctx, kafka.Message{Topic: "billing.reminders", Value: b})
}
