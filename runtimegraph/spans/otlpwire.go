package spans

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The walk here decodes OTLP protobuf straight into spans, reading the wire
// format with protowire instead of building the generated messages:
// proto.Unmarshal allocates every KeyValue and AnyValue of a request (a
// oneof through reflection), and that and the garbage collector's work on
// it were about a third of collect's CPU under load (pprof). See
// BenchmarkConvertProto.
//
// ok false from wireRequestTo and wireResourceSpansTo means the message has something the walk leaves to proto: a
// field it knows given twice or with another wire type, a field of the
// generated messages it does not read, an id of another length than 8 or
// 16 bytes, invalid UTF-8, groups, lists nested deeper than maxListDepth,
// or bad wire syntax. The caller then decodes it with proto.Unmarshal,
// which decides what it means or which error it is. Fields the generated
// messages do not know are skipped, as proto skips them. When ok is true
// the spans are those proto's path gives (FuzzOTLPWireDiff checks it).

// wireRequestTo appends the spans of an ExportTraceServiceRequest or a
// TracesData (both are field 1, repeated ResourceSpans) to dst, interning
// strings in names. It returns dst as it was when ok is false.
func wireRequestTo(dst []*span, data []byte, names *strCache) (out []*span, ok bool) {
	d := wireDec{names: names, out: dst}
	ok = eachField(data, func(f wireField) bool {
		if f.num == 1 {
			return f.typ == protowire.BytesType && d.resourceSpans(f.b)
		}
		return !unread(tracesDataFields, f.num)
	})
	if !ok {
		return dst, false
	}
	return d.out, true
}

// wireResourceSpansTo appends the spans of one ResourceSpans message.
func wireResourceSpansTo(dst []*span, data []byte, names *strCache) (out []*span, ok bool) {
	d := wireDec{names: names, out: dst}
	if !d.resourceSpans(data) {
		return dst, false
	}
	return d.out, true
}

// The fields of the generated messages: one the walk does not read is
// proto's to decode, not to skip.
var (
	tracesDataFields    = fieldsOf(&tracepb.TracesData{})
	resourceSpansFields = fieldsOf(&tracepb.ResourceSpans{})
	resourceFields      = fieldsOf(&resourcepb.Resource{})
	scopeSpansFields    = fieldsOf(&tracepb.ScopeSpans{})
	scopeFields         = fieldsOf(&commonpb.InstrumentationScope{})
	spanFields          = fieldsOf(&tracepb.Span{})
	eventFields         = fieldsOf(&tracepb.Span_Event{})
	linkFields          = fieldsOf(&tracepb.Span_Link{})
	statusFields        = fieldsOf(&tracepb.Status{})
	keyValueFields      = fieldsOf(&commonpb.KeyValue{})
	anyValueFields      = fieldsOf(&commonpb.AnyValue{})
	listFields          = fieldsOf(&commonpb.ArrayValue{}) // KeyValueList's is the same field 1
)

func fieldsOf(m interface {
	ProtoReflect() protoreflect.Message
}) protoreflect.FieldDescriptors {
	return m.ProtoReflect().Descriptor().Fields()
}

// unread reports whether a field the walk has no case for is one proto
// would decode (so the walk must decline), rather than an unknown one.
func unread(fields protoreflect.FieldDescriptors, num protowire.Number) bool {
	return fields.ByNumber(num) != nil
}

// wireField is one field of a message: its number and wire type, and its
// value (v for varints and fixed-width numbers, b for length-delimited).
type wireField struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// nextField reads the field at the start of b and returns the rest of b.
// Groups, deprecated and never written by OTLP, are declined.
func nextField(b []byte) (f wireField, rest []byte, ok bool) {
	// Most fields have a one-byte tag (numbers up to 15) and a value or
	// length of one or two bytes: read those here, without protowire's
	// calls, which were a fifth of a decode (cachegrind, BenchmarkConvertProto).
	if len(b) >= 3 && b[0] >= 1<<3 && b[0] < 0x80 {
		f.num, f.typ = protowire.Number(b[0]>>3), protowire.Type(b[0]&7)
		var v uint64
		i := 2
		if b[1] < 0x80 {
			v = uint64(b[1])
		} else if b[2] < 0x80 {
			v, i = uint64(b[1]&0x7f)|uint64(b[2])<<7, 3
		} else {
			i = 0
		}
		switch {
		case i == 0:
		case f.typ == protowire.VarintType:
			f.v = v
			return f, b[i:], true
		case f.typ == protowire.BytesType:
			if v > uint64(len(b)-i) {
				return f, nil, false
			}
			f.b = b[i : i+int(v)]
			return f, b[i+int(v):], true
		}
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num > protowire.MaxValidNumber {
		return f, nil, false
	}
	b = b[n:]
	f.num, f.typ = num, typ
	switch typ {
	case protowire.VarintType:
		f.v, n = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(b)
		f.v = uint64(v)
	case protowire.Fixed64Type:
		f.v, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		f.b, n = protowire.ConsumeBytes(b)
	default:
		return f, nil, false
	}
	if n < 0 {
		return f, nil, false
	}
	return f, b[n:], true
}

// eachField calls fn with each field of message b in turn, and reports
// whether fn took them all and b was well formed. fn declines a field
// with false.
func eachField(b []byte, fn func(f wireField) bool) bool {
	for len(b) > 0 {
		f, rest, ok := nextField(b)
		if !ok || !fn(f) {
			return false
		}
		b = rest
	}
	return true
}

type wireDec struct {
	names *strCache
	out   []*span
	kvs   []kv // scratch: a span's attributes, copied out at their size
}

// str is a string field's value; proto3 strings must be UTF-8.
func (d *wireDec) str(f wireField) (string, bool) {
	if f.typ != protowire.BytesType {
		return "", false
	}
	return d.names.textOf(f.b)
}

// checkStr is str for a field nothing keeps.
func checkStr(f wireField) bool {
	return f.typ == protowire.BytesType && utf8.Valid(f.b)
}

// id is an id field in hex, as otlpID renders it.
func (d *wireDec) id(f wireField) (string, bool) {
	if f.typ != protowire.BytesType {
		return "", false
	}
	switch len(f.b) {
	case 0:
		return "", true
	case 8, 16:
		var buf [32]byte
		n := hex.Encode(buf[:], f.b)
		return d.names.str(buf[:n]), true
	}
	return "", false
}

func (d *wireDec) resourceSpans(b []byte) bool {
	var service string // input.add names a nameless span unknownService
	var seen uint8
	first := len(d.out)
	ok := eachField(b, func(f wireField) bool {
		switch f.num {
		case 1:
			return f.typ == protowire.BytesType && once(&seen, 1) && d.resource(f.b, &service)
		case 2:
			return f.typ == protowire.BytesType && d.scopeSpans(f.b)
		case 3:
			return once(&seen, 2) && checkStr(f)
		}
		return !unread(resourceSpansFields, f.num)
	})
	for _, s := range d.out[first:] {
		s.service = service
	}
	return ok
}

func (d *wireDec) resource(b []byte, service *string) bool {
	var seen uint8
	found := false
	return eachField(b, func(f wireField) bool {
		switch f.num {
		case 1:
			if f.typ != protowire.BytesType {
				return false
			}
			k, v, ok := d.keyValue(f.b)
			if ok && !found && k == "service.name" {
				*service, found = v, true
			}
			return ok
		case 2:
			return f.typ == protowire.VarintType && once(&seen, 1)
		}
		return !unread(resourceFields, f.num)
	})
}

func (d *wireDec) scopeSpans(b []byte) bool {
	var seen uint8
	return eachField(b, func(f wireField) bool {
		switch f.num {
		case 1:
			return f.typ == protowire.BytesType && once(&seen, 1) && d.scope(f.b)
		case 2:
			return f.typ == protowire.BytesType && d.span(f.b)
		case 3:
			return once(&seen, 2) && checkStr(f)
		}
		return !unread(scopeSpansFields, f.num)
	})
}

func (d *wireDec) scope(b []byte) bool {
	var seen uint8
	return eachField(b, func(f wireField) bool {
		switch f.num {
		case 1, 2:
			return once(&seen, uint8(f.num)) && checkStr(f)
		case 3:
			return d.skipKeyValue(f)
		case 4:
			return f.typ == protowire.VarintType && once(&seen, 4)
		}
		return !unread(scopeFields, f.num)
	})
}

// skipKeyValue checks an attribute nothing keeps (of a scope, an event or
// a link).
func (d *wireDec) skipKeyValue(f wireField) bool {
	if f.typ != protowire.BytesType {
		return false
	}
	_, _, ok := d.keyValue(f.b)
	return ok
}

func (d *wireDec) span(b []byte) bool {
	s := &span{}
	var seen uint32
	var start, end uint64
	var kindNum, code int64
	var msg string
	var links []spanRef
	d.kvs = d.kvs[:0]
	ok := eachField(b, func(f wireField) bool {
		// Every field but the repeated ones (attributes 9, events 11,
		// links 13) may be given once.
		if bit := uint32(1) << (f.num & 31); f.num < 32 && f.num != 9 && f.num != 11 && f.num != 13 {
			if seen&bit != 0 {
				return false
			}
			seen |= bit
		}
		var ok bool
		switch f.num {
		case 1:
			s.trace, ok = d.id(f)
		case 2:
			s.id, ok = d.id(f)
		case 3:
			ok = checkStr(f)
		case 4:
			s.parent, ok = d.id(f)
		case 5:
			s.name, ok = d.str(f)
		case 6:
			kindNum, ok = int64(int32(f.v)), f.typ == protowire.VarintType
		case 7:
			start, ok = f.v, f.typ == protowire.Fixed64Type
		case 8:
			end, ok = f.v, f.typ == protowire.Fixed64Type
		case 9:
			var k, v string
			if ok = f.typ == protowire.BytesType; ok {
				k, v, ok = d.keyValue(f.b)
				d.kvs = append(d.kvs, kv{k, v})
			}
		case 10, 12, 14:
			ok = f.typ == protowire.VarintType
		case 11:
			ok = f.typ == protowire.BytesType && d.event(f.b)
		case 13:
			var l spanRef
			if ok = f.typ == protowire.BytesType; ok {
				l, ok = d.link(f.b)
				links = append(links, l)
			}
		case 15:
			ok = f.typ == protowire.BytesType && d.status(f.b, &code, &msg)
		case 16:
			ok = f.typ == protowire.Fixed32Type
		default:
			ok = !unread(spanFields, f.num)
		}
		return ok
	})
	if !ok {
		return false
	}
	s.attrs = exactKVs(d.kvs)
	s.finishOTLP(start, end, kindNum, code, msg, links)
	d.out = append(d.out, s)
	return true
}

func (d *wireDec) event(b []byte) bool {
	var seen uint8
	return eachField(b, func(f wireField) bool {
		switch f.num {
		case 1:
			return once(&seen, 1) && f.typ == protowire.Fixed64Type
		case 2:
			return once(&seen, 2) && checkStr(f)
		case 3:
			return d.skipKeyValue(f)
		case 4:
			return once(&seen, 4) && f.typ == protowire.VarintType
		}
		return !unread(eventFields, f.num)
	})
}

func (d *wireDec) link(b []byte) (spanRef, bool) {
	var l spanRef
	var seen uint8
	ok := eachField(b, func(f wireField) bool {
		var ok bool
		switch f.num {
		case 1:
			if ok = once(&seen, 1); ok {
				l.trace, ok = d.id(f)
			}
		case 2:
			if ok = once(&seen, 2); ok {
				l.span, ok = d.id(f)
			}
		case 3:
			ok = once(&seen, 4) && checkStr(f)
		case 4:
			ok = d.skipKeyValue(f)
		case 5:
			ok = once(&seen, 8) && f.typ == protowire.VarintType
		case 6:
			ok = once(&seen, 16) && f.typ == protowire.Fixed32Type
		default:
			ok = !unread(linkFields, f.num)
		}
		return ok
	})
	return l, ok
}

func (d *wireDec) status(b []byte, code *int64, msg *string) bool {
	var seen uint8
	return eachField(b, func(f wireField) bool {
		switch f.num {
		case 2:
			if !once(&seen, 1) {
				return false
			}
			var ok bool
			*msg, ok = d.str(f)
			return ok
		case 3:
			*code = int64(int32(f.v))
			return once(&seen, 2) && f.typ == protowire.VarintType
		}
		return !unread(statusFields, f.num)
	})
}

// keyValue reads an attribute, its value as anyString renders it.
func (d *wireDec) keyValue(b []byte) (k, v string, ok bool) {
	var seen uint8
	ok = eachField(b, func(f wireField) bool {
		var ok bool
		switch f.num {
		case 1:
			if ok = once(&seen, 1); ok {
				k, ok = d.str(f)
			}
		case 2:
			if ok = once(&seen, 2) && f.typ == protowire.BytesType; ok {
				v, ok = d.anyValue(f.b)
			}
		default:
			ok = !unread(keyValueFields, f.num)
		}
		return ok
	})
	if !ok {
		return "", "", false
	}
	return k, v, true
}

// oneofOnce reports whether f is not a second field of AnyValue's oneof
// (numbers 1 to 7), counting them in n: proto keeps the last of two, or
// merges two lists, which is left to it.
func oneofOnce(f wireField, n *int) bool {
	if f.num >= 1 && f.num <= 7 {
		*n++
	}
	return *n <= 1
}

// anyValue reads an AnyValue, rendered as anyString renders it. A value
// with none of its oneof set renders as "".
func (d *wireDec) anyValue(b []byte) (string, bool) {
	var v string
	n := 0
	ok := eachField(b, func(f wireField) bool {
		if !oneofOnce(f, &n) {
			return false
		}
		var ok bool
		switch f.num {
		case 1:
			v, ok = d.str(f)
		case 2:
			v, ok = strconv.FormatBool(f.v != 0), f.typ == protowire.VarintType
		case 3:
			v, ok = strconv.FormatInt(int64(f.v), 10), f.typ == protowire.VarintType
		case 4:
			v, ok = strconv.FormatFloat(math.Float64frombits(f.v), 'g', -1, 64), f.typ == protowire.Fixed64Type
		case 5, 6:
			// Rare enough to build the protobuf value proto would and
			// render it with the same code.
			var av *commonpb.AnyValue
			if ok = f.typ == protowire.BytesType; ok {
				av, ok = d.listValue(f.num, f.b, 0)
				v = anyString(av)
			}
		case 7:
			v, ok = base64.StdEncoding.EncodeToString(f.b), f.typ == protowire.BytesType
		default:
			ok = !unread(anyValueFields, f.num)
		}
		return ok
	})
	if !ok {
		return "", false
	}
	return v, true
}

// listValue reads an ArrayValue (field 5 of AnyValue) or a KeyValueList
// (field 6) into an AnyValue.
func (d *wireDec) listValue(which protowire.Number, b []byte, depth int) (*commonpb.AnyValue, bool) {
	if depth > maxListDepth {
		return nil, false
	}
	var values []*commonpb.AnyValue
	var kvs []*commonpb.KeyValue
	ok := eachField(b, func(f wireField) bool {
		switch {
		case f.num != 1:
			return !unread(listFields, f.num)
		case f.typ != protowire.BytesType:
			return false
		case which == 5:
			av, ok := d.anyValueNode(f.b, depth+1)
			values = append(values, av)
			return ok
		}
		kv, ok := d.keyValueNode(f.b, depth+1)
		kvs = append(kvs, kv)
		return ok
	})
	if !ok {
		return nil, false
	}
	if which == 5 {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: values}}}, true
	}
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}, true
}

// anyValueNode reads an AnyValue inside an array or kvlist.
func (d *wireDec) anyValueNode(b []byte, depth int) (*commonpb.AnyValue, bool) {
	av := &commonpb.AnyValue{}
	n := 0
	ok := eachField(b, func(f wireField) bool {
		if !oneofOnce(f, &n) {
			return false
		}
		var ok bool
		switch f.num {
		case 1:
			var s string
			s, ok = d.str(f)
			av.Value = &commonpb.AnyValue_StringValue{StringValue: s}
		case 2:
			ok = f.typ == protowire.VarintType
			av.Value = &commonpb.AnyValue_BoolValue{BoolValue: f.v != 0}
		case 3:
			ok = f.typ == protowire.VarintType
			av.Value = &commonpb.AnyValue_IntValue{IntValue: int64(f.v)}
		case 4:
			ok = f.typ == protowire.Fixed64Type
			av.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: math.Float64frombits(f.v)}
		case 5, 6:
			var inner *commonpb.AnyValue
			if ok = f.typ == protowire.BytesType; ok {
				if inner, ok = d.listValue(f.num, f.b, depth); ok {
					av.Value = inner.Value
				}
			}
		case 7:
			ok = f.typ == protowire.BytesType
			av.Value = &commonpb.AnyValue_BytesValue{BytesValue: f.b}
		default:
			ok = !unread(anyValueFields, f.num)
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	return av, true
}

// keyValueNode reads a KeyValue inside a kvlist.
func (d *wireDec) keyValueNode(b []byte, depth int) (*commonpb.KeyValue, bool) {
	kv := &commonpb.KeyValue{}
	var seen uint8
	ok := eachField(b, func(f wireField) bool {
		var ok bool
		switch f.num {
		case 1:
			if ok = once(&seen, 1); ok {
				kv.Key, ok = d.str(f)
			}
		case 2:
			if ok = once(&seen, 2) && f.typ == protowire.BytesType; ok {
				kv.Value, ok = d.anyValueNode(f.b, depth)
			}
		default:
			ok = !unread(keyValueFields, f.num)
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	return kv, true
}
