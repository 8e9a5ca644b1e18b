package fx

import (
	"context"
	"errors"
	"fmt"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/fx/fxmsg"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
)

// Name is the fx service's name.
const Name = "fx"

// OpGetRates is the operation of fx's handler.
const OpGetRates = "GetRates"

// ErrUnknownCurrency is wrapped by the error of a rate the source lacks.
var ErrUnknownCurrency = errors.New("unknown currency")

// Source gives exchange rates. Implementations must be safe for concurrent
// use.
type Source interface {
	// Rate is how many units of quote one unit of base buys.
	Rate(ctx context.Context, base, quote string) (float64, error)
}

// StaticRates is a Source with fixed rates, each given against the euro.
type StaticRates map[string]float64

// ReferenceRates returns a StaticRates for the marketplace currencies.
func ReferenceRates() StaticRates {
	return StaticRates{"EUR": 1, "GBP": 0.86, "SEK": 11.45, "USD": 1.09}
}

// Rate implements Source by crossing through the euro.
func (r StaticRates) Rate(_ context.Context, base, quote string) (float64, error) {
	b, ok := r[base]
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownCurrency, base)
	}
	q, ok := r[quote]
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownCurrency, quote)
	}
	return q / b, nil
}

// FX is the running fx service.
type FX struct {
	svc    *channel.Service
	source Source
	subs   shopkit.Subscriptions
}

// New returns an fx service that runs as svc and quotes from source.
func New(svc *channel.Service, source Source) *FX {
	return &FX{svc: svc, source: source}
}

// Start serves rate requests. It returns once it serves; Close stops it.
func (f *FX) Start(ctx context.Context) error {
	srv := channel.NewReqRepServer[fxmsg.GetRates, fxmsg.Rates](f.svc, fxmsg.RatesChannel, channel.WithOperation(OpGetRates))
	err := f.subs.Add(srv.Serve(ctx, func(ctx context.Context, env channel.Envelope[fxmsg.GetRates]) (fxmsg.Rates, error) {
		req := env.Payload
		rates := make(map[string]float64, len(req.Quotes))
		for _, q := range req.Quotes {
			r, err := f.source.Rate(ctx, req.Base, q)
			if err != nil {
				return fxmsg.Rates{}, fmt.Errorf("rate %s/%s: %w", req.Base, q, err)
			}
			rates[q] = r
		}
		return fxmsg.Rates{Base: req.Base, Rates: rates}, nil
	}))
	if err != nil {
		return fmt.Errorf("start %s: %w", Name, err)
	}
	return nil
}

// Close stops serving.
func (f *FX) Close() error { return f.subs.Close() }
