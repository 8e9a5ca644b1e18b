package searchindexer_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shoptest"
	"github.com/tracegraph/tracegraph/examples/shop/pricing/pricingmsg"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer/searchmsg"
)

// index records what is put, and fails the SKUs named in fail.
type index struct {
	mu   sync.Mutex
	puts []searchindexer.Document
	fail map[string]bool
}

func (x *index) Put(_ context.Context, d searchindexer.Document) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.fail[d.SKU] {
		return errors.New("index unavailable")
	}
	x.puts = append(x.puts, d)
	return nil
}

func (x *index) Remove(context.Context, string, string) error { return nil }

func (x *index) take() []searchindexer.Document {
	x.mu.Lock()
	defer x.mu.Unlock()
	p := x.puts
	x.puts = nil
	return p
}

func TestBatches(t *testing.T) {
	w := shoptest.NewWorld(t)
	idx := &index{fail: map[string]bool{"bad": true}}
	ix := searchindexer.New(w.Service(searchindexer.Name), idx)
	shoptest.Start(t, ix)
	catalog, pricing := w.Service("catalog"), w.Service("pricing")
	indexed := shoptest.Listen[searchmsg.SkusIndexed](t, catalog, searchmsg.SkusIndexedChannel)
	updated := channel.NewPubClient[catalogmsg.SkuUpdated](catalog, catalogmsg.SkuUpdatedChannel)
	priced := channel.NewPubClient[pricingmsg.PriceChanged](pricing, pricingmsg.PriceChangedChannel)
	ctx := t.Context()

	// Prices of b's version 2 come before its SkuUpdated; a's version 1
	// comes after version 2; bad fails to index.
	steps := []func() error{
		func() error {
			return updated.Publish(ctx, catalogmsg.SkuUpdated{MerchantID: "m", SKU: "a", Version: 2, Title: "A2", PriceCents: 200, Currency: "EUR"})
		},
		func() error {
			return updated.Publish(ctx, catalogmsg.SkuUpdated{MerchantID: "m", SKU: "a", Version: 1, Title: "A1", PriceCents: 100, Currency: "EUR"})
		},
		func() error {
			return priced.Publish(ctx, pricingmsg.PriceChanged{MerchantID: "m", SKU: "b", Version: 2, Prices: map[string]int64{"EUR": 5, "GBP": 4}})
		},
		func() error {
			return updated.Publish(ctx, catalogmsg.SkuUpdated{MerchantID: "m", SKU: "b", Version: 2, Title: "B2", PriceCents: 5, Currency: "EUR"})
		},
		func() error {
			return updated.Publish(ctx, catalogmsg.SkuUpdated{MerchantID: "m", SKU: "bad", Version: 1, Title: "X", PriceCents: 1, Currency: "EUR"})
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
		// One at a time: the test is about the order they arrive in.
		w.Settle(t, searchindexer.Name, "consume", i+1)
	}

	if err := ix.Flush(ctx); err == nil {
		t.Error("Flush: no error, want bad's")
	}
	want := []searchindexer.Document{
		{MerchantID: "m", SKU: "a", Version: 2, Title: "A2", Prices: map[string]int64{"EUR": 200}},
		{MerchantID: "m", SKU: "b", Version: 2, Title: "B2", Prices: map[string]int64{"EUR": 5, "GBP": 4}},
	}
	got := idx.take()
	if !slices.EqualFunc(got, want, sameDoc) {
		t.Errorf("indexed %+v, want %+v", got, want)
	}
	batch := indexed.Next(t)
	if want := []searchmsg.IndexedSku{{MerchantID: "m", SKU: "a", Version: 2}, {MerchantID: "m", SKU: "b", Version: 2}}; !slices.Equal(batch.Skus, want) {
		t.Errorf("SkusIndexed %+v, want %+v", batch.Skus, want)
	}
	start := w.Settle(t, searchindexer.Name, "start", 1)[0]
	if start.Operation != searchindexer.OpIndexSkus || start.Tags["batch_size"] != "3" {
		t.Errorf("batch trace: operation %q tags %v", start.Operation, start.Tags)
	}

	// bad stays pending; once the index takes it, the next batch has it alone.
	idx.mu.Lock()
	idx.fail = nil
	idx.mu.Unlock()
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := idx.take(); len(got) != 1 || got[0].SKU != "bad" {
		t.Errorf("second batch %+v, want bad alone", got)
	}
	indexed.Next(t)
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.Rec.Find(searchindexer.Name, "start"); len(got) != 2 {
		t.Errorf("%d batch traces, want 2: an empty batch starts none", len(got))
	}
}

func sameDoc(a, b searchindexer.Document) bool {
	return a.MerchantID == b.MerchantID && a.SKU == b.SKU && a.Version == b.Version && a.Title == b.Title && maps.Equal(a.Prices, b.Prices)
}
