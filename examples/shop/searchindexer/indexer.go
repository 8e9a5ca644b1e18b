package searchindexer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
	"github.com/tracegraph/tracegraph/examples/shop/pricing/pricingmsg"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer/searchmsg"
)

// Name is the search indexer's service name.
const Name = "search-indexer"

// OpIndexSkus is the operation of the indexer's handlers and of a batch's
// trace.
const OpIndexSkus = "IndexSkus"

// Indexer is the running search-indexer service.
type Indexer struct {
	svc     *channel.Service
	index   Index
	indexed *channel.PubClient[searchmsg.SkusIndexed]
	subs    shopkit.Subscriptions

	mu      sync.Mutex
	pending map[docKey]Document // changed since the last batch
}

// New returns an indexer that runs as svc and writes to index.
func New(svc *channel.Service, index Index) *Indexer {
	return &Indexer{
		svc:     svc,
		index:   index,
		indexed: channel.NewPubClient[searchmsg.SkusIndexed](svc, searchmsg.SkusIndexedChannel),
		pending: make(map[docKey]Document),
	}
}

// Start subscribes to SKU and price changes. It returns once the
// subscriptions are in place; Close stops them. Batches are written by
// Flush.
func (ix *Indexer) Start(ctx context.Context) error {
	op := channel.WithOperation(OpIndexSkus)
	err := errors.Join(
		ix.subs.Add(shopkit.Listen(ctx, ix.svc, catalogmsg.SkuUpdatedChannel, ix.skuUpdated, op)),
		ix.subs.Add(shopkit.Listen(ctx, ix.svc, catalogmsg.SkuDeletedChannel, ix.skuDeleted, op)),
		ix.subs.Add(shopkit.Listen(ctx, ix.svc, pricingmsg.PriceChangedChannel, ix.priceChanged, op)),
	)
	if err != nil {
		return errors.Join(fmt.Errorf("start %s: %w", Name, err), ix.subs.Close())
	}
	return nil
}

// Close stops the subscriptions. Changes not yet flushed are dropped; the
// catalog still has them as not indexed.
func (ix *Indexer) Close() error { return ix.subs.Close() }

func (ix *Indexer) skuUpdated(_ context.Context, env channel.Envelope[catalogmsg.SkuUpdated]) error {
	u := env.Payload
	ix.mu.Lock()
	defer ix.mu.Unlock()
	k := docKey{u.MerchantID, u.SKU}
	doc := ix.pending[k]
	if u.Version < doc.Version {
		return nil // a late copy of an older version
	}
	if u.Version > doc.Version {
		// Until pricing answers, the document has the merchant's own price.
		doc.Prices = map[string]int64{u.Currency: u.PriceCents}
	}
	doc.MerchantID, doc.SKU, doc.Version, doc.Title = u.MerchantID, u.SKU, u.Version, u.Title
	ix.pending[k] = doc
	return nil
}

// priceChanged may arrive before the SkuUpdated of the same version: the
// two travel separately.
func (ix *Indexer) priceChanged(_ context.Context, env channel.Envelope[pricingmsg.PriceChanged]) error {
	p := env.Payload
	ix.mu.Lock()
	defer ix.mu.Unlock()
	k := docKey{p.MerchantID, p.SKU}
	doc := ix.pending[k]
	if p.Version < doc.Version {
		return nil // prices of an older version
	}
	doc.MerchantID, doc.SKU, doc.Version = p.MerchantID, p.SKU, p.Version
	doc.Prices = maps.Clone(p.Prices)
	ix.pending[k] = doc
	return nil
}

func (ix *Indexer) skuDeleted(ctx context.Context, env channel.Envelope[catalogmsg.SkuDeleted]) error {
	d := env.Payload
	ix.mu.Lock()
	delete(ix.pending, docKey{d.MerchantID, d.SKU})
	ix.mu.Unlock()
	if err := ix.index.Remove(ctx, d.MerchantID, d.SKU); err != nil {
		return fmt.Errorf("remove %s from the index: %w", d.SKU, err)
	}
	return nil
}

// Flush writes the pending documents to the index, in key order, as one
// batch in its own trace, and tells the catalog which versions are now
// searchable. Documents that fail to index stay pending for the next batch.
func (ix *Indexer) Flush(ctx context.Context) (err error) {
	ix.mu.Lock()
	batch := slices.SortedFunc(maps.Values(ix.pending), func(a, b Document) int {
		return cmp.Or(cmp.Compare(a.MerchantID, b.MerchantID), cmp.Compare(a.SKU, b.SKU))
	})
	clear(ix.pending)
	ix.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	ctx, end := channel.StartTrace(ctx, ix.svc, OpIndexSkus, map[string]string{"batch_size": strconv.Itoa(len(batch))})
	defer end(&err)
	var done searchmsg.SkusIndexed
	var errs []error
	for _, doc := range batch {
		if err := ix.index.Put(ctx, doc); err != nil {
			errs = append(errs, fmt.Errorf("index %s: %w", doc.SKU, err))
			ix.requeue(doc)
			continue
		}
		done.Skus = append(done.Skus, searchmsg.IndexedSku{MerchantID: doc.MerchantID, SKU: doc.SKU, Version: doc.Version})
	}
	if len(done.Skus) > 0 {
		if err := ix.indexed.Publish(ctx, done); err != nil {
			errs = append(errs, fmt.Errorf("announce %d indexed skus: %w", len(done.Skus), err))
		}
	}
	return errors.Join(errs...)
}

// requeue puts back a document that failed to index unless a newer version
// arrived meanwhile.
func (ix *Indexer) requeue(doc Document) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	k := docKey{doc.MerchantID, doc.SKU}
	if cur, ok := ix.pending[k]; !ok || cur.Version <= doc.Version {
		ix.pending[k] = doc
	}
}
