package inventory

import (
	"context"
	"errors"
	"fmt"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
	"github.com/tracegraph/tracegraph/examples/shop/inventory/inventorymsg"
)

// Name is the inventory's service name.
const Name = "inventory"

// OpAdjustStock is the operation of the inventory's handler.
const OpAdjustStock = "AdjustStock"

// Inventory is the running inventory service.
type Inventory struct {
	svc      *channel.Service
	store    Store
	debugTap bool
	adjusted *channel.PubClient[inventorymsg.StockAdjusted]
	failed   *channel.PubClient[inventorymsg.StockAdjustFailed]
	subs     shopkit.Subscriptions
}

// New returns an inventory that runs as svc and keeps stock in store. With
// debugTap, failed adjustments are also copied to the debug tap.
func New(svc *channel.Service, store Store, debugTap bool) *Inventory {
	return &Inventory{
		svc:      svc,
		store:    store,
		debugTap: debugTap,
		adjusted: channel.NewPubClient[inventorymsg.StockAdjusted](svc, inventorymsg.StockAdjustedChannel),
		failed:   channel.NewPubClient[inventorymsg.StockAdjustFailed](svc, inventorymsg.StockAdjustFailedChannel),
	}
}

// Start subscribes to SKU updates. It returns once the subscription is in
// place; Close stops it.
func (inv *Inventory) Start(ctx context.Context) error {
	updates := channel.NewSubClient[catalogmsg.SkuUpdated](inv.svc, catalogmsg.SkuUpdatedChannel,
		channel.WithOperation(OpAdjustStock))
	err := inv.subs.Add(updates.Subscribe(ctx, func(ctx context.Context, env channel.Envelope[catalogmsg.SkuUpdated]) error {
		u := env.Payload
		if u.StockDelta == 0 {
			return nil // a price or title change: nothing to count
		}
		return inv.adjust(ctx, u.MerchantID, u.SKU, u.StockDelta)
	}))
	if err != nil {
		return fmt.Errorf("start %s: %w", Name, err)
	}
	return nil
}

// Close stops the inventory's subscription.
func (inv *Inventory) Close() error { return inv.subs.Close() }

// adjust applies one stock change and announces the outcome. A failed
// adjustment is announced and also returned, so that the consume event that
// brought it is marked failed.
func (inv *Inventory) adjust(ctx context.Context, merchantID, sku string, delta int) error {
	onHand, err := inv.store.Adjust(ctx, merchantID, sku, delta)
	if err == nil {
		ev := inventorymsg.StockAdjusted{MerchantID: merchantID, SKU: sku, Delta: delta, OnHand: onHand}
		if err := inv.adjusted.Publish(ctx, ev); err != nil {
			return fmt.Errorf("announce stock of %s: %w", sku, err)
		}
		return nil
	}
	ev := inventorymsg.StockAdjustFailed{MerchantID: merchantID, SKU: sku, Delta: delta, Reason: err.Error()}
	errs := []error{fmt.Errorf("adjust stock of %s by %d: %w", sku, delta, err)}
	if perr := inv.failed.Publish(ctx, ev); perr != nil {
		errs = append(errs, fmt.Errorf("announce failed adjustment of %s: %w", sku, perr))
	}
	if inv.debugTap {
		if terr := tap(ctx, inv.svc, inventorymsg.KindStockAdjustFailed, ev); terr != nil {
			errs = append(errs, terr)
		}
	}
	return errors.Join(errs...)
}
