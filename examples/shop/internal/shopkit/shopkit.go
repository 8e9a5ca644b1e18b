package shopkit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tracegraph/tracegraph/channel"
)

// Listen subscribes h to ch as svc.
func Listen[T any](ctx context.Context, svc *channel.Service, ch string, h func(context.Context, channel.Envelope[T]) error, opts ...channel.SubOption) (channel.Subscription, error) {
	sub, err := channel.NewSubClient[T](svc, ch, opts...).Subscribe(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("%s: subscribe to %s: %w", svc.Name(), ch, err)
	}
	return sub, nil
}

// Subscriptions is the set of a service's subscriptions, closed together
// when the service stops. The zero value is empty and ready to use.
type Subscriptions struct {
	subs []channel.Subscription
}

// Add keeps sub when err is nil and returns err, so that a Subscribe or
// Serve call can be passed to it whole: subs.Add(srv.Serve(ctx, h)).
func (s *Subscriptions) Add(sub channel.Subscription, err error) error {
	if err != nil {
		return err
	}
	s.subs = append(s.subs, sub)
	return nil
}

// Close closes every subscription, the last added first, and empties the set.
func (s *Subscriptions) Close() error {
	var errs []error
	for _, sub := range slices.Backward(s.subs) {
		if err := sub.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.subs = nil
	return errors.Join(errs...)
}

// Currencies are the ISO 4217 codes the marketplace sells in, sorted.
func Currencies() []string {
	return []string{"EUR", "GBP", "SEK", "USD"}
}

// IsCurrency reports whether code is one of Currencies.
func IsCurrency(code string) bool {
	return slices.Contains(Currencies(), code)
}
