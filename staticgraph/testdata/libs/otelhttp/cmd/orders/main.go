// Command orders checks stock and reserves it, traced by otelhttp.
package main

import (
	"context"
	"log"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"example.com/libs/otelhttp/orders"
)

func main() {
	c := &orders.Client{HTTP: &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}}
	ctx := context.Background()
	if err := c.Stock(ctx, "sku-1"); err != nil {
		log.Fatal(err)
	}
	if err := c.Reserve(ctx, "sku-1", 2); err != nil {
		log.Fatal(err)
	}
}
