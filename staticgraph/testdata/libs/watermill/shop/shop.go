// Package shop holds the messages the shop's services exchange and the
// topics they travel on.
package shop

// Topics. TopicPaymentCaptured is a constant expression on purpose: the
// analysis must read its value, not its spelling.
const (
	TopicOrderPlaced     = "orders.placed"
	TopicPaymentCaptured = "payments." + "captured"
)

// OrderPlaced is published when a customer places an order. ReplyTopic is
// where the customer's client wants its receipt: request data.
type OrderPlaced struct {
	OrderID    string `json:"order_id"`
	Amount     int64  `json:"amount"`
	ReplyTopic string `json:"reply_topic"`
}

// PaymentCaptured is published once the payment of an order went through.
type PaymentCaptured struct {
	OrderID string `json:"order_id"`
}

// Receipt is sent to the topic an order asked for.
type Receipt struct {
	OrderID string `json:"order_id"`
	Amount  int64  `json:"amount"`
}

// ShipOrder is a cqrs command: its topic comes from the command bus's
// generate-topic function.
type ShipOrder struct {
	OrderID string `json:"order_id"`
}

// OrderShipped is a cqrs event.
type OrderShipped struct {
	OrderID string `json:"order_id"`
}

// IssueInvoice asks billing to invoice an order.
type IssueInvoice struct {
	OrderID string `json:"order_id"`
}

// InvoiceIssued says an invoice went out.
type InvoiceIssued struct {
	OrderID string `json:"order_id"`
}
