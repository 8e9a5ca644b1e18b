package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog"
	"github.com/tracegraph/tracegraph/examples/shop/fx"
	"github.com/tracegraph/tracegraph/examples/shop/inventory"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi/merchantmsg"
	"github.com/tracegraph/tracegraph/examples/shop/notifications"
	"github.com/tracegraph/tracegraph/examples/shop/pricing"
	"github.com/tracegraph/tracegraph/examples/shop/searchindexer"
	"github.com/tracegraph/tracegraph/telemetry"
)

// DefaultStart is the simulated time the committed events start at.
const DefaultStart = "2026-11-24T09:00:00Z"

// FlakyMerchant is the merchant whose warehouse fails many stock
// adjustments.
const FlakyMerchant = "4c5d6e7"

// Scenario knobs.
const (
	skusPerMerchant = 12
	meanGap         = 1500 * time.Millisecond // between two merchants' updates
	flushEvery      = 10                      // updates per search index batch
	invalidRate     = 0.02                    // updates the catalog rejects
	lowStock        = 5
	onCall          = "oncall@shop.example"
)

// Config is one simulation run.
type Config struct {
	// Seed fixes everything random: the updates, latencies, failures and
	// ids.
	Seed uint64
	// Updates is how many SKU updates merchants make.
	Updates int
	// Start is the simulated time of the first event.
	Start time.Time
	// Recorder receives every service's events.
	Recorder telemetry.Recorder
}

type merchant struct {
	contact  merchantmsg.Contact
	currency string
	weight   int // share of the updates
}

func merchants() []merchant {
	return []merchant{
		{merchantmsg.Contact{MerchantID: FlakyMerchant, Name: "Acme Outdoor", Email: "ops@acme-outdoor.example"}, "EUR", 3},
		{merchantmsg.Contact{MerchantID: "1a2b3c4", Name: "Bramble Books", Email: "hello@bramble-books.example"}, "GBP", 2},
		{merchantmsg.Contact{MerchantID: "9e8d7c6", Name: "Cedar Kitchen", Email: "shop@cedar-kitchen.example"}, "USD", 2},
		{merchantmsg.Contact{MerchantID: "5f6a7b8", Name: "Dalarna Design", Email: "order@dalarna.example"}, "SEK", 1},
		{merchantmsg.Contact{MerchantID: "2d3e4f5", Name: "Etna Espresso", Email: "info@etna-espresso.example"}, "EUR", 2},
	}
}

// Streams of the seed, one per use, so that adding a draw to one (say, a
// new latency) leaves the others as they were.
const (
	streamClock = iota + 1
	streamWorld
	streamIDs
	streamUpdates
)

// Run builds every service of the shop over one memory bus and plays
// cfg.Updates SKU updates through them, one at a time: each update and
// everything it sets off is handled before the next begins. Every
// flushEvery updates, and at the end, the search indexer writes a batch.
func Run(ctx context.Context, cfg Config) (err error) {
	if cfg.Updates < 0 {
		return fmt.Errorf("sim: %d updates: want zero or more", cfg.Updates)
	}
	if cfg.Recorder == nil {
		cfg.Recorder = telemetry.Discard
	}
	clk := newClock(cfg.Start, rand.New(rand.NewPCG(cfg.Seed, streamClock)))
	w := &world{clock: clk, rng: rand.New(rand.NewPCG(cfg.Seed, streamWorld))}
	ids := &idSource{clock: clk, rng: rand.New(rand.NewPCG(cfg.Seed, streamIDs))}
	mem := channel.NewMemoryBus()
	defer func() { err = errors.Join(err, mem.Close()) }()
	bus := newSequencer(mem, w)
	opts := []channel.Option{channel.WithRecorder(cfg.Recorder), channel.WithClock(clk.now), channel.WithIDs(ids.newID)}

	ms := merchants()
	var contacts []merchantmsg.Contact
	for _, m := range ms {
		contacts = append(contacts, m.contact)
	}
	stock := inventory.NewMemoryStore()
	api := merchantapi.New(channel.NewService(merchantapi.Name, bus, opts...), merchantapi.NewDirectory(contacts...))
	ix := searchindexer.New(channel.NewService(searchindexer.Name, bus, opts...),
		simIndex{searchindexer.NewMemoryIndex(), w})
	services := []interface {
		Start(context.Context) error
		Close() error
	}{
		api,
		catalog.New(channel.NewService(catalog.Name, bus, opts...), simRepository{catalog.NewMemoryRepository(), w}),
		inventory.New(channel.NewService(inventory.Name, bus, opts...), simStock{stock, w, FlakyMerchant}, true),
		pricing.New(channel.NewService(pricing.Name, bus, opts...)),
		fx.New(channel.NewService(fx.Name, bus, opts...), simRates{fx.ReferenceRates(), w}),
		ix,
		notifications.New(channel.NewService(notifications.Name, bus, opts...), simMailer{w},
			notifications.Config{LowStock: lowStock, OnCall: onCall}),
	}
	for _, s := range services {
		if err := s.Start(ctx); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, s.Close()) }()
	}

	gen := newUpdates(rand.New(rand.NewPCG(cfg.Seed, streamUpdates)), ms, stock)
	for i := range cfg.Updates {
		clk.sleep(gen.gap())
		u, valid := gen.next()
		_, err := api.UpdateSku(ctx, u)
		var rejected *channel.RemoteError
		switch {
		case valid && err != nil:
			return fmt.Errorf("sim: update %d: %w", i+1, err)
		case !valid && !errors.As(err, &rejected):
			return fmt.Errorf("sim: update %d: the catalog accepted an invalid update", i+1)
		}
		if err := bus.drain(ctx); err != nil {
			return err
		}
		if (i+1)%flushEvery == 0 || i+1 == cfg.Updates {
			if err := ix.Flush(ctx); err != nil {
				return fmt.Errorf("sim: index batch after update %d: %w", i+1, err)
			}
			if err := bus.drain(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}
