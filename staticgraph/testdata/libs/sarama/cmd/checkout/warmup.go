package main

import (
	"encoding/json"
	"log"

	"github.com/IBM/sarama"

	"example.com/libs/sarama/payments"
)

// sendWarmup sends two messages to two topics in one SendMessages call:
// each element of the slice is an endpoint with its own topic and type.
func sendWarmup(p sarama.SyncProducer) {
	req, err := json.Marshal(payments.Requested{PaymentID: "warmup"})
	if err != nil {
		log.Fatal(err)
	}
	alert, err := json.Marshal(payments.FraudAlert{PaymentID: "warmup"})
	if err != nil {
		log.Fatal(err)
	}
	if err := p.SendMessages([]*sarama.ProducerMessage{
		{Topic: "checkout.warmup", Value: sarama.ByteEncoder(req)},
		{Topic: "checkout.audit", Value: sarama.ByteEncoder(alert)},
	}); err != nil {
		log.Print(err)
	}
}
