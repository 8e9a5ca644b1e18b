package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/tracegraph/tracegraph/examples/shop/catalog"
	"github.com/tracegraph/tracegraph/examples/shop/fx"
	"github.com/tracegraph/tracegraph/examples/shop/inventory"
	"github.com/tracegraph/tracegraph/examples/shop/notifications"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer"
)

// The services' real in-memory stores, with simulated latency and, where
// the scenario needs it, simulated failures.

type simRepository struct {
	*catalog.MemoryRepository
	w *world
}

func (r simRepository) Save(ctx context.Context, s catalog.Sku) (int, error) {
	r.w.work(700*time.Microsecond, 0.5)
	return r.MemoryRepository.Save(ctx, s)
}

func (r simRepository) MarkIndexed(ctx context.Context, merchantID, sku string, version int) error {
	r.w.work(250*time.Microsecond, 0.4)
	return r.MemoryRepository.MarkIndexed(ctx, merchantID, sku, version)
}

func (r simRepository) Delete(ctx context.Context, merchantID, sku string) (int, bool, error) {
	r.w.work(500*time.Microsecond, 0.4)
	return r.MemoryRepository.Delete(ctx, merchantID, sku)
}

// simStock is the stock store behind a warehouse system. The flaky
// merchant's warehouse often refuses adjustments or times out on them.
type simStock struct {
	*inventory.MemoryStore
	w     *world
	flaky string
}

// Failure rates of the flaky merchant's warehouse.
const (
	flakyFailRate    = 0.3
	flakyTimeoutRate = 0.4 // of the failures
)

func (s simStock) Adjust(ctx context.Context, merchantID, sku string, delta int) (int, error) {
	s.w.work(1200*time.Microsecond, 0.6)
	if merchantID == s.flaky && s.w.chance(flakyFailRate) {
		if s.w.chance(flakyTimeoutRate) {
			s.w.work(25*time.Millisecond, 0.1)
			return 0, fmt.Errorf("warehouse wh-eu-3: no answer within 25ms")
		}
		return 0, fmt.Errorf("warehouse wh-eu-3: bin of %s locked for a cycle count", sku)
	}
	return s.MemoryStore.Adjust(ctx, merchantID, sku, delta)
}

// simRates is the fx rate feed; now and then a quote is stale.
type simRates struct {
	fx.StaticRates
	w *world
}

const staleRateRate = 0.01

func (r simRates) Rate(ctx context.Context, base, quote string) (float64, error) {
	r.w.work(150*time.Microsecond, 0.3)
	if r.w.chance(staleRateRate) {
		return 0, fmt.Errorf("rate feed: %s/%s quote is stale", base, quote)
	}
	return r.StaticRates.Rate(ctx, base, quote)
}

type simIndex struct {
	*searchindexer.MemoryIndex
	w *world
}

func (x simIndex) Put(ctx context.Context, doc searchindexer.Document) error {
	x.w.work(1500*time.Microsecond, 0.7)
	return x.MemoryIndex.Put(ctx, doc)
}

func (x simIndex) Remove(ctx context.Context, merchantID, sku string) error {
	x.w.work(800*time.Microsecond, 0.5)
	return x.MemoryIndex.Remove(ctx, merchantID, sku)
}

// simMailer sends nothing; it only takes the time an SMTP relay takes.
type simMailer struct{ w *world }

func (m simMailer) Send(context.Context, notifications.Email) error {
	m.w.work(3*time.Millisecond, 0.5)
	return nil
}
