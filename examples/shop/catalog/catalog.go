package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer/searchmsg"
)

// Name is the catalog's service name.
const Name = "catalog"

// Operations of the catalog's handlers.
const (
	OpUpdateSku   = "UpdateSku"
	OpDeleteSku   = "DeleteSku"
	OpMarkIndexed = "MarkIndexed"
)

// ErrInvalidSku is wrapped by the error of an update the catalog rejects.
var ErrInvalidSku = errors.New("invalid sku")

// Catalog is the running catalog service.
type Catalog struct {
	svc     *channel.Service
	repo    Repository
	updated *channel.PubClient[catalogmsg.SkuUpdated]
	deleted *channel.PubClient[catalogmsg.SkuDeleted]
	subs    shopkit.Subscriptions
}

// New returns a catalog that runs as svc and keeps SKUs in repo.
func New(svc *channel.Service, repo Repository) *Catalog {
	return &Catalog{
		svc:     svc,
		repo:    repo,
		updated: channel.NewPubClient[catalogmsg.SkuUpdated](svc, catalogmsg.SkuUpdatedChannel),
		deleted: channel.NewPubClient[catalogmsg.SkuDeleted](svc, catalogmsg.SkuDeletedChannel),
	}
}

// Start serves the catalog's requests and subscribes to index batches. It
// returns once they are in place; Close stops them.
func (c *Catalog) Start(ctx context.Context) error {
	update := channel.NewReqRepServer[catalogmsg.UpdateSku, catalogmsg.UpdateSkuReply](c.svc, catalogmsg.UpdateSkuChannel,
		channel.WithOperation(OpUpdateSku))
	del := channel.NewReqRepServer[catalogmsg.DeleteSku, catalogmsg.DeleteSkuReply](c.svc, catalogmsg.DeleteSkuChannel,
		channel.WithOperation(OpDeleteSku))
	indexed := channel.NewSubClient[searchmsg.SkusIndexed](c.svc, searchmsg.SkusIndexedChannel,
		channel.WithOperation(OpMarkIndexed))
	err := errors.Join(
		c.subs.Add(update.Serve(ctx, c.updateSku)),
		c.subs.Add(del.Serve(ctx, c.deleteSku)),
		c.subs.Add(indexed.Subscribe(ctx, c.markIndexed)),
	)
	if err != nil {
		return errors.Join(fmt.Errorf("start %s: %w", Name, err), c.subs.Close())
	}
	return nil
}

// Close stops the catalog's subscriptions.
func (c *Catalog) Close() error { return c.subs.Close() }

func (c *Catalog) updateSku(ctx context.Context, env channel.Envelope[catalogmsg.UpdateSku]) (catalogmsg.UpdateSkuReply, error) {
	u := env.Payload
	if err := validate(u); err != nil {
		return catalogmsg.UpdateSkuReply{SKU: u.SKU}, err
	}
	version, err := c.repo.Save(ctx, Sku{
		MerchantID: u.MerchantID, SKU: u.SKU, Title: u.Title,
		PriceCents: u.PriceCents, Currency: u.Currency,
	})
	if err != nil {
		return catalogmsg.UpdateSkuReply{SKU: u.SKU}, fmt.Errorf("save sku %s: %w", u.SKU, err)
	}
	err = c.updated.Publish(ctx, catalogmsg.SkuUpdated{
		MerchantID: u.MerchantID, SKU: u.SKU, Version: version, Title: u.Title,
		PriceCents: u.PriceCents, Currency: u.Currency, StockDelta: u.StockDelta,
	})
	if err != nil {
		return catalogmsg.UpdateSkuReply{SKU: u.SKU, Version: version}, fmt.Errorf("announce sku %s: %w", u.SKU, err)
	}
	return catalogmsg.UpdateSkuReply{SKU: u.SKU, Version: version, Accepted: true}, nil
}

func validate(u catalogmsg.UpdateSku) error {
	switch {
	case u.MerchantID == "" || u.SKU == "":
		return fmt.Errorf("%w: merchant and sku are required", ErrInvalidSku)
	case u.Title == "":
		return fmt.Errorf("%w: sku %s: empty title", ErrInvalidSku, u.SKU)
	case u.PriceCents <= 0:
		return fmt.Errorf("%w: sku %s: price %d is not positive", ErrInvalidSku, u.SKU, u.PriceCents)
	case !shopkit.IsCurrency(u.Currency):
		return fmt.Errorf("%w: sku %s: unsupported currency %q", ErrInvalidSku, u.SKU, u.Currency)
	}
	return nil
}

func (c *Catalog) deleteSku(ctx context.Context, env channel.Envelope[catalogmsg.DeleteSku]) (catalogmsg.DeleteSkuReply, error) {
	d := env.Payload
	version, found, err := c.repo.Delete(ctx, d.MerchantID, d.SKU)
	if err != nil {
		return catalogmsg.DeleteSkuReply{SKU: d.SKU}, fmt.Errorf("delete sku %s: %w", d.SKU, err)
	}
	if !found {
		return catalogmsg.DeleteSkuReply{SKU: d.SKU}, nil
	}
	if err := c.deleted.Publish(ctx, catalogmsg.SkuDeleted{MerchantID: d.MerchantID, SKU: d.SKU, Version: version}); err != nil {
		return catalogmsg.DeleteSkuReply{SKU: d.SKU, Deleted: true}, fmt.Errorf("announce deletion of sku %s: %w", d.SKU, err)
	}
	return catalogmsg.DeleteSkuReply{SKU: d.SKU, Deleted: true}, nil
}

func (c *Catalog) markIndexed(ctx context.Context, env channel.Envelope[searchmsg.SkusIndexed]) error {
	var errs []error
	for _, s := range env.Payload.Skus {
		if err := c.repo.MarkIndexed(ctx, s.MerchantID, s.SKU, s.Version); err != nil {
			errs = append(errs, fmt.Errorf("mark sku %s indexed: %w", s.SKU, err))
		}
	}
	return errors.Join(errs...)
}
