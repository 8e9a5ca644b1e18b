package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// errBusy is a request turned away because too many wait already.
var errBusy = errors.New("the server is busy: too many requests are waiting for the store")

// gate bounds the requests that read the store and encode its answer at
// once: each holds one of its slots from the first read to the last byte
// of its answer, so the memory of answers in progress is bounded too. A
// request with no free slot waits in line, up to maxQueued of them and
// each at most maxWait; past that it is turned away (a 503 with
// Retry-After), which a client can retry, instead of piling up work that
// answers nobody in time.
type gate struct {
	slots     chan struct{}
	queued    atomic.Int64
	maxQueued int64
	maxWait   time.Duration
}

func newGate(active, queued int, maxWait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, active), maxQueued: int64(queued), maxWait: maxWait}
}

// enter takes a slot, waiting for one if need be; leave gives it back.
func (g *gate) enter(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	if g.queued.Add(1) > g.maxQueued {
		g.queued.Add(-1)
		return errBusy
	}
	defer g.queued.Add(-1)
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (g *gate) leave() { <-g.slots }
