package pricing_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/fx"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shoptest"
	"github.com/tracegraph/tracegraph/examples/shop/pricing"
	"github.com/tracegraph/tracegraph/examples/shop/pricing/pricingmsg"
)

func TestReprice(t *testing.T) {
	w := shoptest.NewWorld(t)
	shoptest.Start(t, fx.New(w.Service(fx.Name), fx.StaticRates{"EUR": 1, "GBP": 0.5, "SEK": 10, "USD": 1.1}))
	shoptest.Start(t, pricing.New(w.Service(pricing.Name)))
	catalog := w.Service("catalog")
	changed := shoptest.Listen[pricingmsg.PriceChanged](t, catalog, pricingmsg.PriceChangedChannel)
	pub := channel.NewPubClient[catalogmsg.SkuUpdated](catalog, catalogmsg.SkuUpdatedChannel)

	tests := []struct {
		cents    int64
		currency string
		want     map[string]int64
	}{
		{1000, "EUR", map[string]int64{"EUR": 1000, "GBP": 500, "SEK": 10000, "USD": 1100}},
		{999, "GBP", map[string]int64{"EUR": 1998, "GBP": 999, "SEK": 19980, "USD": 2198}}, // 2197.8 rounds up
		{3, "SEK", map[string]int64{"EUR": 0, "GBP": 0, "SEK": 3, "USD": 0}},
	}
	for i, tt := range tests {
		t.Run(tt.currency, func(t *testing.T) {
			u := catalogmsg.SkuUpdated{MerchantID: "m", SKU: "s", Version: i + 1, PriceCents: tt.cents, Currency: tt.currency}
			if err := pub.Publish(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			got := changed.Next(t)
			if got.Version != u.Version || !maps.Equal(got.Prices, tt.want) {
				t.Errorf("got version %d prices %v, want %d %v", got.Version, got.Prices, u.Version, tt.want)
			}
		})
	}
}

func TestRepriceWithoutFX(t *testing.T) {
	w := shoptest.NewWorld(t)
	shoptest.Start(t, pricing.New(w.Service(pricing.Name)))
	catalog := w.Service("catalog")
	changed := shoptest.Listen[pricingmsg.PriceChanged](t, catalog, pricingmsg.PriceChangedChannel)
	pub := channel.NewPubClient[catalogmsg.SkuUpdated](catalog, catalogmsg.SkuUpdatedChannel)
	if err := pub.Publish(t.Context(), catalogmsg.SkuUpdated{MerchantID: "m", SKU: "s", PriceCents: 1, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	ev := w.Settle(t, pricing.Name, "consume", 1)[0]
	if ev.Status != "error" || !strings.Contains(ev.Error, "no responders") {
		t.Errorf("consume event: %s %q, want an error saying fx has no responders", ev.Status, ev.Error)
	}
	changed.Empty(t)
}
