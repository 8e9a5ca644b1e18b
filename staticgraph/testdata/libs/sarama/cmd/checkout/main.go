// Command checkout asks for payments and learns how they settled.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/IBM/sarama"

	"example.com/libs/sarama/payments"
)

type settledHandler struct{}

func (settledHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (settledHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (settledHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		var s payments.Settled
		if err := json.Unmarshal(m.Value, &s); err == nil {
			log.Printf("payment %s settled: %v", s.PaymentID, s.OK)
		}
		sess.MarkMessage(m, "")
	}
	return nil
}

func main() {
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true
	producer, err := sarama.NewSyncProducer(payments.Brokers, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()
	sendWarmup(producer)
	payload, err := json.Marshal(payments.Requested{PaymentID: "p-1", Cents: 4200, CallbackTopic: "checkout.callbacks"})
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := producer.SendMessage(&sarama.ProducerMessage{
		Topic: payments.TopicRequested,
		Key:   sarama.StringEncoder("p-1"),
		Value: sarama.ByteEncoder(payload),
	}); err != nil {
		log.Fatal(err)
	}

	group, err := sarama.NewConsumerGroup(payments.Brokers, "checkout", cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer group.Close()
	for {
		if err := group.Consume(context.Background(), []string{payments.TopicSettled}, settledHandler{}); err != nil {
			log.Fatal(err)
		}
	}
}
