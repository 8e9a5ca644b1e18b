// Command orders places orders by calling the other services.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"example.com/libs/http/orders"
)

func main() {
	hc := &http.Client{Timeout: 5 * time.Second}
	c := &orders.Client{HTTP: hc}
	ctx := context.Background()
	if _, err := c.Stock("sku-1"); err != nil {
		log.Print(err)
	}
	if _, err := c.StockByHost("sku-2"); err != nil {
		log.Print(err)
	}
	if _, err := c.Reserve("sku-1", 2); err != nil {
		log.Print(err)
	}
	if err := c.Amend(ctx, "r-1", orders.Reservation{SKU: "sku-1", Count: 3}); err != nil {
		log.Print(err)
	}
	if err := c.Release(ctx, "r-1"); err != nil {
		log.Print(err)
	}
	_ = orders.Charge(100)
	_ = orders.ChargeStatus("42")
	_ = orders.ChargeViaGateway("43")
	_ = orders.Ship(ctx, hc, "o-1")
	_ = orders.Track(hc, "s-1")
	_ = orders.Legacy("sku-1")
	_ = orders.Rates()
	_ = orders.Home()
	if len(os.Args) > 3 {
		_ = orders.Find(os.Args[3])
	}
	_ = orders.Metrics()
	if len(os.Args) > 2 {
		_ = orders.Anything(os.Args[1])
		_ = orders.Call(os.Args[2])
	}
}
