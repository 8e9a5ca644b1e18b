package spans

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tracegraph/tracegraph/telemetry"
)

// DefaultMessageTypeAttr is the span attribute read as the message type when
// Options.MessageTypeAttr is empty. No OpenTelemetry convention names the
// payload type; this is tracegraph's.
const DefaultMessageTypeAttr = "messaging.message.type"

// Defaults of Options.
const (
	DefaultWindowSpans     = 100_000
	DefaultMaxTags         = 32
	DefaultMaxTagBytes     = 256
	DefaultMaxMessageBytes = 64 << 20
)

// Options tune Read. The zero value is ready to use.
type Options struct {
	// MessageTypeAttr is the span attribute holding the message type; empty
	// means DefaultMessageTypeAttr.
	MessageTypeAttr string
	// WindowSpans bounds the spans held for pairing (DefaultWindowSpans).
	// Each held span costs about 2 KiB of resident memory (bench/spans.sh
	// measures it), so the default keeps an import near 200 MiB.
	WindowSpans int
	// MaxTags and MaxTagBytes bound an event's tags: the first MaxTags
	// attributes by key, keys and values cut to MaxTagBytes.
	MaxTags, MaxTagBytes int
	// MaxMessageBytes bounds one unit of decoding (DefaultMaxMessageBytes):
	// an OTLP protobuf message or ResourceSpans, an OTLP/JSON ResourceSpans,
	// a Zipkin span or trace array, a Jaeger trace.
	MaxMessageBytes int

	// small is the fuzz tests' setting: decode and build events on the
	// caller's goroutine alone, so that one input always runs the same
	// code (goroutines hand work over by timing), with small buffers, so
	// that a run costs little and refills are exercised.
	small bool
}

// bufBytes is the size of the read buffer and of the framer's first one.
func (o Options) bufBytes() int {
	if o.small {
		return 256
	}
	return 64 << 10
}

func (o Options) withDefaults() Options {
	if o.MessageTypeAttr == "" {
		o.MessageTypeAttr = DefaultMessageTypeAttr
	}
	if o.WindowSpans <= 0 {
		o.WindowSpans = DefaultWindowSpans
	}
	if o.MaxTags <= 0 {
		o.MaxTags = DefaultMaxTags
	}
	if o.MaxTagBytes <= 0 {
		o.MaxTagBytes = DefaultMaxTagBytes
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	return o
}

// Stats counts what Read did. The counters that are not zero in a clean
// input are summarised by Warnings.
type Stats struct {
	Format Format // the format read (detected or given)
	Spans  int64  // spans decoded
	Events int64  // events emitted
	Paired int64  // hops whose both spans were found
	// VirtualPeers counts spans whose partner is missing and that name the
	// other side themselves (see the package doc).
	VirtualPeers int64
	// Orphans counts spans whose parent span is not in the input. In a
	// trace with one root span they are attached to it, as Zipkin does;
	// HeadlessOrphans counts those of traces with no single root.
	Orphans, HeadlessOrphans int64
	// LostCallers counts SERVER and CONSUMER spans whose parent is missing
	// and whose caller nothing names: they are drawn as entry points.
	LostCallers int64
	// Skipped counts spans dropped for a missing trace id or span id.
	Skipped int64
	// NoStart counts spans with no start time, dated from their nearest
	// ancestor that has one, else from the trace's earliest span (or the
	// Unix epoch when no span of the trace has a time).
	NoStart int64
	// NoService counts spans with no service name. A CLIENT, PRODUCER or
	// INTERNAL span takes its nearest ancestor's, as Zipkin's linker does;
	// the others, and those with no named ancestor, are unknown_service.
	NoService int64
	// UnknownEnums counts spans with a kind or status the format does not
	// define ("kind": "SERVER_OOPS"), read as unspecified.
	UnknownEnums int64
	// NegativeDurations counts spans ending before they start, clamped to 0.
	NegativeDurations int64
	// Skewed counts hops whose receiving span starts before its sending span
	// (clocks of two hosts disagree); their lag is clamped to 0.
	Skewed int64
	// LateSpans counts spans whose trace had already left the pairing window:
	// the window is smaller than the file's spread of that trace.
	LateSpans int64

	first map[string]string
}

// Warning kinds, in the order Warnings reports them.
const (
	warnSkipped     = "skipped"
	warnNoStart     = "nostart"
	warnNoService   = "noservice"
	warnUnknownEnum = "enum"
	warnOrphan      = "orphan"
	warnHeadless    = "headless"
	warnLostCaller  = "lostcaller"
	warnNegative    = "negative"
	warnSkew        = "skew"
	warnLate        = "late"
)

// note remembers the first span of each warning kind, for the message.
func (st *Stats) note(kind string, s *span) {
	if st.first == nil {
		st.first = make(map[string]string)
	}
	if _, ok := st.first[kind]; !ok {
		st.first[kind] = fmt.Sprintf("trace %s span %s", s.trace, s.id)
	}
}

func (st *Stats) noteAt(kind, where string) {
	if st.first == nil {
		st.first = make(map[string]string)
	}
	if _, ok := st.first[kind]; !ok {
		st.first[kind] = where
	}
}

// Warnings describes, one line each, what in the input was odd but did not
// stop the import.
func (st Stats) Warnings() []string {
	var out []string
	add := func(n int64, kind, msg string) {
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s (first: %s)", n, msg, st.first[kind]))
		}
	}
	add(st.Skipped, warnSkipped, "spans skipped: no trace id or span id")
	add(st.NoStart, warnNoStart, "spans with no start time, dated from their parent or trace")
	add(st.NoService, warnNoService, "spans with no service name: a client, producer or internal span takes its parent's, the others are "+unknownService)
	add(st.UnknownEnums, warnUnknownEnum, "spans with a kind or status the format does not define, read as unspecified")
	add(st.Orphans-st.HeadlessOrphans, warnOrphan, "spans whose parent is not in the input, attached to the trace's root span")
	add(st.HeadlessOrphans, warnHeadless, "spans whose parent is not in the input, in traces with no single root span")
	add(st.LostCallers, warnLostCaller, "server or consumer spans whose caller's span is missing and unnamed, drawn as entry points")
	add(st.NegativeDurations, warnNegative, "spans end before they start: duration clamped to 0")
	add(st.Skewed, warnSkew, "hops where the receiver starts before the sender (clock skew): lag clamped to 0")
	add(st.LateSpans, warnLate, "spans arrived after their trace left the pairing window: raise the window")
	return out
}

// Read decodes spans (or, for JSONL, events) from r and emits telemetry
// events in the order their traces are flushed. name labels errors, usually
// the path. With format Auto it detects the format from the first bytes.
// emit's error stops the read and is returned.
func Read(ctx context.Context, r io.Reader, name string, format Format, opts Options, emit func(telemetry.Event) error) (Stats, error) {
	opts = opts.withDefaults()
	br := bufio.NewReaderSize(r, opts.bufBytes())
	var st Stats
	if format == Auto {
		prefix, err := br.Peek(PrefixSize)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return st, fmt.Errorf("%s: %w", name, err)
		}
		if len(bytes.TrimSpace(prefix)) == 0 {
			return st, nil
		}
		if format, err = Detect(prefix); err != nil {
			return st, fmt.Errorf("%s: %w", name, err)
		}
	}
	st.Format = format
	if format == JSONL {
		return st, readJSONL(ctx, br, name, &st, emit)
	}
	w := newWindow(opts, &st, emit)
	in := &input{name: name, ctx: ctx, w: w}
	var err error
	switch format {
	case OTLPJSON, OTLPJSONL:
		err = readOTLPJSON(in, newFramer(br, name, opts))
	case OTLPProto:
		err = readOTLPProto(in, br, opts.MaxMessageBytes)
	case ZipkinJSON:
		err = readZipkin(in, newFramer(br, name, opts))
	case JaegerJSON:
		err = readJaeger(in, newFramer(br, name, opts))
	default:
		err = fmt.Errorf("%s: unknown input format %q", name, format)
	}
	if err != nil {
		return st, err
	}
	return st, w.close()
}

// readJSONL passes tracegraph events through. A bad line stops the read;
// callers that want to go on past bad lines use telemetry.Reader directly.
func readJSONL(ctx context.Context, r io.Reader, name string, st *Stats, emit func(telemetry.Event) error) error {
	jr := telemetry.NewReader(r, name)
	for {
		e, err := jr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := emit(e); err != nil {
			return err
		}
		st.Events++
		if st.Events%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

// input is what every decoder shares: the file's name for errors, the
// context, and the window spans go to.
type input struct {
	name string
	ctx  context.Context
	w    *window
	n    int
}

// prepare does, on a decoding worker, the work on one span that needs
// nothing from the other spans, so that the window (one goroutine) only
// pairs: it sorts the attributes by key and derives channel, system and
// message type. (Events are built on several goroutines too, by
// window.emitPending, and later: tags built here would be held in the
// window.)
func (in *input) prepare(s *span) { s.prepare(in.w.opts.MessageTypeAttr) }

// add validates a decoded span and hands it to the window. where locates it
// for the warning when it is skipped.
func (in *input) add(s *span, where func() string) error {
	st := in.w.stats
	if s.trace == "" || s.id == "" {
		st.Skipped++
		st.noteAt(warnSkipped, where())
		return nil
	}
	if s.start <= 0 {
		// Zipkin v2 lets a span leave out its timestamp; the window
		// dates it from its ancestors rather than lose it.
		s.start, s.noStart = 0, true
		st.NoStart++
		st.noteAt(warnNoStart, where())
	}
	if s.service == "" {
		s.service, s.noService = unknownService, true
		st.NoService++
		st.noteAt(warnNoService, where())
	}
	if s.oddEnum != "" {
		st.UnknownEnums++
		st.noteAt(warnUnknownEnum, where()+" "+s.oddEnum)
	}
	in.n++
	if in.n%1024 == 0 {
		if err := in.ctx.Err(); err != nil {
			return err
		}
	}
	return in.w.add(s)
}
