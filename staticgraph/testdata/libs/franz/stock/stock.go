// Package stock holds the topics and records of the stock-keeping flow.
package stock

// Topics.
const (
	TopicReservations = "inventory.reservations"
	TopicLowStock     = "inventory.low-stock"
)

// Seeds are the development brokers.
var Seeds = []string{"localhost:9092"}

// Reservation holds stock for an order.
type Reservation struct {
	Sku       string `json:"sku"`
	Qty       int    `json:"qty"`
	Warehouse string `json:"warehouse"`
}

// Adjusted reports a stock level change in one warehouse; its topic is
// per warehouse (inventory.<warehouse>.adjusted).
type Adjusted struct {
	Sku   string `json:"sku"`
	Level int    `json:"level"`
}

// LowStock warns that a SKU runs out. NotifyTopic is chosen by whoever
// subscribed the SKU for alerts: request data.
type LowStock struct {
	Sku         string `json:"sku"`
	NotifyTopic string `json:"notify_topic"`
}
