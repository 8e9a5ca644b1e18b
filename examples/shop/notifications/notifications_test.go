package notifications_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shoptest"
	"github.com/tracegraph/tracegraph/examples/shop/inventory/inventorymsg"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi/merchantmsg"
	"github.com/tracegraph/tracegraph/examples/shop/notifications"
)

type outbox struct {
	mu   sync.Mutex
	sent []notifications.Email
}

func (o *outbox) Send(_ context.Context, e notifications.Email) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, e)
	return nil
}

func (o *outbox) emails() []notifications.Email {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.sent)
}

func TestNotify(t *testing.T) {
	failure := inventorymsg.StockAdjustFailed{MerchantID: "m1", SKU: "s", Delta: -3, Reason: "insufficient stock"}
	tests := []struct {
		name   string
		onCall string
		send   func(ctx context.Context, inv *channel.Service) error
		events int // consume events notifications records
		want   []notifications.Email
	}{
		{"plenty left", "", func(ctx context.Context, inv *channel.Service) error {
			return channel.NewPubClient[inventorymsg.StockAdjusted](inv, inventorymsg.StockAdjustedChannel).
				Publish(ctx, inventorymsg.StockAdjusted{MerchantID: "m1", SKU: "s", Delta: -1, OnHand: 5})
		}, 1, nil},
		{"low stock", "", func(ctx context.Context, inv *channel.Service) error {
			return channel.NewPubClient[inventorymsg.StockAdjusted](inv, inventorymsg.StockAdjustedChannel).
				Publish(ctx, inventorymsg.StockAdjusted{MerchantID: "m1", SKU: "s", Delta: -1, OnHand: 4})
		}, 1, []notifications.Email{{To: "m1@example.com", Subject: "s runs low", Body: "4 left of s."}}},
		{"failure", "", func(ctx context.Context, inv *channel.Service) error {
			return channel.NewPubClient[inventorymsg.StockAdjustFailed](inv, inventorymsg.StockAdjustFailedChannel).Publish(ctx, failure)
		}, 1, []notifications.Email{{To: "m1@example.com", Subject: "stock of s not updated", Body: "A change of -3 units to s failed: insufficient stock."}}},
		{"tap with pager on", "oncall@example.com", func(ctx context.Context, inv *channel.Service) error {
			msg := channel.Message{Header: inv.NewHeader(ctx, channel.MessageTypeOf[inventorymsg.StockAdjustFailed]()), Data: []byte(`{"merchant_id":"m1","sku":"s","reason":"r"}`)}
			return inv.Bus().Publish(ctx, inventorymsg.DebugChannel(inventorymsg.KindStockAdjustFailed), msg)
		}, 1, []notifications.Email{{To: "oncall@example.com", Subject: "[inventory] m1/s: stock adjust failed", Body: "r"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := shoptest.NewWorld(t)
			shoptest.Start(t, merchantapi.New(w.Service(merchantapi.Name), merchantapi.NewDirectory(
				merchantmsg.Contact{MerchantID: "m1", Name: "M1", Email: "m1@example.com"})))
			out := &outbox{}
			shoptest.Start(t, notifications.New(w.Service(notifications.Name), out, notifications.Config{LowStock: 5, OnCall: tt.onCall}))
			inv := w.Service("inventory")
			if err := tt.send(t.Context(), inv); err != nil {
				t.Fatal(err)
			}
			if tt.events > 0 {
				for _, e := range w.Settle(t, notifications.Name, "consume", tt.events) {
					if e.Status != "ok" || e.PeerService != "inventory" {
						t.Errorf("consume event on %s: %s %q, peer %q", e.Channel, e.Status, e.Error, e.PeerService)
					}
				}
			}
			if got := out.emails(); !slices.Equal(got, tt.want) {
				t.Errorf("sent %+v, want %+v", got, tt.want)
			}
		})
	}
}
