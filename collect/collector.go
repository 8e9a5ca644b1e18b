package collect

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/runtimegraph/spans"
	"github.com/tracegraph/tracegraph/telemetry"
)

// Store is where a Collector keeps what it takes: the exports whose spans it
// holds for pairing (staged before an export is acknowledged) and the
// events paired from them. pgstore.Store is one (see PGStore).
type Store interface {
	// Stage makes one export's request (an ExportTraceServiceRequest
	// protobuf) durable under seq; an export is acknowledged only after.
	// It must not keep body once it returns: the caller reuses it.
	Stage(ctx context.Context, seq int64, body []byte) error
	// Write stores events; storing an event twice must store it once.
	// It must not keep evs, nor their Tags maps, once it returns: the
	// caller reuses both.
	Write(ctx context.Context, evs []telemetry.Event) error
	// Release settles, in one transaction, what a Write stored: it
	// records the traces stored from exports still staged (Done), and
	// forgets the staged rows whose every trace is stored (Exports) and
	// the Done records no longer needed (Dones).
	Release(ctx context.Context, r Release) error
	// Staged calls done with the Done records not forgotten, then rows
	// with the staged rows, in order, after a restart, and returns the
	// greatest number either used.
	Staged(ctx context.Context, done func(Done) error, rows func(Staged) error) (int64, error)
}

// Staged is one staged row: a whole export (TraceID empty, Body an
// ExportTraceServiceRequest), or, as earlier versions staged them, one
// export's spans of one trace (Body a ResourceSpans).
type Staged struct {
	Seq     int64
	TraceID string
	Body    []byte
}

// Done records the traces (TraceIDs[i], of export Exports[i]) one Write
// stored from exports still staged, so that a restart pairs again only
// their other traces.
type Done struct {
	Seq      int64
	Exports  []int64
	TraceIDs []string
}

// Release is what one Write settles; see Store.Release.
type Release struct {
	Done    *Done
	Exports []int64
	Dones   []int64
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
	// FlushEvery is how often a store that keeps a rollup (PGStore) is
	// flushed while the Collector runs (DefaultFlushEvery): until then the
	// stored events' days are answered from the events, and a kill loses
	// the unflushed rollup for the next flush to heal.
	FlushEvery time.Duration
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
	DefaultMaxQueued   = 50_000
	DefaultBatchEvents = 5000
	DefaultWriters     = 2
	DefaultRetryAfter  = 2 * time.Second
	DefaultFlushEvery  = 10 * time.Second
)

// Errors Export returns; the receivers map them onto OTLP's codes.
var (
	// ErrOverloaded: more events wait for the store than MaxQueued, or
	// more spans for pairing than the window holds. Retryable.
	ErrOverloaded = errors.New("the store is falling behind: too many events wait to be stored")
	// ErrUnavailable: the store refused to stage the spans, or the
	// Collector is shutting down. Retryable.
	ErrUnavailable = errors.New("unavailable")
	// ErrMalformed: the request is not OTLP protobuf (ExportProto).
	ErrMalformed = errors.New("malformed OTLP request")
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
	seqs   map[string][]int64 // the staged exports that carried each held trace's spans
	// exports are the staged exports not yet released, by seq.
	exports map[int64]*export
	// doneRefs counts, for each Done record, the exports it names that
	// are still staged; at 0 it is forgotten.
	doneRefs map[int64]int
	queue    fifo // paired, not yet stored
	queued   int  // events in queue
	// expired counts spans paired because their trace was idle for the
	// window or the window was full (not because of a shutdown).
	expired int64
	closed  bool
	nextSeq atomic.Int64

	// settleMu makes each Write's Release commit in the order its counts
	// were taken, so that the staged rows and Done records in the store
	// always agree with a prefix of the stored writes (see settle).
	settleMu sync.Mutex

	wake     chan struct{} // the writer has work
	done     chan struct{} // the writers have drained the queue for good
	closing  chan struct{} // closed by Shutdown: writers drain and end
	stop     chan struct{} // the expiry loop must end
	loopDone chan struct{}
	// flushDone closes when flushLoop has returned.
	flushDone chan struct{}
	ready     atomic.Bool
}

// export is a staged export not yet released.
type export struct {
	pending int     // its traces whose events are not yet stored
	dones   []int64 // the Done records that name it
}

// batch is one flushed trace's events and the staged exports its spans
// came from.
type batch struct {
	trace  string
	events []telemetry.Event
	seqs   []int64
	queued time.Time
}

// fifo is a queue of batches whose array is used again: the writers take
// from its front, and what is left moves down once it is the lesser part.
// Cut off the front of a slice instead, the queue was outgrown and copied
// by each append, 5% of collect's allocation under load.
type fifo struct {
	b    []batch
	head int
}

func (q *fifo) push(b batch)        { q.b = append(q.b, b) }
func (q *fifo) len() int            { return len(q.b) - q.head }
func (q *fifo) at(i int) *batch     { return &q.b[q.head+i] }
func (q *fifo) front(n int) []batch { return q.b[q.head : q.head+n] }

// drop forgets the first n batches.
func (q *fifo) drop(n int) {
	clear(q.b[q.head : q.head+n])
	q.head += n
	if q.head > len(q.b)/2 {
		rest := copy(q.b, q.b[q.head:])
		clear(q.b[rest:])
		q.b, q.head = q.b[:rest], 0
	}
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
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = DefaultFlushEvery
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
		exports: map[int64]*export{}, doneRefs: map[int64]int{},
		wake: make(chan struct{}, 1), done: make(chan struct{}), closing: make(chan struct{}), stop: make(chan struct{}), loopDone: make(chan struct{}), flushDone: make(chan struct{})}
	c.m = newMetrics(c)
	c.pairer = spans.NewPairer(spans.Options{WindowSpans: opts.WindowSpans, MessageTypeAttr: opts.MessageTypeAttr}, c.emit)
	return c
}

// Start reads back what an earlier run staged and did not store, then
// starts pairing and storing. Until it returns, the Collector is not ready.
//
// Of a staged export, only the traces no Done record names are paired
// again: a trace whose events were stored may have left spans in an export
// still staged for its other traces, and paired alone they would make
// events the trace never had (a virtual peer for a partner already stored).
func (c *Collector) Start(ctx context.Context) error {
	stored := map[int64]map[string]bool{} // export → its traces already stored
	var dones []Done
	n := 0
	last, err := c.store.Staged(ctx, func(d Done) error {
		dones = append(dones, d)
		for i, seq := range d.Exports {
			if stored[seq] == nil {
				stored[seq] = map[string]bool{}
			}
			stored[seq][d.TraceIDs[i]] = true
		}
		return nil
	}, func(r Staged) error {
		rss, err := stagedSpans(r)
		if err != nil {
			return err
		}
		if skip := stored[r.Seq]; skip != nil {
			rss = withoutTraces(rss, skip)
		}
		s := c.pairer.Convert(rss)
		c.mu.Lock()
		defer c.mu.Unlock()
		traces := s.Traces()
		c.exports[r.Seq] = &export{pending: len(traces)}
		for _, t := range traces {
			c.seqs[t] = append(c.seqs[t], r.Seq)
		}
		n += s.Len()
		return c.pairer.Add(s, c.opts.Now())
	})
	if err != nil {
		return err
	}
	c.nextSeq.Store(last)
	// Exports with nothing left to store, and Done records naming no
	// staged export, are what a crash left between a Write and its
	// Release: settle them now.
	var rel Release
	c.mu.Lock()
	for _, d := range dones {
		refs := 0
		for _, seq := range uniq(d.Exports) {
			if e := c.exports[seq]; e != nil {
				e.dones = append(e.dones, d.Seq)
				refs++
			}
		}
		c.doneRefs[d.Seq] = refs
	}
	for seq, e := range c.exports {
		if e.pending == 0 {
			c.forget(seq, e, &rel)
		}
	}
	for d, refs := range c.doneRefs {
		if refs == 0 {
			delete(c.doneRefs, d)
			rel.Dones = append(rel.Dones, d)
		}
	}
	c.mu.Unlock()
	if len(rel.Exports)+len(rel.Dones) > 0 {
		if err := c.store.Release(ctx, rel); err != nil {
			return err
		}
	}
	if n > 0 {
		c.log.Info("recovered staged spans", "spans", n, "last_seq", last)
	}
	var writers sync.WaitGroup
	for range c.opts.Writers {
		writers.Go(c.writer)
	}
	go func() { writers.Wait(); close(c.done) }()
	go c.expireLoop()
	go c.flushLoop()
	c.ready.Store(true)
	return nil
}

// stagedSpans decodes a staged row.
func stagedSpans(r Staged) ([]*tracepb.ResourceSpans, error) {
	if r.TraceID != "" {
		var rs tracepb.ResourceSpans
		if err := proto.Unmarshal(r.Body, &rs); err != nil {
			return nil, fmt.Errorf("staged row %d: %w", r.Seq, err)
		}
		return []*tracepb.ResourceSpans{&rs}, nil
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(r.Body, &req); err != nil {
		return nil, fmt.Errorf("staged row %d: %w", r.Seq, err)
	}
	return req.ResourceSpans, nil
}

// withoutTraces is rss less the spans of the given traces (hex ids).
func withoutTraces(rss []*tracepb.ResourceSpans, skip map[string]bool) []*tracepb.ResourceSpans {
	for _, rs := range rss {
		for _, ss := range rs.GetScopeSpans() {
			ss.Spans = slices.DeleteFunc(ss.Spans, func(sp *tracepb.Span) bool {
				return skip[hex.EncodeToString(sp.GetTraceId())]
			})
		}
	}
	return rss
}

func uniq(seqs []int64) []int64 {
	out := slices.Clone(seqs)
	slices.Sort(out)
	return slices.Compact(out)
}

// Ready reports whether the Collector takes exports.
func (c *Collector) Ready() bool { return c.ready.Load() }

// Export takes the ResourceSpans of one OTLP request (binary ids). When it
// returns a nil error, the accepted spans are staged in the store.
func (c *Collector) Export(ctx context.Context, rss []*tracepb.ResourceSpans) (Result, error) {
	return c.ExportRequest(ctx, rss, nil)
}

// ExportRequest is Export with the request as it arrived: body, when not
// nil, is the ExportTraceServiceRequest protobuf that rss was decoded from
// (binary ids), staged as it is rather than encoded again.
func (c *Collector) ExportRequest(ctx context.Context, rss []*tracepb.ResourceSpans, body []byte) (Result, error) {
	if err := c.admit(func() int { return countSpans(rss) }); err != nil {
		return Result{}, err
	}
	s := c.pairer.Convert(rss)
	if body == nil && s.Len() > 0 {
		var err error
		if body, err = proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: rss}); err != nil {
			return Result{}, err
		}
	}
	return c.accept(ctx, s, body)
}

// ExportProto is Export on an ExportTraceServiceRequest as protobuf, as
// OTLP/gRPC and OTLP/HTTP carry it: decoded straight into spans
// (spans.Pairer.ConvertProto) and staged as it is. A body that is not
// protobuf is ErrMalformed, with proto's reason. body is not kept once
// ExportProto returns.
func (c *Collector) ExportProto(ctx context.Context, body []byte) (Result, error) {
	if err := c.admit(func() int { return spans.CountProto(body) }); err != nil {
		return Result{}, err
	}
	s, err := c.pairer.ConvertProto(body)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return c.accept(ctx, s, body)
}

// admit refuses an export when the collector is not ready, is shutting
// down, or is overloaded, before its spans are converted: under overload,
// refusals must cost next to nothing. count counts the spans refused.
func (c *Collector) admit(count func() int) error {
	if !c.ready.Load() {
		return fmt.Errorf("%w: not ready", ErrUnavailable)
	}
	c.mu.Lock()
	overloaded, closed := c.queued >= c.opts.MaxQueued, c.closed
	c.mu.Unlock()
	if closed {
		return fmt.Errorf("%w: shutting down", ErrUnavailable)
	}
	if overloaded {
		c.m.refused.Add(float64(count()))
		return ErrOverloaded
	}
	return nil
}

// accept stages an export's converted spans, body as it is, and holds
// them for pairing.
func (c *Collector) accept(ctx context.Context, s spans.Spans, body []byte) (Result, error) {
	res := Result{Accepted: int64(s.Len()), Rejected: s.Rejected, Reason: s.Reason}
	c.m.rejected.Add(float64(s.Rejected))
	if s.Len() == 0 {
		return res, nil
	}
	seq := c.nextSeq.Add(1)
	if err := c.store.Stage(ctx, seq, body); err != nil {
		c.m.refused.Add(float64(s.Len()))
		c.log.Warn("staging an export failed; refused it", "spans", s.Len(), "err", err)
		return Result{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	traces := s.Traces()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		// Shutdown began while the spans were staged: this run no longer
		// stores, and a FileStore staged nothing, so the exporter must
		// retry. A staged export a retry stages again pairs to the same
		// event ids at the next start, stored once.
		return Result{}, fmt.Errorf("%w: shutting down", ErrUnavailable)
	}
	c.exports[seq] = &export{pending: len(traces)}
	for _, t := range traces {
		c.seqs[t] = append(c.seqs[t], seq)
	}
	held := c.pairer.Held()
	if err := c.pairer.Add(s, c.opts.Now()); err != nil {
		return Result{}, err
	}
	c.expired += int64(held + s.Len() - c.pairer.Held())
	c.m.accepted.Add(float64(s.Len()))
	return res, nil
}

func countSpans(rss []*tracepb.ResourceSpans) int {
	n := 0
	for _, rs := range rss {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	return n
}

// emit takes the events of a flushed trace from the pairer (under c.mu).
func (c *Collector) emit(trace string, evs []telemetry.Event) error {
	for i := range evs {
		evs[i].Normalize()
	}
	c.queue.push(batch{trace: trace, events: evs, seqs: c.seqs[trace], queued: c.opts.Now()})
	delete(c.seqs, trace)
	c.queued += len(evs)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// expireLoop pairs the traces idle for the window, every tenth of it but
// at least every 100 ms: each pass then hands the writers a tenth of a
// second's traces, not a second's at once, so that the queue (and
// MaxQueued) need not hold a burst of a whole second's events.
func (c *Collector) expireLoop() {
	defer close(c.loopDone)
	t := time.NewTicker(min(max(c.opts.Window/10, 10*time.Millisecond), 100*time.Millisecond))
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

// flushLoop flushes a store that keeps a rollup every FlushEvery. A
// failure is logged only: the next flush, or Shutdown's, covers the same
// events. Shutdown cancels a flush under way (a heal can take seconds, a
// database that stopped answering for ever) rather than wait for it.
func (c *Collector) flushLoop() {
	defer close(c.flushDone)
	f, ok := c.store.(interface{ Flush(context.Context) error })
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-c.stop; cancel() }()
	t := time.NewTicker(c.opts.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := f.Flush(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("flushing the rollup failed; the next flush retries", "err", err)
			}
		}
	}
}

// writer stores queued events in batches, one of Options.Writers, retrying
// a failed write until it succeeds (events are idempotent), then settles
// their staged exports.
func (c *Collector) writer() {
	backoff := 100 * time.Millisecond
	retry := func(what string, n int, err error) {
		c.m.storeErrors.Inc()
		c.log.Warn(what+" failed; retrying", "events", n, "in", backoff, "err", err)
		time.Sleep(backoff)
		backoff = min(2*backoff, 5*time.Second)
	}
	// evs is reused from one write to the next: a batch of events is
	// large, and allocating one a write was a tenth of collect's
	// allocation under load.
	var evs []telemetry.Event
	var take []batch
	for {
		c.mu.Lock()
		k, n := 0, 0
		for k < c.queue.len() && (n == 0 || n+len(c.queue.at(k).events) <= c.opts.BatchEvents) {
			n += len(c.queue.at(k).events)
			k++
		}
		take = append(take[:0], c.queue.front(k)...)
		c.queue.drop(k)
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
		evs = slices.Grow(evs[:0], n)
		for _, b := range take {
			evs = append(evs, b.events...)
		}
		for {
			err := c.store.Write(context.Background(), evs)
			if err == nil {
				break
			}
			retry("storing events", n, err)
		}
		clear(evs) // what the events hold is the collector's to free
		c.settleMu.Lock()
		rel := c.settle(take)
		for {
			err := c.store.Release(context.Background(), rel)
			if err == nil {
				break
			}
			retry("releasing staged spans", n, err)
		}
		c.settleMu.Unlock()
		backoff = 100 * time.Millisecond
		c.mu.Lock()
		c.queued -= n
		for _, b := range take {
			c.pairer.Recycle(b.events) // copied into evs, and stored: free
		}
		c.mu.Unlock()
		clear(take)
		c.m.stored.Add(float64(n))
	}
}

// settle counts the stored batches' traces off their exports and returns
// what the store must then record: the exports whose every trace is now
// stored are released, and the traces stored from exports still staged go
// into a Done record. The caller holds settleMu until the store has it, so
// that, whatever a crash cuts off, a trace whose events are stored is
// either named by a committed Done record in each staged export that
// carried it, or has all those exports still staged (and pairs again whole,
// to the same event ids).
func (c *Collector) settle(take []batch) Release {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rel Release
	for _, b := range take {
		for _, seq := range b.seqs {
			if e := c.exports[seq]; e != nil {
				e.pending--
			}
		}
	}
	var done Done
	var named []int64
	for _, b := range take {
		for _, seq := range b.seqs {
			e := c.exports[seq]
			switch {
			case e == nil:
			case e.pending <= 0:
				c.forget(seq, e, &rel)
			default:
				done.Exports = append(done.Exports, seq)
				done.TraceIDs = append(done.TraceIDs, b.trace)
				named = append(named, seq)
			}
		}
	}
	if len(done.Exports) > 0 {
		done.Seq = c.nextSeq.Add(1)
		named = uniq(named)
		for _, seq := range named {
			c.exports[seq].dones = append(c.exports[seq].dones, done.Seq)
		}
		c.doneRefs[done.Seq] = len(named)
		rel.Done = &done
	}
	return rel
}

// forget releases export seq into rel, and the Done records that named
// only exports now released (under c.mu).
func (c *Collector) forget(seq int64, e *export, rel *Release) {
	delete(c.exports, seq)
	rel.Exports = append(rel.Exports, seq)
	for _, d := range e.dones {
		if c.doneRefs[d]--; c.doneRefs[d] == 0 {
			delete(c.doneRefs, d)
			rel.Dones = append(rel.Dones, d)
		}
	}
}

// Shutdown stops taking exports, pairs every held trace and stores its
// events. What cannot be stored before ctx ends stays staged for the next
// run.
func (c *Collector) Shutdown(ctx context.Context) error {
	c.ready.Store(false)
	close(c.stop)
	<-c.loopDone
	<-c.flushDone
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
