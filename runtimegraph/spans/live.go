package spans

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/telemetry"
)

// Pairer pairs spans that arrive over time, in any order and in any
// batching, as an OTLP receiver gets them: the file importers' window,
// with a clock. A trace's spans wait until the trace has been idle for the
// receiver's window (Expire), or until more than Options.WindowSpans spans
// are held; then its events are built exactly as Read builds them, so the
// same spans give the same events however they were batched, as long as
// each trace's spans arrive within the window.
//
// A Pairer is not safe for concurrent use; Convert is, so that the work on
// each span can be done outside the caller's lock.
type Pairer struct {
	opts  Options
	stats Stats
	w     *window
}

// NewPairer returns a Pairer that hands each flushed trace's events, sorted
// by time, to emit. emit owns the slice, and may give it back (Recycle).
func NewPairer(opts Options, emit func(trace string, events []telemetry.Event) error) *Pairer {
	opts = opts.withDefaults()
	p := &Pairer{opts: opts}
	p.stats.Format = OTLPProto
	p.w = newWindow(opts, &p.stats, nil)
	p.w.emitTrace = emit
	return p
}

// maxSpareEvents bounds the room of the event buffers a Pairer keeps for
// reuse (Recycle), some 20 MB: about a build batch's worth
// (buildBatchSpans), so that one burst of large traces is not held for
// good.
const maxSpareEvents = 65_536

// Recycle gives back a slice emit was handed, once its events and their
// Tags maps are no longer needed by anyone, so that later events are built
// in them: the events of every trace and their maps, allocated afresh,
// were nearly half of a collector's allocation under load. Like Add, it is
// not safe for concurrent use.
func (p *Pairer) Recycle(events []telemetry.Event) {
	for i := range events {
		if m := events[i].Tags; m != nil {
			clear(m)
			tagMaps.Put(m)
		}
	}
	w := p.w
	if cap(events) == 0 || w.spareEvents+cap(events) > maxSpareEvents {
		return
	}
	clear(events)
	w.spare = append(w.spare, events[:0])
	w.spareEvents += cap(events)
}

// Spans are the converted spans of one OTLP request, ready for Add.
type Spans struct {
	spans []*span
	// Rejected counts the spans that could not be read (an id of the
	// wrong length); Reason says why the first was rejected.
	Rejected int64
	Reason   string
}

// Len is the number of spans Add will take.
func (s Spans) Len() int { return len(s.spans) }

// Traces lists the trace ids of the spans, each once, in hex as events
// carry them.
func (s Spans) Traces() []string {
	var out []string
	seen := make(map[string]bool, 8)
	for _, sp := range s.spans {
		if !seen[sp.trace] {
			seen[sp.trace] = true
			out = append(out, sp.trace)
		}
	}
	return out
}

// Convert reads OTLP ResourceSpans with binary ids (protobuf, or JSON
// after FixJSONIDs) into spans, doing the work each span needs alone.
// A span that cannot be read is counted as rejected, not an error: OTLP's
// partial success.
func (p *Pairer) Convert(rss []*tracepb.ResourceSpans) Spans {
	var out Spans
	for _, rs := range rss {
		service := resourceService(rs.GetResource())
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				s, err := otlpSpan(sp, service, false)
				p.take(&out, s, err)
			}
		}
	}
	return out
}

// ConvertProto is Convert on an ExportTraceServiceRequest (or a
// TracesData: the same field 1) as protobuf, decoded straight into spans
// where it can be (see otlpwire.go) and by proto.Unmarshal where not. The
// error is proto's, for a request that is not protobuf.
func (p *Pairer) ConvertProto(body []byte) (Spans, error) {
	names := namesPool.Get().(*strCache)
	defer namesPool.Put(names)
	if decoded, ok := wireRequestTo(nil, body, names); ok {
		var out Spans
		for _, s := range decoded {
			p.take(&out, s, nil)
		}
		return out, nil
	}
	var td tracepb.TracesData
	if err := proto.Unmarshal(body, &td); err != nil {
		return Spans{}, err
	}
	return p.Convert(td.GetResourceSpans()), nil
}

// namesPool holds the string caches of concurrent ConvertProto calls.
var namesPool = sync.Pool{New: func() any { return new(strCache) }}

// take adds a converted span to out, or counts it as rejected.
func (p *Pairer) take(out *Spans, s *span, err error) {
	if err == nil && (s.trace == "" || s.id == "") {
		err = fmt.Errorf("a span needs a trace id and a span id")
	}
	if err != nil {
		if out.Rejected == 0 {
			out.Reason = err.Error()
		}
		out.Rejected++
		return
	}
	s.prepare(p.opts.MessageTypeAttr)
	out.spans = append(out.spans, s)
}

// CountProto counts the spans of an ExportTraceServiceRequest as protobuf
// without decoding them, for refusing one cheaply; 0 when it is not
// protobuf.
func CountProto(body []byte) int {
	n := 0
	field := func(num protowire.Number, fn func([]byte) bool) func(wireField) bool {
		return func(f wireField) bool {
			return f.num != num || f.typ != protowire.BytesType || fn(f.b)
		}
	}
	ok := eachField(body, field(1, func(rs []byte) bool {
		return eachField(rs, field(2, func(ss []byte) bool {
			return eachField(ss, field(2, func([]byte) bool { n++; return true }))
		}))
	}))
	if !ok {
		return 0
	}
	return n
}

// Add holds converted spans for pairing, stamped with now. It may flush
// (and emit) the least recently touched traces when the window is full.
func (p *Pairer) Add(s Spans, now time.Time) error {
	p.w.now = now.UnixNano()
	in := input{name: "otlp", ctx: context.Background(), w: p.w}
	for _, sp := range s.spans {
		if err := in.add(sp, func() string { return "trace " + sp.trace + " span " + sp.id }); err != nil {
			return err
		}
	}
	return nil
}

// Expire flushes and emits every trace no span was added to since before.
func (p *Pairer) Expire(before time.Time) error { return p.w.expire(before.UnixNano()) }

// Close flushes and emits every trace.
func (p *Pairer) Close() error { return p.w.close() }

// Held is the number of spans waiting for their trace to be flushed.
func (p *Pairer) Held() int { return p.w.held }

// Stats counts what the Pairer did so far.
func (p *Pairer) Stats() Stats { return p.stats }

// FixJSONIDs turns the ids of an OTLP/JSON request decoded by protojson
// into the binary ids protobuf carries: OTLP/JSON writes ids in hex, which
// protojson reads as base64. It reports the first id that is not hex.
func FixJSONIDs(rss []*tracepb.ResourceSpans) error {
	fix := func(b []byte, field string) ([]byte, error) {
		id, err := otlpID(b, true, field)
		if err != nil || id == "" {
			return nil, err
		}
		return hex.DecodeString(id)
	}
	for _, rs := range rss {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				var err error
				if sp.TraceId, err = fix(sp.TraceId, "traceId"); err != nil {
					return err
				}
				if sp.SpanId, err = fix(sp.SpanId, "spanId"); err != nil {
					return err
				}
				if sp.ParentSpanId, err = fix(sp.ParentSpanId, "parentSpanId"); err != nil {
					return err
				}
				for _, l := range sp.Links {
					if l.TraceId, err = fix(l.TraceId, "links.traceId"); err != nil {
						return err
					}
					if l.SpanId, err = fix(l.SpanId, "links.spanId"); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
