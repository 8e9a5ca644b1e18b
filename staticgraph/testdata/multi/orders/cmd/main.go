// Command orders takes orders: it prices them through the rates service,
// checks that rates is healthy, and announces each order on NATS.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"example.com/multi/proto/fxpb"
)

// Placed is the event of a new order.
type Placed struct {
	ID       string  `json:"id"`
	Total    float64 `json:"total"`
	Currency string  `json:"currency"`
}

func main() {
	conn, err := grpc.NewClient("rates:7001", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "fx.v1.Rates"}); err != nil {
		log.Fatal(err)
	}
	rate, err := fxpb.NewRatesClient(conn).GetRate(ctx, &fxpb.GetRateRequest{From: "EUR", To: "USD"})
	if err != nil {
		log.Fatal(err)
	}
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	data, err := json.Marshal(Placed{ID: "o-1", Total: 42 * rate.GetRate(), Currency: "USD"})
	if err != nil {
		log.Fatal(err)
	}
	if err := nc.Publish("orders.placed", data); err != nil {
		log.Fatal(err)
	}
}
