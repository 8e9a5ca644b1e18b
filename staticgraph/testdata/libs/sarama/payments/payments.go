// Package payments holds the Kafka topics and messages of the payment flow.
package payments

// Topics.
const (
	TopicRequested = "payments.requested"
	TopicSettled   = "payments.settled"
	TopicLedger    = "ledger.entries"
	TopicAudit     = "ledger.audit"
)

// Brokers is where the cluster listens in development.
var Brokers = []string{"localhost:9092"}

// Requested asks the payment service provider to charge a card.
// CallbackTopic is chosen by the caller: request data.
type Requested struct {
	PaymentID     string `json:"payment_id"`
	Cents         int64  `json:"cents"`
	CallbackTopic string `json:"callback_topic"`
}

// Settled reports the outcome of a charge.
type Settled struct {
	PaymentID string `json:"payment_id"`
	OK        bool   `json:"ok"`
}

// LedgerEntry is one line of the double-entry ledger.
type LedgerEntry struct {
	PaymentID string `json:"payment_id"`
	Cents     int64  `json:"cents"`
}

// FraudAlert flags a suspicious payment.
type FraudAlert struct {
	PaymentID string `json:"payment_id"`
}
