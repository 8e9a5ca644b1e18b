// Package domain is the invoicing service's core: what an invoice is, and
// the port through which issuing one is announced. It knows no transport.
package domain

import "context"

// Invoice bills one order.
type Invoice struct {
	ID    string `json:"id"`
	Order string `json:"order"`
}

// Notifier announces invoices; an adapter implements it.
type Notifier interface {
	InvoiceIssued(ctx context.Context, inv Invoice) error
}
