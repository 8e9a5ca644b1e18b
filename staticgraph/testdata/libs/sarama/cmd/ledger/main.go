// Command ledger books every payment event into the ledger.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/IBM/sarama"

	"example.com/libs/sarama/payments"
)

// booker writes a ledger entry for each payment event it consumes.
type booker struct {
	out sarama.AsyncProducer
}

func (b *booker) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (b *booker) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (b *booker) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		var r payments.Requested
		if err := json.Unmarshal(m.Value, &r); err != nil {
			continue
		}
		entry, err := json.Marshal(payments.LedgerEntry{PaymentID: r.PaymentID, Cents: r.Cents})
		if err != nil {
			return err
		}
		b.out.Input() <- &sarama.ProducerMessage{Topic: payments.TopicLedger, Value: sarama.ByteEncoder(entry)}
		// A send inside a select, which gives up when the session ends.
		select {
		case b.out.Input() <- &sarama.ProducerMessage{Topic: payments.TopicAudit, Value: sarama.StringEncoder(r.PaymentID)}:
		case <-sess.Context().Done():
			return nil
		}
		sess.MarkMessage(m, "")
	}
	return nil
}

func main() {
	cfg := sarama.NewConfig()
	out, err := sarama.NewAsyncProducer(payments.Brokers, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer out.AsyncClose()

	group, err := sarama.NewConsumerGroup(payments.Brokers, "ledger", cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer group.Close()
	topics := []string{payments.TopicRequested, payments.TopicSettled}
	h := &booker{out: out}
	for {
		if err := group.Consume(context.Background(), topics, h); err != nil {
			log.Fatal(err)
		}
	}
}
