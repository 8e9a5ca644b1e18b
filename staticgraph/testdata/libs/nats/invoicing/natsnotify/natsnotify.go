// Package natsnotify is the invoicing service's NATS adapter: it
// implements domain.Notifier by publishing.
package natsnotify

import (
	"context"
	"encoding/json"

	"github.com/nats-io/nats.go"

	"example.com/libs/nats/invoicing/domain"
)

// Notifier publishes invoices on NATS.
type Notifier struct {
	nc *nats.Conn
}

// New is a Notifier on nc.
func New(nc *nats.Conn) Notifier { return Notifier{nc: nc} }

// InvoiceIssued publishes inv.
func (n Notifier) InvoiceIssued(_ context.Context, inv domain.Invoice) error {
	b, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return n.nc.Publish("invoices.issued", b)
}
