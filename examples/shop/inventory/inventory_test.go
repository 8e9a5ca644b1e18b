package inventory_test

import (
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shoptest"
	"github.com/tracegraph/tracegraph/examples/shop/inventory"
	"github.com/tracegraph/tracegraph/examples/shop/inventory/inventorymsg"
)

func TestAdjust(t *testing.T) {
	tests := []struct {
		name       string
		onHand     int
		delta      int
		debugTap   bool
		wantOnHand int    // with wantFail empty
		wantFail   string // the consume event's error
	}{
		{"delivery", 2, 5, false, 7, ""},
		{"sale", 2, -2, false, 0, ""},
		{"oversold", 2, -3, false, 0, "insufficient stock: 2 on hand, 3 requested"},
		{"oversold with tap", 1, -4, true, 0, "insufficient stock: 1 on hand, 4 requested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := shoptest.NewWorld(t)
			store := inventory.NewMemoryStore()
			store.Set("m", "s", tt.onHand)
			shoptest.Start(t, inventory.New(w.Service(inventory.Name), store, tt.debugTap))
			obs := w.Service("observer")
			adjusted := shoptest.Listen[inventorymsg.StockAdjusted](t, obs, inventorymsg.StockAdjustedChannel)
			failed := shoptest.Listen[inventorymsg.StockAdjustFailed](t, obs, inventorymsg.StockAdjustFailedChannel)
			tap := shoptest.Listen[inventorymsg.StockAdjustFailed](t, obs, "debug.stockadjustfailed")

			pub := channel.NewPubClient[catalogmsg.SkuUpdated](w.Service("catalog"), catalogmsg.SkuUpdatedChannel)
			if err := pub.Publish(t.Context(), catalogmsg.SkuUpdated{MerchantID: "m", SKU: "s", Version: 1, StockDelta: tt.delta}); err != nil {
				t.Fatal(err)
			}
			ev := w.Settle(t, inventory.Name, "consume", 1)[0]
			if ev.PeerService != "catalog" || ev.Operation != inventory.OpAdjustStock {
				t.Errorf("consume event: peer %q operation %q, want catalog and %s", ev.PeerService, ev.Operation, inventory.OpAdjustStock)
			}
			if tt.wantFail == "" {
				if ev.Status != "ok" {
					t.Fatalf("consume event: status %s %q, want ok", ev.Status, ev.Error)
				}
				if got := adjusted.Next(t); got.OnHand != tt.wantOnHand || got.Delta != tt.delta {
					t.Errorf("StockAdjusted %+v, want %d on hand", got, tt.wantOnHand)
				}
				failed.Empty(t)
				return
			}
			if ev.Status != "error" || !strings.Contains(ev.Error, tt.wantFail) {
				t.Errorf("consume event: status %s %q, want error containing %q", ev.Status, ev.Error, tt.wantFail)
			}
			got := failed.Next(t)
			if got.Delta != tt.delta || !strings.Contains(got.Reason, tt.wantFail) {
				t.Errorf("StockAdjustFailed %+v, want reason %q", got, tt.wantFail)
			}
			if tt.debugTap {
				if copied := tap.Next(t); copied != got {
					t.Errorf("tap copied %+v, want %+v", copied, got)
				}
				taps := w.Settle(t, "observer", "consume", 2)
				for _, e := range taps {
					if e.Channel == "debug.stockadjustfailed" && (e.PeerService != inventory.Name || len(e.ParentIDs) != 1 || e.ParentIDs[0] != ev.MessageID) {
						t.Errorf("tap consume event: peer %q parents %v, want inventory and the update %s", e.PeerService, e.ParentIDs, ev.MessageID)
					}
				}
			}
			adjusted.Empty(t)
		})
	}
}

func TestPriceOnlyUpdateLeavesStock(t *testing.T) {
	w := shoptest.NewWorld(t)
	store := inventory.NewMemoryStore()
	store.Set("m", "s", 4)
	shoptest.Start(t, inventory.New(w.Service(inventory.Name), store, true))
	adjusted := shoptest.Listen[inventorymsg.StockAdjusted](t, w.Service("observer"), inventorymsg.StockAdjustedChannel)
	pub := channel.NewPubClient[catalogmsg.SkuUpdated](w.Service("catalog"), catalogmsg.SkuUpdatedChannel)
	if err := pub.Publish(t.Context(), catalogmsg.SkuUpdated{MerchantID: "m", SKU: "s", Version: 2, PriceCents: 100}); err != nil {
		t.Fatal(err)
	}
	w.Settle(t, inventory.Name, "consume", 1)
	if n, err := store.Adjust(t.Context(), "m", "s", 0); err != nil || n != 4 {
		t.Errorf("stock %d, %v; want 4", n, err)
	}
	adjusted.Empty(t)
}
