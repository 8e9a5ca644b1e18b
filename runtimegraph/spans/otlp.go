package spans

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// The OTLP messages are read as tracepb.TracesData: it has the same field
// (1, resource_spans) as collector ExportTraceServiceRequest, so both parse
// alike in JSON and in protobuf, without the collector package's gRPC
// dependencies.

// protojsonOpts follows the OTLP/JSON rules a receiver must: unknown fields
// are ignored; int64 as string or number and enums as integers or names are
// protojson's own behaviour.
var protojsonOpts = protojson.UnmarshalOptions{DiscardUnknown: true}

// readOTLPJSON streams OTLP/JSON: one TracesData object, or several
// separated by white space (the collector file exporter writes one per
// line). Each ResourceSpans is framed and decoded on its own, so one
// ResourceSpans (at most Options.MaxMessageBytes) is the unit of memory
// however large a request is.
func readOTLPJSON(in *input, f *framer) error {
	return in.pipeline(func(emit func(position, []byte) error) error {
		for {
			c, err := f.peek()
			if err != nil || c == 0 {
				return err
			}
			if c != '{' {
				return f.unexpected(c, "'{' opening an OTLP TracesData object")
			}
			f.pos++
			more, err := f.first('}')
			for more && err == nil {
				var key string
				if key, err = f.key(); err != nil {
					return err
				}
				if key == "resourceSpans" || key == "resource_spans" {
					err = resourceSpansArray(f, key, emit)
				} else {
					err = f.skip()
				}
				if err != nil {
					return err
				}
				more, err = f.next('}', "the TracesData object")
			}
			if err != nil {
				return err
			}
		}
	}, func(e elem, w *worker) ([]*span, error) {
		if out, ok := otlpFastTo(w.scratch(), e.data, &w.names); ok {
			w.spans = out
			return out, nil
		}
		return otlpProtojson(in.name, e)
	})
}

// otlpProtojson decodes one OTLP/JSON ResourceSpans with protojson: the
// reference for otlpFast, and its fallback.
func otlpProtojson(name string, e elem) ([]*span, error) {
	var rs tracepb.ResourceSpans
	if err := protojsonOpts.Unmarshal(e.data, &rs); err != nil {
		return nil, protojsonErr(name, e.at, err)
	}
	spans, err := resourceSpans(&rs, true, func() string { return name + ":" + e.at.String() })
	markOddEnumNames(e.data, spans)
	return spans, err
}

// protojsonPos finds the position protojson gives in its errors (its
// "proto:" prefix is followed by a space or, on purpose, a no-break space).
var protojsonPos = regexp.MustCompile(`^proto:[ \x{00a0}]*(?:\(line (\d+):(\d+)\):[ \x{00a0}]*)?`)

// protojsonErr places a protojson error on a value that starts at at: its
// "(line l:c)" counts from the value's start.
func protojsonErr(name string, at position, err error) error {
	msg := oneLine(err.Error())
	m := protojsonPos.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s:%s: %s", name, at, msg)
	}
	if m[1] == "" {
		return fmt.Errorf("%s:%s: %s", name, at, msg[len(m[0]):])
	}
	l, _ := strconv.Atoi(m[1])
	c, _ := strconv.Atoi(m[2])
	p := position{line: at.line + l - 1, col: c}
	if l == 1 {
		p.col = at.col + c - 1
	}
	return fmt.Errorf("%s:%s: %s", name, p, msg[len(m[0]):])
}

// resourceSpansArray frames the elements of a resourceSpans array (null is
// empty).
func resourceSpansArray(f *framer, key string, emit func(position, []byte) error) error {
	c, err := f.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		return f.skip()
	}
	if c != '[' {
		return f.errorf(f.here(), "%q must be an array", key)
	}
	f.pos++
	return f.elements("the resourceSpans array", func(data []byte, at position) error {
		if data[0] != '{' {
			return f.errorf(at, "want a ResourceSpans object, got %.20q", data)
		}
		return emit(at, data)
	})
}

func resourceService(res *resourcepb.Resource) string {
	for _, a := range res.GetAttributes() {
		if a.GetKey() == "service.name" {
			return anyString(a.GetValue())
		}
	}
	return "" // input.add names it unknownService
}

// readOTLPProto reads OTLP protobuf: the collector file exporter's stream of
// messages, each after a 4-byte big-endian length (its proto format), or one
// raw message. The first byte tells them apart: field 1 of a raw message
// starts with 0x0a, a length prefix under 16 MiB with 0x00. A raw message is
// framed one ResourceSpans at a time.
func readOTLPProto(in *input, br *bufio.Reader, max int) error {
	first, err := br.Peek(1)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("%s: %w", in.name, err)
	}
	raw := first[0] == 0x0a
	frame := func(emit func(position, []byte) error) error {
		if raw {
			return rawTracesData(in.name, br, max, emit)
		}
		return prefixedMessages(in.name, br, max, emit)
	}
	return in.pipeline(frame, func(e elem, w *worker) ([]*span, error) {
		walk := wireRequestTo
		if raw {
			walk = wireResourceSpansTo
		}
		if out, ok := walk(w.scratch(), e.data, &w.names); ok {
			return out, nil
		}
		where := func() string { return in.name + ":" + e.at.String() }
		if raw {
			var rs tracepb.ResourceSpans
			if err := proto.Unmarshal(e.data, &rs); err != nil {
				return nil, fmt.Errorf("%s: %w", where(), err)
			}
			return resourceSpans(&rs, false, where)
		}
		var td tracepb.TracesData
		if err := proto.Unmarshal(e.data, &td); err != nil {
			return nil, fmt.Errorf("%s: %w", where(), err)
		}
		var out []*span
		for _, rs := range td.GetResourceSpans() {
			spans, err := resourceSpans(rs, false, where)
			out = append(out, spans...)
			if err != nil {
				return out, err
			}
		}
		return out, nil
	})
}

// prefixedMessages frames 4-byte length-prefixed messages.
func prefixedMessages(name string, br *bufio.Reader, max int, emit func(position, []byte) error) error {
	var off int64
	var hdr [4]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: byte %d: truncated length prefix", name, off)
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if int64(n) > int64(max) {
			return fmt.Errorf("%s: byte %d: message of %d bytes is over the %d-byte limit (not an OTLP protobuf file?)", name, off, n, max)
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("%s: byte %d: truncated message (want %d bytes)", name, off, n)
		}
		if err := emit(position{off: off}, buf); err != nil {
			return err
		}
		off += 4 + int64(n)
	}
}

// rawTracesData frames the resource_spans fields of one raw TracesData
// message and skips its other fields.
func rawTracesData(name string, br *bufio.Reader, max int, emit func(position, []byte) error) error {
	var off int64
	var buf []byte
	for {
		tagOff := off
		tag, err := binary.ReadUvarint(br)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: byte %d: bad field tag: %v", name, tagOff, err)
		}
		off += int64(protowire.SizeVarint(tag))
		num, typ := protowire.DecodeTag(tag)
		if num < 1 {
			return fmt.Errorf("%s: byte %d: invalid protobuf field tag", name, tagOff)
		}
		var n uint64
		switch typ {
		case protowire.VarintType:
			v, err := binary.ReadUvarint(br)
			if err != nil {
				return fmt.Errorf("%s: byte %d: truncated varint", name, off)
			}
			off += int64(protowire.SizeVarint(v))
			continue
		case protowire.Fixed32Type:
			n = 4
		case protowire.Fixed64Type:
			n = 8
		case protowire.BytesType:
			if n, err = binary.ReadUvarint(br); err != nil {
				return fmt.Errorf("%s: byte %d: truncated length", name, off)
			}
			off += int64(protowire.SizeVarint(n))
		default:
			return fmt.Errorf("%s: byte %d: unsupported protobuf wire type %d", name, tagOff, typ)
		}
		if n > uint64(max) {
			return fmt.Errorf("%s: byte %d: field of %d bytes is over the %d-byte limit", name, off, n, max)
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("%s: byte %d: truncated field (want %d bytes)", name, off, n)
		}
		if num == 1 && typ == protowire.BytesType {
			if err := emit(position{off: off}, buf); err != nil {
				return err
			}
		}
		off += int64(n)
	}
}

// resourceSpans converts the spans of one ResourceSpans.
func resourceSpans(rs *tracepb.ResourceSpans, jsonIDs bool, where func() string) ([]*span, error) {
	service := resourceService(rs.GetResource())
	var out []*span
	for _, ss := range rs.GetScopeSpans() {
		for _, sp := range ss.GetSpans() {
			s, err := otlpSpan(sp, service, jsonIDs)
			if err != nil {
				return out, fmt.Errorf("%s: %w", where(), err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// otlpSpan converts one OTLP span. jsonIDs says the ids came through
// protojson (see otlpID).
func otlpSpan(sp *tracepb.Span, service string, jsonIDs bool) (*span, error) {
	trace, err := otlpID(sp.GetTraceId(), jsonIDs, "traceId")
	if err != nil {
		return nil, err
	}
	id, err := otlpID(sp.GetSpanId(), jsonIDs, "spanId")
	if err != nil {
		return nil, err
	}
	parent, err := otlpID(sp.GetParentSpanId(), jsonIDs, "parentSpanId")
	if err != nil {
		return nil, err
	}
	start, end := sp.GetStartTimeUnixNano(), sp.GetEndTimeUnixNano()
	s := &span{
		trace:   trace,
		id:      id,
		parent:  parent,
		name:    sp.GetName(),
		service: service,
		start:   clampNanos(start),
		dur:     clampNanos(end) - clampNanos(start),
	}
	switch sp.GetKind() {
	case tracepb.Span_SPAN_KIND_SERVER:
		s.kind = kindServer
	case tracepb.Span_SPAN_KIND_CLIENT:
		s.kind = kindClient
	case tracepb.Span_SPAN_KIND_PRODUCER:
		s.kind = kindProducer
	case tracepb.Span_SPAN_KIND_CONSUMER:
		s.kind = kindConsumer
	}
	for _, link := range sp.GetLinks() {
		lt, err := otlpID(link.GetTraceId(), jsonIDs, "links.traceId")
		if err != nil {
			return nil, err
		}
		ls, err := otlpID(link.GetSpanId(), jsonIDs, "links.spanId")
		if err != nil {
			return nil, err
		}
		if ls != "" {
			if lt == "" {
				lt = trace
			}
			s.links = append(s.links, spanRef{lt, ls})
		}
	}
	if attrs := sp.GetAttributes(); len(attrs) > 0 {
		s.attrs = make([]kv, 0, len(attrs))
		for _, a := range attrs {
			s.attrs = append(s.attrs, kv{a.GetKey(), anyString(a.GetValue())})
		}
	}
	if st := sp.GetStatus(); st.GetCode() == tracepb.Status_STATUS_CODE_ERROR {
		s.err, s.errText = true, st.GetMessage()
	}
	s.oddEnum = oddOTLPEnums(int64(sp.GetKind()), int64(sp.GetStatus().GetCode()))
	statusTags(s)
	return s, nil
}

// oddOTLPEnums names a span kind or status code number OTLP does not
// define, which both decoders read as unspecified.
func oddOTLPEnums(kind, code int64) string {
	switch {
	case kind < 0 || kind > int64(tracepb.Span_SPAN_KIND_CONSUMER):
		return fmt.Sprintf("kind %d", kind)
	case code < 0 || code > int64(tracepb.Status_STATUS_CODE_ERROR):
		return fmt.Sprintf("status code %d", code)
	}
	return ""
}

// enumNames finds the string values of the "kind" and "code" fields of an
// OTLP/JSON unit. protojson drops a name it does not know (DiscardUnknown,
// as a receiver must), so the unit is searched for them to warn.
var enumNames = regexp.MustCompile(`"(kind|code)"\s*:\s*"([^"\\]*)"`)

// markOddEnumNames gives each enum name of data that OTLP does not define
// to the next span read as unspecified, so that the warning counts it. The
// fast decoder declines such a unit, so only protojson's path needs this.
func markOddEnumNames(data []byte, spans []*span) {
	if !bytes.Contains(data, []byte(`"kind"`)) && !bytes.Contains(data, []byte(`"code"`)) {
		return
	}
	next := 0
	for _, m := range enumNames.FindAllSubmatch(data, -1) {
		field, name := string(m[1]), string(m[2])
		known := spanKinds
		if field == "code" {
			known = statusCodes
		}
		if _, ok := known[name]; ok {
			continue
		}
		for next < len(spans) && (spans[next].oddEnum != "" || (field == "kind" && spans[next].kind != kindInternal)) {
			next++
		}
		if next == len(spans) {
			return
		}
		spans[next].oddEnum = fmt.Sprintf("%s %q", field, name)
		next++
	}
}

// clampNanos keeps a time inside int64 nanoseconds.
func clampNanos(t uint64) int64 {
	if t > 1<<62 {
		return 1 << 62
	}
	return int64(t)
}

// otlpID renders an OTLP id as lower-case hex.
//
// OTLP/JSON writes ids in hex, where protojson's mapping of bytes is
// base64. Hex digits are base64 digits, so protojson decodes a 32-digit hex
// trace id into 24 bytes (and a 16-digit span id into 12) without error, and
// encoding those bytes back to base64 gives the hex text again, exactly: the
// lengths are multiples of 4, so no padding bits are lost. The length tells
// the two spellings apart: 16 or 8 bytes are an id that really was base64
// (protojson's own output), 24 or 12 bytes were hex text. Protobuf input
// has the raw bytes.
func otlpID(b []byte, jsonIDs bool, field string) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	if jsonIDs && (len(b) == 24 || len(b) == 12) {
		text := base64.StdEncoding.EncodeToString(b)
		if _, err := hex.DecodeString(text); err != nil {
			return "", fmt.Errorf("%s %q is not hex", field, text)
		}
		return strings.ToLower(text), nil
	}
	if len(b) != 16 && len(b) != 8 {
		return "", fmt.Errorf("%s has %d bytes, want 16 (trace) or 8 (span)", field, len(b))
	}
	return hex.EncodeToString(b), nil
}

// anyString renders an attribute value as text: arrays and maps as JSON.
func anyString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	case *commonpb.AnyValue_BytesValue:
		return base64.StdEncoding.EncodeToString(x.BytesValue)
	case *commonpb.AnyValue_ArrayValue, *commonpb.AnyValue_KvlistValue:
		var b bytes.Buffer
		writeAnyJSON(&b, v, 0)
		return b.String()
	}
	return ""
}

func writeAnyJSON(b *bytes.Buffer, v *commonpb.AnyValue, depth int) {
	if depth > 8 {
		b.WriteString("null")
		return
	}
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_ArrayValue:
		b.WriteByte('[')
		for i, e := range x.ArrayValue.GetValues() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeAnyJSON(b, e, depth+1)
		}
		b.WriteByte(']')
	case *commonpb.AnyValue_KvlistValue:
		b.WriteByte('{')
		for i, e := range x.KvlistValue.GetValues() {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(e.GetKey())
			b.Write(k)
			b.WriteByte(':')
			writeAnyJSON(b, e.GetValue(), depth+1)
		}
		b.WriteByte('}')
	case *commonpb.AnyValue_StringValue:
		s, _ := json.Marshal(x.StringValue)
		b.Write(s)
	case nil:
		b.WriteString("null")
	default:
		s := anyString(v)
		if _, ok := x.(*commonpb.AnyValue_BytesValue); ok {
			q, _ := json.Marshal(s)
			b.Write(q)
			return
		}
		b.WriteString(s)
	}
}
