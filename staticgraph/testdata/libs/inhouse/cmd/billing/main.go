// Command billing issues invoices and settles them when paid.
package main

import (
	"context"
	"log"
	"net/http"

	"example.com/libs/inhouse/billing"
	"example.com/libs/inhouse/events"
)

func main() {
	ctx := events.WithBus(context.Background(), &events.Bus{Gateway: "http://127.0.0.1:9400", Client: http.DefaultClient})

	err := events.On(ctx, "payments.received", func(ctx context.Context, p billing.PaymentReceived) error {
		log.Printf("invoice %s paid", p.InvoiceID)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := events.Emit(ctx, billing.TopicInvoiceIssued, billing.InvoiceIssued{InvoiceID: "i-1", Email: "a@example.com", Region: "EU"}); err != nil {
		log.Fatal(err)
	}
}
