// Command notifications emails customers about their invoices.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"

	"example.com/libs/inhouse/billing"
	"example.com/libs/inhouse/events"
)

var sent = events.NewTopic[billing.EmailSent]("notifications.email-sent")

func main() {
	ctx := events.WithBus(context.Background(), &events.Bus{Gateway: "http://127.0.0.1:9400", Client: http.DefaultClient})
	err := events.On(ctx, billing.TopicInvoiceIssued, func(ctx context.Context, inv billing.InvoiceIssued) error {
		if err := sent.Emit(ctx, billing.EmailSent{InvoiceID: inv.InvoiceID}); err != nil {
			return err
		}
		// One topic per region: a pattern, notifications.*.delivered.
		return events.Emit(ctx, fmt.Sprintf("notifications.%s.delivered", strings.ToLower(inv.Region)), billing.EmailSent{InvoiceID: inv.InvoiceID})
	})
	if err != nil {
		log.Fatal(err)
	}
	select {}
}
