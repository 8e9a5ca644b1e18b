// Package catalog holds the subjects and messages of the catalog and order
// domain.
package catalog

// Core NATS subjects.
const (
	SubjectSkuUpdated   = "catalog.sku.updated"
	SubjectPriceChanged = "catalog.price.changed"
	SubjectGetSku       = "catalog.get-sku"
)

// JetStream subjects, all captured by the ORDERS stream.
const (
	StreamOrders          = "ORDERS"
	SubjectOrderCreated   = "orders.created"
	SubjectOrderCancelled = "orders.cancelled"
	SubjectOrderShipped   = "orders.shipped"
)

// SkuUpdated is published when a SKU's details change.
type SkuUpdated struct {
	Sku  string `json:"sku"`
	Name string `json:"name"`
}

// PriceChanged is published when a SKU's price changes.
type PriceChanged struct {
	Sku   string `json:"sku"`
	Cents int64  `json:"cents"`
}

// GetSku asks the catalog for one SKU; Sku is the answer.
type GetSku struct {
	Sku string `json:"sku"`
}

// Sku is the catalog's answer to GetSku.
type Sku struct {
	Sku   string `json:"sku"`
	Name  string `json:"name"`
	Cents int64  `json:"cents"`
}

// OrderCreated starts fulfilment. NotifySubject is where the customer's
// session listens: request data.
type OrderCreated struct {
	OrderID       string `json:"order_id"`
	Sku           string `json:"sku"`
	NotifySubject string `json:"notify_subject"`
}

// OrderShipped is published when an order leaves the warehouse.
type OrderShipped struct {
	OrderID string `json:"order_id"`
}

// ReserveStock asks inventory to hold stock for an order.
type ReserveStock struct {
	Sku string `json:"sku"`
	Qty int    `json:"qty"`
}
