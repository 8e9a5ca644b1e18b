package pricing

import (
	"context"
	"fmt"
	"math"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/fx/fxmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
	"github.com/tracegraph/tracegraph/examples/shop/pricing/pricingmsg"
)

// Name is the pricing service's name.
const Name = "pricing"

// OpReprice is the operation of pricing's handler.
const OpReprice = "Reprice"

// Pricing is the running pricing service.
type Pricing struct {
	svc     *channel.Service
	quoter  *quoter
	changed *channel.PubClient[pricingmsg.PriceChanged]
	subs    shopkit.Subscriptions
}

// New returns a pricing service that runs as svc.
func New(svc *channel.Service) *Pricing {
	return &Pricing{
		svc:     svc,
		quoter:  newQuoter(svc),
		changed: channel.NewPubClient[pricingmsg.PriceChanged](svc, pricingmsg.PriceChangedChannel),
	}
}

// Start subscribes to SKU updates. It returns once the subscription is in
// place; Close stops it.
func (p *Pricing) Start(ctx context.Context) error {
	sub := channel.NewSubClient[catalogmsg.SkuUpdated](p.svc, catalogmsg.SkuUpdatedChannel, channel.WithOperation(OpReprice))
	if err := p.subs.Add(sub.Subscribe(ctx, p.reprice)); err != nil {
		return fmt.Errorf("start %s: %w", Name, err)
	}
	return nil
}

// Close stops the subscription.
func (p *Pricing) Close() error { return p.subs.Close() }

func (p *Pricing) reprice(ctx context.Context, env channel.Envelope[catalogmsg.SkuUpdated]) error {
	u := env.Payload
	prices, err := p.quoter.prices(ctx, u.PriceCents, u.Currency)
	if err != nil {
		return fmt.Errorf("reprice %s: %w", u.SKU, err)
	}
	err = p.changed.Publish(ctx, pricingmsg.PriceChanged{MerchantID: u.MerchantID, SKU: u.SKU, Version: u.Version, Prices: prices})
	if err != nil {
		return fmt.Errorf("announce prices of %s: %w", u.SKU, err)
	}
	return nil
}

// quoter converts prices with rates from fx.
type quoter struct {
	rates *channel.ReqRepClient[fxmsg.GetRates, fxmsg.Rates]
}

func newQuoter(svc *channel.Service) *quoter {
	return &quoter{rates: ratesClient(svc)}
}

func ratesClient(svc *channel.Service) *channel.ReqRepClient[fxmsg.GetRates, fxmsg.Rates] {
	return channel.NewReqRepClient[fxmsg.GetRates, fxmsg.Rates](svc, fxmsg.RatesChannel)
}

// prices gives cents in currency in every marketplace currency, rounded to
// the minor unit.
func (q *quoter) prices(ctx context.Context, cents int64, currency string) (map[string]int64, error) {
	var quotes []string
	for _, c := range shopkit.Currencies() {
		if c != currency {
			quotes = append(quotes, c)
		}
	}
	rates, err := q.rates.Request(ctx, fxmsg.GetRates{Base: currency, Quotes: quotes})
	if err != nil {
		return nil, fmt.Errorf("rates for %s: %w", currency, err)
	}
	prices := map[string]int64{currency: cents}
	for _, c := range quotes {
		r, ok := rates.Rates[c]
		if !ok {
			return nil, fmt.Errorf("rates for %s: fx gave no %s rate", currency, c)
		}
		prices[c] = int64(math.Round(float64(cents) * r))
	}
	return prices, nil
}
