package spans

import (
	"container/list"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tracegraph/tracegraph/telemetry"
)

// window holds the open traces: spans wait here until their trace is
// flushed, the least recently touched trace first once more than
// opts.WindowSpans spans are held, and every trace at the end of the input.
type window struct {
	opts  Options
	stats *Stats
	emit  func(telemetry.Event) error
	// emitTrace, when set, takes the events of each flushed trace at once
	// instead of emit (see Pairer).
	emitTrace func(trace string, events []telemetry.Event) error
	// now stamps the traces spans are added to, for expire.
	now int64

	traces map[string]*traceBuf
	lru    list.List // of *traceBuf, least recently touched at the front
	held   int

	// producers indexes the PRODUCER spans of open traces, for links.
	producers map[spanRef]*span
	// linkers indexes the open CONSUMER spans by the span they link to.
	linkers map[spanRef][]*span
	// flushed remembers recently flushed trace ids, so that a span arriving
	// after its trace was flushed is counted (the window was too small).
	flushed    map[string]struct{}
	flushOrder []string
	flushNext  int

	// pending are flushed traces whose events are not built yet.
	pending      []*traceEvents
	pendingSpans int
	spare        [][]telemetry.Event // event buffers of emitted traces
	spareEvents  int                 // their room, in events
}

type traceBuf struct {
	id    string
	spans []*span
	elem  *list.Element
	// fill is set when a span lacks a service or a start time.
	fill bool
	// touched is window.now when a span was last added.
	touched int64
}

func newWindow(opts Options, stats *Stats, emit func(telemetry.Event) error) *window {
	return &window{
		opts: opts, stats: stats, emit: emit,
		traces:     make(map[string]*traceBuf),
		producers:  make(map[spanRef]*span),
		linkers:    make(map[spanRef][]*span),
		flushed:    make(map[string]struct{}),
		flushOrder: make([]string, opts.WindowSpans),
	}
}

// add takes one decoded span. It flushes the oldest traces when the window
// is over its size.
func (w *window) add(s *span) error {
	w.stats.Spans++
	if s.dur < 0 {
		// A span that ends before it starts: its host's clock moved.
		s.dur = 0
		w.stats.NegativeDurations++
		w.stats.note(warnNegative, s)
	}
	tb := w.traces[s.trace]
	if tb == nil {
		if _, late := w.flushed[s.trace]; late {
			w.stats.LateSpans++
			w.stats.note(warnLate, s)
		}
		// Room for a small trace's spans at once, not grown 1, 2, 4, 8.
		tb = &traceBuf{id: s.trace, spans: make([]*span, 0, 8)}
		tb.elem = w.lru.PushBack(tb)
		w.traces[s.trace] = tb
	} else {
		w.lru.MoveToBack(tb.elem)
	}
	tb.spans = append(tb.spans, s)
	tb.touched = w.now
	tb.fill = tb.fill || s.noService || s.noStart
	w.held++
	switch s.kind {
	case kindProducer:
		w.producers[spanRef{s.trace, s.id}] = s
	case kindConsumer:
		for _, l := range s.links {
			w.linkers[l] = append(w.linkers[l], s)
		}
	}
	for w.held > w.opts.WindowSpans {
		if err := w.flush(w.lru.Front().Value.(*traceBuf)); err != nil {
			return err
		}
	}
	return nil
}

// expire flushes the traces last touched before the time before, oldest
// first, and emits their events.
func (w *window) expire(before int64) error {
	for w.lru.Len() > 0 {
		tb := w.lru.Front().Value.(*traceBuf)
		if tb.touched >= before {
			break
		}
		if err := w.flush(tb); err != nil {
			return err
		}
	}
	return w.emitPending()
}

// close flushes every open trace, oldest first.
func (w *window) close() error {
	for w.lru.Len() > 0 {
		if err := w.flush(w.lru.Front().Value.(*traceBuf)); err != nil {
			return err
		}
	}
	return w.emitPending()
}

func (w *window) rememberFlushed(id string) {
	if old := w.flushOrder[w.flushNext]; old != "" {
		delete(w.flushed, old)
	}
	w.flushOrder[w.flushNext] = id
	w.flushNext = (w.flushNext + 1) % len(w.flushOrder)
	w.flushed[id] = struct{}{}
}

// flush pairs the spans of one trace, emits their events and forgets them.
func (w *window) flush(tb *traceBuf) error {
	w.lru.Remove(tb.elem)
	delete(w.traces, tb.id)
	w.held -= len(tb.spans)
	w.rememberFlushed(tb.id)

	byID := make(map[string][]*span, len(tb.spans))
	// The lists share one array: most ids have one span, and a second
	// span of an id (cap reached) moves its list out.
	lists := make([]*span, len(tb.spans))
	var root *span
	roots := 0
	for i, s := range tb.spans {
		if l, ok := byID[s.id]; ok {
			byID[s.id] = append(l, s)
		} else {
			lists[i] = s
			byID[s.id] = lists[i : i+1 : i+1]
		}
		if s.parent == "" {
			root = s
			roots++
		}
	}
	if roots != 1 {
		root = nil
	}
	t := &traceView{byID: byID, root: root}
	if tb.fill {
		t.fillFromAncestors(tb.spans)
	}

	// Pair every SERVER with its CLIENT and every CONSUMER with its
	// PRODUCER, looking from the receiving side.
	for _, s := range tb.spans {
		switch s.kind {
		case kindServer:
			if c := t.sharedSender(s); c != nil {
				w.pair(c, s)
			} else if p := t.directParent(s); p != nil && (p.kind == kindClient || p.kind == kindProducer) {
				// A PRODUCER's child SERVER: a message pushed over HTTP.
				w.pair(p, s)
			}
		case kindConsumer:
			if p := t.directParent(s); p != nil && (p.kind == kindProducer || p.kind == kindClient) {
				// A CLIENT's child CONSUMER: a message sent by an RPC
				// client, as the servicegraph connector pairs it.
				w.pair(p, s)
			}
			for _, l := range s.links {
				if p := w.producers[l]; p != nil {
					w.pair(p, s)
				}
			}
		}
	}
	// Consumers in other open traces that link to this trace's producers.
	for _, s := range tb.spans {
		if s.kind != kindProducer {
			continue
		}
		ref := spanRef{s.trace, s.id}
		for _, c := range w.linkers[ref] {
			if c.trace != s.trace {
				w.pair(s, c)
			}
		}
		delete(w.producers, ref)
	}
	for _, s := range tb.spans {
		if s.kind == kindConsumer {
			for _, l := range s.links {
				w.unlink(l, s)
			}
		}
	}

	var buf []telemetry.Event
	if n := len(w.spare); n > 0 {
		buf, w.spare = w.spare[n-1], w.spare[:n-1]
		w.spareEvents -= cap(buf)
	}
	w.pending = append(w.pending, &traceEvents{opts: w.opts, view: t, spans: tb.spans, events: buf})
	w.pendingSpans += len(tb.spans)
	if w.pendingSpans >= buildBatchSpans {
		return w.emitPending()
	}
	return nil
}

// buildBatchSpans is how many spans of flushed traces wait to have their
// events built together: enough to share among the cores, few next to the
// window.
const buildBatchSpans = 8192

// emitPending builds the events of the flushed traces on GOMAXPROCS
// goroutines, then emits them trace by trace in flush order, so the output
// does not depend on the number of cores. A flushed trace's spans are no
// longer touched by the window, so the builders share nothing.
func (w *window) emitPending() error {
	batch := w.pending
	w.pending, w.pendingSpans = w.pending[:0], 0
	var next atomic.Int64
	var wg sync.WaitGroup
	procs := runtime.GOMAXPROCS(0)
	if w.opts.small {
		procs = 0
		for _, b := range batch {
			b.build()
		}
	}
	for range min(procs, len(batch)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(batch)); i = next.Add(1) - 1 {
				batch[i].build()
			}
		})
	}
	wg.Wait()
	for _, b := range batch {
		w.stats.Orphans += b.orphans
		if b.firstOrphan != nil {
			kind := warnOrphan
			if b.view.root == nil {
				kind = warnHeadless
				w.stats.HeadlessOrphans += b.orphans
			}
			w.stats.note(kind, b.firstOrphan)
		}
		w.stats.LostCallers += b.lostCallers
		if b.firstLost != nil {
			w.stats.note(warnLostCaller, b.firstLost)
		}
		w.stats.VirtualPeers += b.virtualPeers
		if w.emitTrace != nil {
			if err := w.emitTrace(b.spans[0].trace, b.events); err != nil {
				return err
			}
			w.stats.Events += int64(len(b.events))
			b.events = nil // handed on: reused only once given back (Pairer.Recycle)
			continue
		}
		for i := range b.events {
			if err := w.emit(b.events[i]); err != nil {
				return err
			}
			w.stats.Events++
		}
		// The events were handed on by value: the buffer is free. Its old
		// contents go, so that it holds no tags.
		clear(b.events)
		w.spare = append(w.spare, b.events[:0])
		w.spareEvents += cap(b.events)
	}
	clear(batch)
	return nil
}

func (w *window) unlink(ref spanRef, s *span) {
	list := w.linkers[ref]
	for i, c := range list {
		if c == s {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(w.linkers, ref)
	} else {
		w.linkers[ref] = list
	}
}

// pair records a hop between a sending span (CLIENT, PRODUCER) and a
// receiving one (SERVER, CONSUMER), once.
func (w *window) pair(from, to *span) {
	for _, p := range to.partners {
		if p.id == from.id && p.service == from.service {
			return
		}
	}
	from.partners = append(from.partners, partnerOf(to))
	to.partners = append(to.partners, partnerOf(from))
	w.stats.Paired++
	if to.start < from.start {
		w.stats.Skewed++
		w.stats.note(warnSkew, to)
	}
}

func partnerOf(s *span) partner {
	return partner{kind: s.kind, service: s.service, id: s.id, channel: s.channel, system: s.system, msgType: s.msgType, start: s.start,
		err: s.err, errText: s.errText}
}
