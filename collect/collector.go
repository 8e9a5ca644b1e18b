package collect

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/runtimegraph/spans"
	"github.com/tracegraph/tracegraph/telemetry"
)

// Store is where a Collector keeps what it takes: the spans it holds for
// pairing (staged before an export is acknowledged) and the events paired
// from them. pgstore.Store is one (see PGStore).
type Store interface {
	// Stage makes rows durable; an export is acknowledged only after.
	Stage(ctx context.Context, rows []Staged) error
	// Write stores events; storing an event twice must store it once.
	Write(ctx context.Context, evs []telemetry.Event) error
	// Release forgets staged rows whose events Write stored.
	Release(ctx context.Context, seqs []int64) error
	// Staged calls fn with the rows not released, in order, after a
	// restart, and returns the greatest number used.
	Staged(ctx context.Context, fn func(Staged) error) (int64, error)
}

// Staged is one export's spans of one trace.
type Staged struct {
	Seq     int64
	TraceID string
	Body    []byte // a ResourceSpans protobuf
}

// Options configure a Collector. Zero values take the defaults.
type Options struct {
	// Window is how long a trace waits for more spans after its last one
	// arrived before it is paired and its events stored (DefaultWindow).
	Window time.Duration
	// WindowSpans bounds the spans held for pairing; past it the least
	// recently touched trace is paired early (spans.DefaultWindowSpans).
	WindowSpans int
	// MaxQueued bounds the events paired but not yet stored; past it
	// exports are refused as overload until the store catches up
	// (DefaultMaxQueued).
	MaxQueued int
	// BatchEvents is how many events one store write takes at most
	// (DefaultBatchEvents).
	BatchEvents int
	// Writers is how many store writes run at once (DefaultWriters).
	Writers int
	// RetryAfter is the delay a refusal asks exporters to wait
	// (DefaultRetryAfter).
	RetryAfter time.Duration
	// MessageTypeAttr is the span attribute naming the message type.
	MessageTypeAttr string
	// Logger receives the Collector's logs (slog.Default() when nil).
	Logger *slog.Logger
	// Now is the clock, for tests (time.Now when nil).
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultWindow      = 10 * time.Second
	DefaultMaxQueued   = 200_000
	DefaultBatchEvents = 5000
	DefaultWriters     = 2
	DefaultRetryAfter  = 2 * time.Second
)

// Errors Export returns; the receivers map them onto OTLP's codes.
var (
	// ErrOverloaded: more events wait for the store than MaxQueued, or
	// more spans for pairing than the window holds. Retryable.
	ErrOverloaded = errors.New("the store is falling behind: too many events wait to be stored")
	// ErrUnavailable: the store refused to stage the spans, or the
	// Collector is shutting down. Retryable.
	ErrUnavailable = errors.New("unavailable")
)

// Result is what Export took of a request.
type Result struct {
	Accepted, Rejected int64
	// Reason says why the first rejected span was rejected.
	Reason string
}

// Collector pairs the spans of OTLP exports into events and stores them;
// see the package doc for what is acknowledged when.
type Collector struct {
	opts  Options
	store Store
	log   *slog.Logger
	m     *metrics

	mu     sync.Mutex
	pairer *spans.Pairer
	seqs   map[string][]int64 // staged rows of each held trace
	queue  []batch            // paired, not yet stored
	queued int                // events in queue
	// expired counts spans paired because their trace was idle for the
	// window or the window was full (not because of a shutdown).
	expired int64
	closed  bool
	nextSeq atomic.Int64

	wake     chan struct{} // the writer has work
	done     chan struct{} // the writers have drained the queue for good
	closing  chan struct{} // closed by Shutdown: writers drain and end
	stop     chan struct{} // the expiry loop must end
	loopDone chan struct{}
	ready    atomic.Bool
}

// batch is one flushed trace's events and the staged rows they came from.
type batch struct {
	events []telemetry.Event
	seqs   []int64
	queued time.Time
}

// New returns a Collector over store. Start must be called before Export.
func New(store Store, opts Options) *Collector {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultMaxQueued
	}
	if opts.BatchEvents <= 0 {
		opts.BatchEvents = DefaultBatchEvents
	}
	if opts.Writers <= 0 {
		opts.Writers = DefaultWriters
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Collector{opts: opts, store: store, log: opts.Logger, seqs: map[string][]int64{},
		wake: make(chan struct{}, 1), done: make(chan struct{}), closing: make(chan struct{}), stop: make(chan struct{}), loopDone: make(chan struct{})}
	c.m = newMetrics(c)
	c.pairer = spans.NewPairer(spans.Options{WindowSpans: opts.WindowSpans, MessageTypeAttr: opts.MessageTypeAttr}, c.emit)
	return c
}

// Start reads back what an earlier run staged and did not store, then
// starts pairing and storing. Until it returns, the Collector is not ready.
func (c *Collector) Start(ctx context.Context) error {
	n := 0
	last, err := c.store.Staged(ctx, func(r Staged) error {
		var rs tracepb.ResourceSpans
		if err := proto.Unmarshal(r.Body, &rs); err != nil {
			return fmt.Errorf("staged row %d: %w", r.Seq, err)
		}
		s := c.pairer.Convert([]*tracepb.ResourceSpans{&rs})
		c.mu.Lock()
		defer c.mu.Unlock()
		c.seqs[r.TraceID] = append(c.seqs[r.TraceID], r.Seq)
		n += s.Len()
		return c.pairer.Add(s, c.opts.Now())
	})
	if err != nil {
		return err
	}
	c.nextSeq.Store(last)
	if n > 0 {
		c.log.Info("recovered staged spans", "spans", n, "last_seq", last)
	}
	var writers sync.WaitGroup
	for range c.opts.Writers {
		writers.Go(c.writer)
	}
	go func() { writers.Wait(); close(c.done) }()
	go c.expireLoop()
	c.ready.Store(true)
	return nil
}

// Ready reports whether the Collector takes exports.
func (c *Collector) Ready() bool { return c.ready.Load() }

// Export takes the ResourceSpans of one OTLP request (binary ids). When it
// returns a nil error, the accepted spans are staged in the store.
func (c *Collector) Export(ctx context.Context, rss []*tracepb.ResourceSpans) (Result, error) {
	if !c.ready.Load() {
		return Result{}, fmt.Errorf("%w: not ready", ErrUnavailable)
	}
	s := c.pairer.Convert(rss)
	res := Result{Accepted: int64(s.Len()), Rejected: s.Rejected, Reason: s.Reason}
	c.m.rejected.Add(float64(s.Rejected))
	if s.Len() == 0 {
		return res, nil
	}
	c.mu.Lock()
	overloaded, closed := c.queued >= c.opts.MaxQueued, c.closed
	c.mu.Unlock()
	if closed {
		return Result{}, fmt.Errorf("%w: shutting down", ErrUnavailable)
	}
	if overloaded {
		c.m.refused.Add(float64(s.Len()))
		return Result{}, ErrOverloaded
	}
	rows, err := stageRows(rss, s.Traces(), &c.nextSeq)
	if err != nil {
		return Result{}, err
	}
	if err := c.store.Stage(ctx, rows); err != nil {
		c.m.refused.Add(float64(s.Len()))
		c.log.Warn("staging an export failed; refused it", "spans", s.Len(), "err", err)
		return Result{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		// Shutdown began while the spans were staged: this run no longer
		// stores, and a FileStore staged nothing, so the exporter must
		// retry. Staged rows a retry stages again pair to the same event
		// ids at the next start, stored once.
		return Result{}, fmt.Errorf("%w: shutting down", ErrUnavailable)
	}
	for _, r := range rows {
		c.seqs[r.TraceID] = append(c.seqs[r.TraceID], r.Seq)
	}
	held := c.pairer.Held()
	if err := c.pairer.Add(s, c.opts.Now()); err != nil {
		return Result{}, err
	}
	c.expired += int64(held + s.Len() - c.pairer.Held())
	c.m.accepted.Add(float64(s.Len()))
	return res, nil
}

// stageRows cuts a request into one ResourceSpans per trace of those
// given (the traces of the spans the pairer accepted), numbered.
func stageRows(rss []*tracepb.ResourceSpans, traces []string, seq *atomic.Int64) ([]Staged, error) {
	type key struct {
		rs    int
		trace string
	}
	accepted := make(map[string]bool, len(traces))
	for _, t := range traces {
		accepted[t] = true
	}
	byTrace := map[key]*tracepb.ResourceSpans{}
	var order []key
	for i, rs := range rss {
		for _, ss := range rs.GetScopeSpans() {
			scopes := map[string]*tracepb.ScopeSpans{}
			for _, sp := range ss.GetSpans() {
				k := key{i, hex.EncodeToString(sp.GetTraceId())}
				if !accepted[k.trace] {
					continue // every span of it was rejected
				}
				out := byTrace[k]
				if out == nil {
					out = &tracepb.ResourceSpans{Resource: rs.GetResource(), SchemaUrl: rs.GetSchemaUrl()}
					byTrace[k] = out
					order = append(order, k)
				}
				sc := scopes[k.trace]
				if sc == nil {
					sc = &tracepb.ScopeSpans{Scope: ss.GetScope(), SchemaUrl: ss.GetSchemaUrl()}
					scopes[k.trace] = sc
					out.ScopeSpans = append(out.ScopeSpans, sc)
				}
				sc.Spans = append(sc.Spans, sp)
			}
		}
	}
	rows := make([]Staged, 0, len(order))
	for _, k := range order {
		body, err := proto.Marshal(byTrace[k])
		if err != nil {
			return nil, err
		}
		rows = append(rows, Staged{Seq: seq.Add(1), TraceID: k.trace, Body: body})
	}
	return rows, nil
}

// emit takes the events of a flushed trace from the pairer (under c.mu).
func (c *Collector) emit(trace string, evs []telemetry.Event) error {
	for i := range evs {
		evs[i].Normalize()
	}
	c.queue = append(c.queue, batch{events: evs, seqs: c.seqs[trace], queued: c.opts.Now()})
	delete(c.seqs, trace)
	c.queued += len(evs)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// expireLoop pairs the traces idle for the window, every tenth of it.
func (c *Collector) expireLoop() {
	defer close(c.loopDone)
	t := time.NewTicker(max(c.opts.Window/10, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.mu.Lock()
			held := c.pairer.Held()
			err := c.pairer.Expire(c.opts.Now().Add(-c.opts.Window))
			c.expired += int64(held - c.pairer.Held())
			c.mu.Unlock()
			if err != nil {
				c.log.Error("pairing expired traces", "err", err)
			}
		}
	}
}

// writer stores queued events in batches, one of Options.Writers, retrying a failed write until it
// succeeds (events are idempotent), then releases their staged rows.
func (c *Collector) writer() {
	backoff := 100 * time.Millisecond
	for {
		c.mu.Lock()
		var take []batch
		n := 0
		for len(c.queue) > 0 && (n == 0 || n+len(c.queue[0].events) <= c.opts.BatchEvents) {
			take = append(take, c.queue[0])
			n += len(c.queue[0].events)
			c.queue = c.queue[1:]
		}
		closed := c.closed
		c.mu.Unlock()
		if len(take) == 0 {
			if closed {
				return
			}
			select {
			case <-c.wake:
			case <-c.closing:
			}
			continue
		}
		evs := make([]telemetry.Event, 0, n)
		var seqs []int64
		for _, b := range take {
			evs = append(evs, b.events...)
			seqs = append(seqs, b.seqs...)
		}
		for {
			err := c.store.Write(context.Background(), evs)
			if err == nil {
				err = c.store.Release(context.Background(), seqs)
			}
			if err == nil {
				backoff = 100 * time.Millisecond
				break
			}
			c.m.storeErrors.Inc()
			c.log.Warn("storing events failed; retrying", "events", len(evs), "in", backoff, "err", err)
			time.Sleep(backoff)
			backoff = min(2*backoff, 5*time.Second)
		}
		c.mu.Lock()
		c.queued -= n
		c.mu.Unlock()
		c.m.stored.Add(float64(n))
	}
}

// Shutdown stops taking exports, pairs every held trace and stores its
// events. What cannot be stored before ctx ends stays staged for the next
// run.
func (c *Collector) Shutdown(ctx context.Context) error {
	c.ready.Store(false)
	close(c.stop)
	<-c.loopDone
	c.mu.Lock()
	err := c.pairer.Close()
	c.closed = true
	c.mu.Unlock()
	close(c.closing)
	if err != nil {
		return err
	}
	select {
	case <-c.done:
		if f, ok := c.store.(interface{ Flush(context.Context) error }); ok {
			return f.Flush(ctx)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shutdown: events left unstored (they stay staged for the next run): %w", ctx.Err())
	}
}

// Stats are the pairer's counts so far.
func (c *Collector) Stats() spans.Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pairer.Stats()
}
