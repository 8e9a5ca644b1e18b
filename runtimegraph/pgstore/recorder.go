package pgstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tracegraph/tracegraph/telemetry"
)

// RecorderOptions tune a Recorder. Zero values take the defaults.
type RecorderOptions struct {
	BatchSize  int           // events per COPY (default 1,000)
	Buffer     int           // events waiting before Record drops (default 10,000)
	FlushEvery time.Duration // longest an event waits for a batch (default 1 s)
	// RollupEvery is how often the rollup of the written events is flushed
	// (default 1 min). Until it is, their days are answered from the
	// events: the same graph, at the events' cost.
	RollupEvery time.Duration
}

// Recorder is a telemetry.Recorder that writes events straight to the
// store. Record never blocks: events go into a bounded buffer, a background
// goroutine writes them in batches, and when the buffer is full (the
// database is slow or away) events are dropped and counted, because a
// service's message handling must never wait on its telemetry.
type Recorder struct {
	store  *Store
	opts   RecorderOptions
	ch     chan telemetry.Event
	done   chan struct{} // closed when run has written everything
	rolled chan struct{} // closed when rollup has stopped

	mu     sync.RWMutex // guards closed against Record racing Close
	closed bool

	dropped atomic.Int64
	errMu   sync.Mutex
	err     error
}

// NewRecorder starts a Recorder writing to s. Close it to flush.
func (s *Store) NewRecorder(opts RecorderOptions) *Recorder {
	opts.BatchSize = orDefault(opts.BatchSize, 1000)
	opts.Buffer = orDefault(opts.Buffer, 10_000)
	opts.FlushEvery = orDefault(opts.FlushEvery, time.Second)
	opts.RollupEvery = orDefault(opts.RollupEvery, time.Minute)
	r := &Recorder{store: s, opts: opts, ch: make(chan telemetry.Event, opts.Buffer),
		done: make(chan struct{}), rolled: make(chan struct{})}
	go r.run()
	go r.rollup()
	return r
}

// orDefault is v, or def when v is zero or negative (which would make a
// channel or a ticker panic).
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Record queues e, or drops it when the buffer is full or the Recorder is
// closed.
func (r *Recorder) Record(_ context.Context, e telemetry.Event) {
	e.Normalize()
	if err := Check(&e); err != nil {
		r.fail(err, 1)
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.dropped.Add(1)
		return
	}
	select {
	case r.ch <- e:
	default:
		r.dropped.Add(1)
	}
}

// Dropped is how many events were lost so far: buffer full, recorded after
// Close, not storable, or in a batch the database refused.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

// Close writes what is buffered, flushes the store's rollup of it (see
// Store.Flush) and stops the Recorder. It returns the first write error,
// with the number of events dropped, if any were.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.ch)
	}
	r.mu.Unlock()
	for _, stopped := range []chan struct{}{r.done, r.rolled} {
		select {
		case <-stopped:
		case <-ctx.Done():
			return fmt.Errorf("recorder: close: %w (%d events dropped so far)", ctx.Err(), r.Dropped())
		}
	}
	flushErr := r.store.Flush(ctx)
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if flushErr != nil && r.err == nil && r.Dropped() == 0 {
		return fmt.Errorf("recorder: %w", flushErr)
	}
	if r.err != nil || r.Dropped() > 0 {
		return fmt.Errorf("recorder: %d events dropped (first error: %v)", r.Dropped(), r.err)
	}
	return nil
}

func (r *Recorder) fail(err error, n int) {
	r.dropped.Add(int64(n))
	r.errMu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.errMu.Unlock()
}

func (r *Recorder) run() {
	defer close(r.done)
	tick := time.NewTicker(r.opts.FlushEvery)
	defer tick.Stop()
	batch := make([]telemetry.Event, 0, r.opts.BatchSize)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// Writes outlive any caller's context: the events are already ours.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := r.store.Write(ctx, batch); err != nil {
			r.fail(err, len(batch))
		}
		cancel()
		batch = batch[:0]
	}
	for {
		select {
		case e, ok := <-r.ch:
			if !ok {
				flush()
				return
			}
			batch = append(batch, e)
			if len(batch) == r.opts.BatchSize {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// healTimeout bounds the recomputation of stale days after a Recorder's
// flush: a day of millions of events takes seconds.
const healTimeout = 5 * time.Minute

// rollup flushes the store's rollup every RollupEvery until run is done.
// It has a goroutine of its own so that a slow flush never holds up the
// batches, which would fill the buffer and drop events.
func (r *Recorder) rollup() {
	defer close(r.rolled)
	tick := time.NewTicker(r.opts.RollupEvery)
	defer tick.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-tick.C:
			// A failed flush keeps its cells pending for the next one, and
			// Close reports the error of the last. Days that stores which
			// died left out of the rollup are then recomputed (heal.go); a
			// failure there only leaves them to the next try.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = r.store.Flush(ctx)
			cancel()
			ctx, cancel = context.WithTimeout(context.Background(), healTimeout)
			_, _ = r.store.HealStale(ctx)
			cancel()
		}
	}
}
