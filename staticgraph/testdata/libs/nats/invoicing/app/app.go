// Package app is the invoicing use cases. It imports no messaging library:
// it calls the domain's Notifier port, which an adapter implements.
package app

import (
	"context"

	"example.com/libs/nats/invoicing/domain"
)

// Service issues invoices.
type Service struct {
	notify domain.Notifier
}

// New is a Service that announces through notify.
func New(notify domain.Notifier) *Service { return &Service{notify: notify} }

// Issue bills order and announces the invoice.
func (s *Service) Issue(ctx context.Context, order int) error {
	inv := domain.Invoice{ID: "inv-1", Order: "o-1"}
	if order < 0 {
		return nil
	}
	return s.notify.InvoiceIssued(ctx, inv)
}
