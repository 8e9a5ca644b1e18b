// Command psp talks to the card network: it settles requested payments and
// raises fraud alerts.
package main

import (
	"encoding/json"
	"log"
	"os"

	"github.com/IBM/sarama"

	"example.com/libs/sarama/payments"
)

func main() {
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true
	producer, err := sarama.NewSyncProducer(payments.Brokers, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()

	consumer, err := sarama.NewConsumer(payments.Brokers, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(payments.TopicRequested, 0, sarama.OffsetNewest)
	if err != nil {
		log.Fatal(err)
	}
	defer pc.Close()

	// Deployment configuration with a visible default.
	fraudTopic, ok := os.LookupEnv("PSP_FRAUD_TOPIC")
	if !ok {
		fraudTopic = "fraud.alerts"
	}

	for m := range pc.Messages() {
		var r payments.Requested
		if err := json.Unmarshal(m.Value, &r); err != nil {
			continue
		}
		if err := settle(producer, r); err != nil {
			log.Print(err)
		}
		if r.Cents > 1_000_000 {
			alert, err := json.Marshal(payments.FraudAlert{PaymentID: r.PaymentID})
			if err != nil {
				continue
			}
			if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: fraudTopic, Value: sarama.ByteEncoder(alert)}); err != nil {
				log.Print(err)
			}
		}
	}
}

// settle reports the outcome twice: on the shared topic (a literal reached
// through a variable whose Value is set afterwards) and on the topic the
// requester named in its request.
func settle(p sarama.SyncProducer, r payments.Requested) error {
	data, err := json.Marshal(payments.Settled{PaymentID: r.PaymentID, OK: true})
	if err != nil {
		return err
	}
	msg := &sarama.ProducerMessage{Topic: payments.TopicSettled}
	msg.Value = sarama.ByteEncoder(data)
	if _, _, err := p.SendMessage(msg); err != nil {
		return err
	}
	_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: r.CallbackTopic, Value: sarama.ByteEncoder(data)})
	return err
}
