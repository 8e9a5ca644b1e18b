package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
	"github.com/tracegraph/tracegraph/examples/shop/inventory"
)

// updates makes the merchants' SKU updates.
type updates struct {
	rng       *rand.Rand
	merchants []merchant
	total     int              // sum of the merchants' weights
	prices    map[string]int64 // by SKU: the last price set
}

// newUpdates returns the generator and sets every SKU's opening stock.
func newUpdates(rng *rand.Rand, ms []merchant, stock *inventory.MemoryStore) *updates {
	g := &updates{rng: rng, merchants: ms, prices: map[string]int64{}}
	for _, m := range ms {
		g.total += m.weight
		for n := range skusPerMerchant {
			sku := skuID(m, n)
			stock.Set(m.contact.MerchantID, sku, 3+rng.IntN(15))
			g.prices[sku] = 500 + 100*rng.Int64N(200)
		}
	}
	return g
}

func skuID(m merchant, n int) string {
	return fmt.Sprintf("sku-%s-%02d", m.contact.MerchantID, n+1)
}

// gap is the time until the next update: exponential, as arrivals of
// independent merchants are.
func (g *updates) gap() time.Duration {
	return time.Duration(g.rng.ExpFloat64() * float64(meanGap))
}

// next returns the next update and whether the catalog should accept it.
func (g *updates) next() (catalogmsg.UpdateSku, bool) {
	pick := g.rng.IntN(g.total)
	m := g.merchants[0]
	for _, c := range g.merchants {
		if pick < c.weight {
			m = c
			break
		}
		pick -= c.weight
	}
	n := g.rng.IntN(skusPerMerchant)
	sku := skuID(m, n)
	price := int64(math.Round(float64(g.prices[sku]) * (0.9 + 0.2*g.rng.Float64())))
	g.prices[sku] = price
	var delta int
	switch r := g.rng.Float64(); {
	case r < 0.45: // sold or written off
		delta = -(1 + g.rng.IntN(6))
	case r < 0.8: // a delivery
		delta = 5 + g.rng.IntN(30)
	}
	u := catalogmsg.UpdateSku{
		MerchantID: m.contact.MerchantID,
		SKU:        sku,
		Title:      fmt.Sprintf("%s item %d", m.contact.Name, n+1),
		PriceCents: price,
		Currency:   m.currency,
		StockDelta: delta,
	}
	if g.rng.Float64() < invalidRate {
		u.Currency = "CHF" // not sold in the marketplace
		return u, false
	}
	return u, true
}
