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
// line). It walks the structure token by token down to single spans, so one
// span is the unit of memory however large a request or resource is.
func readOTLPJSON(in *input, l *lineReader) error {
	dec := json.NewDecoder(l)
	for {
		off := dec.InputOffset()
		t, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return in.decodeErr(l, off, err)
		}
		if t != json.Delim('{') {
			return fmt.Errorf("%s: want an OTLP TracesData object, got %v", l.where(in.name, off), t)
		}
		err = in.objectFields(l, dec, func(key string) (bool, error) {
			if key != "resourceSpans" && key != "resource_spans" {
				return false, nil
			}
			return true, in.eachElement(l, dec, key, func() error { return in.otlpResourceSpans(l, dec) })
		})
		if err != nil {
			return err
		}
	}
}

// objectFields walks the keys of an object whose '{' was read, up to and
// including its '}'. field reads the value of a key it knows and returns
// true; other values are skipped.
func (in *input) objectFields(l *lineReader, dec *json.Decoder, field func(key string) (bool, error)) error {
	for dec.More() {
		off := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return in.decodeErr(l, off, err)
		}
		key, _ := t.(string)
		done, err := field(key)
		if err != nil {
			return err
		}
		if !done {
			off = dec.InputOffset()
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return in.decodeErr(l, off, err)
			}
		}
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); err != nil {
		return in.decodeErr(l, off, err)
	}
	return nil
}

// eachElement reads an array value (null counts as empty), calling elem
// for each element and reading the closing ']'.
func (in *input) eachElement(l *lineReader, dec *json.Decoder, key string, elem func() error) error {
	off := dec.InputOffset()
	t, err := dec.Token()
	if err != nil {
		return in.decodeErr(l, off, err)
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('[') {
		return fmt.Errorf("%s: %q must be an array", l.where(in.name, off), key)
	}
	for dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	off = dec.InputOffset()
	if _, err := dec.Token(); err != nil {
		return in.decodeErr(l, off, err)
	}
	return nil
}

// expectObject reads the '{' of an array element.
func (in *input) expectObject(l *lineReader, dec *json.Decoder, what string) error {
	off := dec.InputOffset()
	t, err := dec.Token()
	if err != nil {
		return in.decodeErr(l, off, err)
	}
	if t != json.Delim('{') {
		return fmt.Errorf("%s: want %s object, got %v", l.where(in.name, off), what, t)
	}
	return nil
}

// protoValue decodes the next JSON value with protojson into m.
func (in *input) protoValue(l *lineReader, dec *json.Decoder, m proto.Message) (int64, error) {
	off := dec.InputOffset()
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return off, in.decodeErr(l, off, err)
	}
	start := dec.InputOffset() - int64(len(raw))
	if err := protojsonOpts.Unmarshal(raw, m); err != nil {
		return start, fmt.Errorf("%s: %w", l.where(in.name, start), err)
	}
	return start, nil
}

// otlpResourceSpans reads one ResourceSpans. Spans met before the resource
// (a writer may put "resource" last) wait until the resource is read.
func (in *input) otlpResourceSpans(l *lineReader, dec *json.Decoder) error {
	if err := in.expectObject(l, dec, "a ResourceSpans"); err != nil {
		return err
	}
	var (
		res     *resourcepb.Resource
		service string
		pending []*tracepb.Span
		offs    []int64
	)
	err := in.objectFields(l, dec, func(key string) (bool, error) {
		switch key {
		case "resource":
			res = &resourcepb.Resource{}
			if _, err := in.protoValue(l, dec, res); err != nil {
				return true, err
			}
			service = resourceService(res)
			for i, sp := range pending {
				if err := in.addOTLP(sp, service, true, l, offs[i]); err != nil {
					return true, err
				}
			}
			pending, offs = nil, nil
			return true, nil
		case "scopeSpans", "scope_spans":
			return true, in.eachElement(l, dec, key, func() error {
				if err := in.expectObject(l, dec, "a ScopeSpans"); err != nil {
					return err
				}
				return in.objectFields(l, dec, func(key string) (bool, error) {
					if key != "spans" {
						return false, nil
					}
					return true, in.eachElement(l, dec, key, func() error {
						sp := &tracepb.Span{}
						off, err := in.protoValue(l, dec, sp)
						if err != nil {
							return err
						}
						if res == nil {
							pending, offs = append(pending, sp), append(offs, off)
							return nil
						}
						return in.addOTLP(sp, service, true, l, off)
					})
				})
			})
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	for i, sp := range pending {
		if err := in.addOTLP(sp, unknownService, true, l, offs[i]); err != nil {
			return err
		}
	}
	return nil
}

func resourceService(res *resourcepb.Resource) string {
	for _, a := range res.GetAttributes() {
		if a.GetKey() == "service.name" {
			return anyString(a.GetValue())
		}
	}
	return unknownService
}

// readOTLPProto reads OTLP protobuf: the collector file exporter's stream of
// messages, each after a 4-byte big-endian length (its proto format), or one
// raw message. The first byte tells them apart: field 1 of a raw message
// starts with 0x0a, a length prefix under 16 MiB with 0x00. A raw message is
// read one ResourceSpans at a time.
func readOTLPProto(in *input, br *bufio.Reader, max int) error {
	first, err := br.Peek(1)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("%s: %w", in.name, err)
	}
	if first[0] == 0x0a {
		return in.rawTracesData(br, max)
	}
	var off int64
	var hdr [4]byte
	buf := make([]byte, 0, 64<<10)
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: byte %d: truncated length prefix", in.name, off)
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if int64(n) > int64(max) {
			return fmt.Errorf("%s: byte %d: message of %d bytes is over the %d-byte limit (not an OTLP protobuf file?)", in.name, off, n, max)
		}
		buf = append(buf[:0], make([]byte, n)...)
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("%s: byte %d: truncated message (want %d bytes)", in.name, off, n)
		}
		var td tracepb.TracesData
		if err := proto.Unmarshal(buf, &td); err != nil {
			return fmt.Errorf("%s: byte %d: %w", in.name, off, err)
		}
		for _, rs := range td.GetResourceSpans() {
			if err := in.addResourceSpans(rs, off); err != nil {
				return err
			}
		}
		off += 4 + int64(n)
	}
}

// rawTracesData reads one TracesData message field by field.
func (in *input) rawTracesData(br *bufio.Reader, max int) error {
	var off int64
	var buf []byte
	for {
		tagOff := off
		tag, err := binary.ReadUvarint(br)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: byte %d: bad field tag: %w", in.name, tagOff, err)
		}
		off += int64(protowire.SizeVarint(tag))
		num, typ := protowire.DecodeTag(tag)
		if num < 1 {
			return fmt.Errorf("%s: byte %d: invalid protobuf field tag", in.name, tagOff)
		}
		var n uint64
		switch typ {
		case protowire.VarintType:
			v, err := binary.ReadUvarint(br)
			if err != nil {
				return fmt.Errorf("%s: byte %d: truncated varint", in.name, off)
			}
			off += int64(protowire.SizeVarint(v))
			continue
		case protowire.Fixed32Type:
			n = 4
		case protowire.Fixed64Type:
			n = 8
		case protowire.BytesType:
			if n, err = binary.ReadUvarint(br); err != nil {
				return fmt.Errorf("%s: byte %d: truncated length", in.name, off)
			}
			off += int64(protowire.SizeVarint(n))
		default:
			return fmt.Errorf("%s: byte %d: unsupported protobuf wire type %d", in.name, tagOff, typ)
		}
		if n > uint64(max) {
			return fmt.Errorf("%s: byte %d: field of %d bytes is over the %d-byte limit", in.name, off, n, max)
		}
		buf = append(buf[:0], make([]byte, n)...)
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("%s: byte %d: truncated field (want %d bytes)", in.name, off, n)
		}
		if num == 1 && typ == protowire.BytesType {
			var rs tracepb.ResourceSpans
			if err := proto.Unmarshal(buf, &rs); err != nil {
				return fmt.Errorf("%s: byte %d: %w", in.name, off, err)
			}
			if err := in.addResourceSpans(&rs, off); err != nil {
				return err
			}
		}
		off += int64(n)
	}
}

func (in *input) addResourceSpans(rs *tracepb.ResourceSpans, off int64) error {
	service := resourceService(rs.GetResource())
	for _, ss := range rs.GetScopeSpans() {
		for _, sp := range ss.GetSpans() {
			if err := in.addOTLP(sp, service, false, nil, off); err != nil {
				return err
			}
		}
	}
	return nil
}

// addOTLP converts one OTLP span. jsonIDs says the ids came through
// protojson (see otlpID); l and off locate the span for warnings and
// errors (l is nil for protobuf input).
func (in *input) addOTLP(sp *tracepb.Span, service string, jsonIDs bool, l *lineReader, off int64) error {
	where := func() string {
		if l == nil {
			return fmt.Sprintf("%s: byte %d", in.name, off)
		}
		return l.where(in.name, off)
	}
	trace, err := otlpID(sp.GetTraceId(), jsonIDs, "traceId")
	if err != nil {
		return fmt.Errorf("%s: %w", where(), err)
	}
	id, err := otlpID(sp.GetSpanId(), jsonIDs, "spanId")
	if err != nil {
		return fmt.Errorf("%s: %w", where(), err)
	}
	parent, err := otlpID(sp.GetParentSpanId(), jsonIDs, "parentSpanId")
	if err != nil {
		return fmt.Errorf("%s: %w", where(), err)
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
			return fmt.Errorf("%s: %w", where(), err)
		}
		ls, err := otlpID(link.GetSpanId(), jsonIDs, "links.spanId")
		if err != nil {
			return fmt.Errorf("%s: %w", where(), err)
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
	statusTags(s)
	return in.add(s, where)
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
