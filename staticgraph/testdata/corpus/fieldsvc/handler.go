// Package fieldsvc keeps a client in a struct field and uses it in a method.
package fieldsvc

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

type Handler struct {
	invoices *channel.PubClient[msgs.Invoice]
}

func NewHandler(svc *channel.Service) *Handler {
	return &Handler{invoices: channel.NewPubClient[msgs.Invoice](svc, "field.invoices")}
}

func (h *Handler) Handle(ctx context.Context) error {
	return h.invoices.Publish(ctx, msgs.Invoice{}) // ev:field
}
