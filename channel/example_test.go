package channel_test

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/telemetry"
)

// UpdateSku asks the catalog to change a SKU.
type UpdateSku struct {
	MerchantID string
	Sku        string
}

// UpdateSkuReply is the catalog's answer.
type UpdateSkuReply struct{ Version int }

// SkuUpdated tells whoever cares that a SKU changed.
type SkuUpdated struct{ Sku string }

// events keeps what the services record, and says when a consume event
// has come, for the example to know that the work is done.
type events struct {
	mu       sync.Mutex
	all      []telemetry.Event
	consumed chan struct{}
}

func (e *events) Record(_ context.Context, ev telemetry.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
	if ev.EventType == telemetry.TypeConsume {
		close(e.consumed)
	}
}

// A merchant updates a SKU: merchant-api asks catalog, which tells
// inventory. Every hop is recorded with the merchant's id.
func Example() {
	ctx := context.Background()
	bus := channel.NewMemoryBus()
	defer bus.Close()
	rec := &events{consumed: make(chan struct{})}

	catalog := channel.NewService("catalog", bus, channel.WithRecorder(rec))
	pub := channel.NewPubClient[SkuUpdated](catalog, "sku.updated")
	srv := channel.NewReqRepServer[UpdateSku, UpdateSkuReply](catalog, "catalog.update-sku")
	if _, err := srv.Serve(ctx, func(ctx context.Context, env channel.Envelope[UpdateSku]) (UpdateSkuReply, error) {
		// ctx carries the request's header: this publish continues its trace.
		return UpdateSkuReply{Version: 2}, pub.Publish(ctx, SkuUpdated{Sku: env.Payload.Sku})
	}); err != nil {
		fmt.Println(err)
		return
	}

	inventory := channel.NewService("inventory", bus, channel.WithRecorder(rec))
	sub := channel.NewSubClient[SkuUpdated](inventory, "sku.updated", channel.WithOperation("AdjustStock"))
	if _, err := sub.Subscribe(ctx, func(ctx context.Context, env channel.Envelope[SkuUpdated]) error {
		if env.Payload.Sku == "" {
			return fmt.Errorf("no SKU in %s", env.Header.MessageID)
		}
		return nil
	}); err != nil {
		fmt.Println(err)
		return
	}

	merchantAPI := channel.NewService("merchant-api", bus, channel.WithRecorder(rec))
	cli := channel.NewReqRepClient[UpdateSku, UpdateSkuReply](merchantAPI, "catalog.update-sku")
	update := func(ctx context.Context) (err error) {
		ctx, end := channel.StartTrace(ctx, merchantAPI, "UpdateSku", map[string]string{"merchant_id": "4c5d6e7"})
		defer end(&err)
		rep, err := cli.Request(ctx, UpdateSku{MerchantID: "4c5d6e7", Sku: "sku-1"})
		fmt.Println("merchant-api: version", rep.Version)
		return err
	}
	if err := update(ctx); err != nil {
		fmt.Println(err)
	}
	<-rec.consumed

	rec.mu.Lock()
	defer rec.mu.Unlock()
	var lines []string
	for _, e := range rec.all {
		lines = append(lines, fmt.Sprintf("%-12s %-8s %-18s peer=%-12s merchant_id=%s %s",
			e.Service, e.EventType, e.Channel, e.PeerService, e.Tags["merchant_id"], e.Status))
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// merchant-api: version 2
	// catalog      publish  sku.updated        peer=             merchant_id=4c5d6e7 ok
	// catalog      serve    catalog.update-sku peer=merchant-api merchant_id=4c5d6e7 ok
	// inventory    consume  sku.updated        peer=catalog      merchant_id=4c5d6e7 ok
	// merchant-api complete                    peer=             merchant_id=4c5d6e7 ok
	// merchant-api request  catalog.update-sku peer=catalog      merchant_id=4c5d6e7 ok
	// merchant-api start                       peer=             merchant_id=4c5d6e7 ok
}
