package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shoptest"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer/searchmsg"
)

func TestUpdateSku(t *testing.T) {
	w := shoptest.NewWorld(t)
	repo := catalog.NewMemoryRepository()
	shoptest.Start(t, catalog.New(w.Service(catalog.Name), repo))
	client := w.Service("merchant-api")
	updated := shoptest.Listen[catalogmsg.SkuUpdated](t, client, catalogmsg.SkuUpdatedChannel)
	update := channel.NewReqRepClient[catalogmsg.UpdateSku, catalogmsg.UpdateSkuReply](client, catalogmsg.UpdateSkuChannel)

	good := catalogmsg.UpdateSku{MerchantID: "m1", SKU: "s1", Title: "Tent", PriceCents: 12900, Currency: "EUR", StockDelta: 3}
	tests := []struct {
		name        string
		edit        func(*catalogmsg.UpdateSku)
		wantErr     string // empty: accepted
		wantVersion int
	}{
		{"new sku", func(*catalogmsg.UpdateSku) {}, "", 1},
		{"second version", func(u *catalogmsg.UpdateSku) { u.PriceCents = 11900 }, "", 2},
		{"no merchant", func(u *catalogmsg.UpdateSku) { u.MerchantID = "" }, "merchant and sku are required", 0},
		{"no title", func(u *catalogmsg.UpdateSku) { u.Title = "" }, "empty title", 0},
		{"free", func(u *catalogmsg.UpdateSku) { u.PriceCents = 0 }, "price 0 is not positive", 0},
		{"foreign currency", func(u *catalogmsg.UpdateSku) { u.Currency = "CHF" }, `unsupported currency "CHF"`, 0},
		{"third version", func(u *catalogmsg.UpdateSku) { u.StockDelta = -1 }, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := good
			tt.edit(&u)
			rep, err := update.Request(t.Context(), u)
			if tt.wantErr != "" {
				var remote *channel.RemoteError
				if !errors.As(err, &remote) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want a catalog error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !rep.Accepted || rep.Version != tt.wantVersion {
				t.Fatalf("reply %+v, %v; want accepted version %d", rep, err, tt.wantVersion)
			}
			got := updated.Next(t)
			want := catalogmsg.SkuUpdated{MerchantID: u.MerchantID, SKU: u.SKU, Version: tt.wantVersion, Title: u.Title,
				PriceCents: u.PriceCents, Currency: u.Currency, StockDelta: u.StockDelta}
			if got != want {
				t.Errorf("published %+v, want %+v", got, want)
			}
		})
	}
	updated.Empty(t) // rejected updates are not announced
}

func TestDeleteAndIndexed(t *testing.T) {
	w := shoptest.NewWorld(t)
	repo := catalog.NewMemoryRepository()
	shoptest.Start(t, catalog.New(w.Service(catalog.Name), repo))
	client := w.Service("test")
	deleted := shoptest.Listen[catalogmsg.SkuDeleted](t, client, catalogmsg.SkuDeletedChannel)
	update := channel.NewReqRepClient[catalogmsg.UpdateSku, catalogmsg.UpdateSkuReply](client, catalogmsg.UpdateSkuChannel)
	del := channel.NewReqRepClient[catalogmsg.DeleteSku, catalogmsg.DeleteSkuReply](client, catalogmsg.DeleteSkuChannel)
	indexed := channel.NewPubClient[searchmsg.SkusIndexed](client, searchmsg.SkusIndexedChannel)
	ctx := t.Context()

	for range 2 {
		if _, err := update.Request(ctx, catalogmsg.UpdateSku{MerchantID: "m", SKU: "a", Title: "A", PriceCents: 1, Currency: "GBP"}); err != nil {
			t.Fatal(err)
		}
	}
	// Batches may arrive out of order: version 1's must not undo version 2's.
	for _, v := range []int{2, 1} {
		if err := indexed.Publish(ctx, searchmsg.SkusIndexed{Skus: []searchmsg.IndexedSku{{MerchantID: "m", SKU: "a", Version: v}}}); err != nil {
			t.Fatal(err)
		}
	}
	w.Settle(t, catalog.Name, "consume", 2)
	if s, _ := repo.Get("m", "a"); s.Version != 2 || s.IndexedVersion != 2 {
		t.Errorf("sku a: version %d indexed %d, want 2 and 2", s.Version, s.IndexedVersion)
	}

	rep, err := del.Request(ctx, catalogmsg.DeleteSku{MerchantID: "m", SKU: "a"})
	if err != nil || !rep.Deleted {
		t.Fatalf("delete: %+v, %v", rep, err)
	}
	if got := deleted.Next(t); got != (catalogmsg.SkuDeleted{MerchantID: "m", SKU: "a", Version: 2}) {
		t.Errorf("published %+v", got)
	}
	rep, err = del.Request(ctx, catalogmsg.DeleteSku{MerchantID: "m", SKU: "a"})
	if err != nil || rep.Deleted {
		t.Fatalf("second delete: %+v, %v; want not deleted", rep, err)
	}
	w.Settle(t, catalog.Name, "serve", 4)
	deleted.Empty(t) // nothing to announce the second time
}
