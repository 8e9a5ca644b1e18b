// Package shipmsg holds the shipping service's messages.
package shipmsg

// Shipment is the body of POST /shipments.
type Shipment struct {
	OrderID string `json:"order_id"`
}
