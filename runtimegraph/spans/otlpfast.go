package spans

import (
	"strconv"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
)

// otlpFast decodes one OTLP/JSON ResourceSpans straight into spans, for the
// shapes exporters write: every field of ResourceSpans, Resource,
// InstrumentationScope, ScopeSpans, Span, Span.Event, Span.Link and Status
// by its lowerCamelCase name, ids as 16 or 32 hex digits, integers as
// digits (quoted or not), enums as numbers or names, attribute values that
// are strings, booleans, integers, plain numbers, or arrays and kvlists of
// those. protojson is ten times
// slower; this is what makes the importer's speed target reachable.
//
// ok false means the value has something else (snake_case names, unknown
// fields, nulls, bytes values, base64 ids, exponents in integers,
// surrogate escapes, invalid UTF-8, bad syntax, duplicate fields): the
// caller then decodes it with protojson, which decides what it means or
// which error it is. When ok is true the spans are those protojson's path
// gives (FuzzOTLPFastDiff checks it).
func otlpFast(data []byte) (out []*span, ok bool) {
	return otlpFastTo(nil, data, new(strCache))
}

// otlpFastTo is otlpFast appending the spans to dst (returned as it is
// when ok is false) and interning the strings in names.
func otlpFastTo(dst []*span, data []byte, names *strCache) (out []*span, ok bool) {
	d := otlpDec{s: newScan(data, names), out: dst}
	var service string // input.add names a nameless span unknownService
	var seen uint8
	ok = d.s.Object(func(key []byte) bool {
		switch string(key) {
		case "resource":
			return once(&seen, 1) && d.resource(&service)
		case "scopeSpans":
			return once(&seen, 2) && d.s.Array(d.scopeSpans)
		case "schemaUrl":
			return once(&seen, 4) && d.skipString()
		}
		return false
	})
	if !ok || !d.s.End() {
		return dst, false
	}
	for _, s := range d.out[len(dst):] {
		s.service = service
	}
	return d.out, true
}

// once marks bit in seen and reports whether it was clear: a field given
// twice is protojson's error, so it is never taken.
func once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

type otlpDec struct {
	s   scan
	out []*span
	kvs []kv // scratch: a span's attributes, copied out at their size
}

// exactKVs copies kvs to a slice of their size, nil when empty (as
// otlpSpan and zipkinToSpan leave them).
func exactKVs(kvs []kv) []kv {
	if len(kvs) == 0 {
		return nil
	}
	return append(make([]kv, 0, len(kvs)), kvs...)
}

func (d *otlpDec) skipString() bool {
	_, ok := d.s.str()
	return ok
}

func (d *otlpDec) skipUint32() bool {
	_, ok := d.s.uint(32)
	return ok
}

// skipAttrs reads attributes nothing keeps (of a scope, event or link).
func (d *otlpDec) skipAttrs() bool {
	return d.s.Array(func() bool {
		_, _, ok := d.keyValue()
		return ok
	})
}

func (d *otlpDec) resource(service *string) bool {
	var seen uint8
	return d.s.Object(func(key []byte) bool {
		switch string(key) {
		case "attributes":
			found := false
			return once(&seen, 1) && d.s.Array(func() bool {
				k, v, ok := d.keyValue()
				if ok && !found && k == "service.name" {
					*service, found = v, true
				}
				return ok
			})
		case "droppedAttributesCount":
			return once(&seen, 2) && d.skipUint32()
		}
		return false
	})
}

func (d *otlpDec) scopeSpans() bool {
	var seen uint8
	return d.s.Object(func(key []byte) bool {
		switch string(key) {
		case "scope":
			return once(&seen, 1) && d.scope()
		case "spans":
			return once(&seen, 2) && d.s.Array(d.span)
		case "schemaUrl":
			return once(&seen, 4) && d.skipString()
		}
		return false
	})
}

func (d *otlpDec) scope() bool {
	var seen uint8
	return d.s.Object(func(key []byte) bool {
		switch string(key) {
		case "name":
			return once(&seen, 1) && d.skipString()
		case "version":
			return once(&seen, 2) && d.skipString()
		case "attributes":
			return once(&seen, 4) && d.skipAttrs()
		case "droppedAttributesCount":
			return once(&seen, 8) && d.skipUint32()
		}
		return false
	})
}

var (
	spanKinds = map[string]int64{
		"SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2,
		"SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5,
	}
	statusCodes = map[string]int64{"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
)

// enum reads an enum as protojson does: its number (here only 0 up to
// int32's maximum) or its name.
func (d *otlpDec) enum(names map[string]int64) (int64, bool) {
	if d.s.Peek() == '"' {
		name, ok := d.s.ASCIIString()
		if !ok {
			return 0, false
		}
		v, ok := names[string(name)]
		return v, ok
	}
	v, ok := d.s.uint(31)
	return int64(v), ok
}

func (d *otlpDec) span() bool {
	s := &span{}
	var seen uint32
	var start, end uint64
	var kindNum, code int64
	var msg string
	var links []spanRef
	field := func(bit uint32) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	ok := d.s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "traceId":
			if !field(1 << 0) {
				return false
			}
			s.trace, ok = d.s.hexID()
		case "spanId":
			if !field(1 << 1) {
				return false
			}
			s.id, ok = d.s.hexID()
		case "parentSpanId":
			if !field(1 << 2) {
				return false
			}
			s.parent, ok = d.s.hexID()
		case "traceState":
			ok = field(1<<3) && d.skipString()
		case "flags":
			ok = field(1<<4) && d.skipUint32()
		case "name":
			if !field(1 << 5) {
				return false
			}
			s.name, ok = d.s.str()
		case "kind":
			if !field(1 << 6) {
				return false
			}
			kindNum, ok = d.enum(spanKinds)
		case "startTimeUnixNano":
			if !field(1 << 7) {
				return false
			}
			start, ok = d.s.uint(64)
		case "endTimeUnixNano":
			if !field(1 << 8) {
				return false
			}
			end, ok = d.s.uint(64)
		case "attributes":
			d.kvs = d.kvs[:0]
			ok = field(1<<9) && d.s.Array(func() bool {
				k, v, ok := d.keyValue()
				d.kvs = append(d.kvs, kv{k, v})
				return ok
			})
			s.attrs = exactKVs(d.kvs)
		case "droppedAttributesCount":
			ok = field(1<<10) && d.skipUint32()
		case "events":
			ok = field(1<<11) && d.s.Array(d.event)
		case "droppedEventsCount":
			ok = field(1<<12) && d.skipUint32()
		case "links":
			ok = field(1<<13) && d.s.Array(func() bool {
				l, ok := d.link()
				links = append(links, l)
				return ok
			})
		case "droppedLinksCount":
			ok = field(1<<14) && d.skipUint32()
		case "status":
			ok = field(1<<15) && d.status(&code, &msg)
		}
		return ok
	})
	if !ok {
		return false
	}
	s.finishOTLP(start, end, kindNum, code, msg, links)
	d.out = append(d.out, s)
	return true
}

func (d *otlpDec) event() bool {
	var seen uint8
	return d.s.Object(func(key []byte) bool {
		switch string(key) {
		case "timeUnixNano":
			_, ok := d.s.uint(64)
			return once(&seen, 1) && ok
		case "name":
			return once(&seen, 2) && d.skipString()
		case "attributes":
			return once(&seen, 4) && d.skipAttrs()
		case "droppedAttributesCount":
			return once(&seen, 8) && d.skipUint32()
		}
		return false
	})
}

func (d *otlpDec) link() (spanRef, bool) {
	var l spanRef
	var seen uint8
	ok := d.s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "traceId":
			if !once(&seen, 1) {
				return false
			}
			l.trace, ok = d.s.hexID()
		case "spanId":
			if !once(&seen, 2) {
				return false
			}
			l.span, ok = d.s.hexID()
		case "traceState":
			ok = once(&seen, 4) && d.skipString()
		case "attributes":
			ok = once(&seen, 8) && d.skipAttrs()
		case "droppedAttributesCount":
			ok = once(&seen, 16) && d.skipUint32()
		case "flags":
			ok = once(&seen, 32) && d.skipUint32()
		}
		return ok
	})
	return l, ok
}

func (d *otlpDec) status(code *int64, msg *string) bool {
	var seen uint8
	return d.s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "message":
			if !once(&seen, 1) {
				return false
			}
			*msg, ok = d.s.str()
		case "code":
			if !once(&seen, 2) {
				return false
			}
			*code, ok = d.enum(statusCodes)
		}
		return ok
	})
}

// keyValue reads an attribute, its value as anyString renders it.
func (d *otlpDec) keyValue() (k, v string, ok bool) {
	var seen uint8
	ok = d.s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "key":
			if !once(&seen, 1) {
				return false
			}
			k, ok = d.s.str()
		case "value":
			if !once(&seen, 2) {
				return false
			}
			v, ok = d.anyValue()
		}
		return ok
	})
	return k, v, ok
}

// anyValue reads an AnyValue holding a string, a boolean, an integer, a
// double written as a number, or an array or kvlist of those, rendered as
// anyString does. An empty object is a value with none set, as protojson
// reads it.
func (d *otlpDec) anyValue() (string, bool) {
	var v string
	n := 0
	ok := d.s.Object(func(key []byte) bool {
		if n++; n > 1 {
			return false // a oneof set twice is protojson's error
		}
		switch string(key) {
		case "stringValue":
			var ok bool
			v, ok = d.s.str()
			return ok
		case "boolValue":
			b, ok := d.s.Bool()
			v = strconv.FormatBool(b)
			return ok
		case "intValue":
			i, ok := d.s.int64()
			v = strconv.FormatInt(i, 10)
			return ok
		case "doubleValue":
			num, ok := d.s.Number()
			if !ok {
				return false
			}
			f, err := strconv.ParseFloat(string(num), 64)
			v = strconv.FormatFloat(f, 'g', -1, 64)
			return err == nil
		case "arrayValue", "kvlistValue":
			// Rare enough to build the protobuf value protojson would
			// and render it with the same code.
			av, ok := d.listValue(string(key), 0)
			if ok {
				v = anyString(av)
			}
			return ok
		}
		return false
	})
	return v, ok
}

// maxListDepth bounds the nesting of arrays and kvlists the fast decoder
// takes; deeper ones go to protojson.
const maxListDepth = 16

// listValue reads the ArrayValue or KeyValueList of an AnyValue (key says
// which) into an AnyValue.
func (d *otlpDec) listValue(key string, depth int) (*commonpb.AnyValue, bool) {
	if depth > maxListDepth {
		return nil, false
	}
	var values []*commonpb.AnyValue
	var kvs []*commonpb.KeyValue
	var seen uint8
	ok := d.s.Object(func(k []byte) bool {
		if string(k) != "values" || !once(&seen, 1) {
			return false
		}
		return d.s.Array(func() bool {
			if key == "arrayValue" {
				av, ok := d.anyValueNode(depth + 1)
				values = append(values, av)
				return ok
			}
			kv, ok := d.keyValueNode(depth + 1)
			kvs = append(kvs, kv)
			return ok
		})
	})
	if key == "arrayValue" {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: values}}}, ok
	}
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}, ok
}

// anyValueNode reads an AnyValue inside an array or kvlist, of the kinds
// anyValue takes.
func (d *otlpDec) anyValueNode(depth int) (*commonpb.AnyValue, bool) {
	av := &commonpb.AnyValue{}
	n := 0
	ok := d.s.Object(func(key []byte) bool {
		if n++; n > 1 {
			return false
		}
		switch string(key) {
		case "stringValue":
			s, ok := d.s.str()
			av.Value = &commonpb.AnyValue_StringValue{StringValue: s}
			return ok
		case "boolValue":
			b, ok := d.s.Bool()
			av.Value = &commonpb.AnyValue_BoolValue{BoolValue: b}
			return ok
		case "intValue":
			i, ok := d.s.int64()
			av.Value = &commonpb.AnyValue_IntValue{IntValue: i}
			return ok
		case "doubleValue":
			num, ok := d.s.Number()
			if !ok {
				return false
			}
			f, err := strconv.ParseFloat(string(num), 64)
			av.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: f}
			return err == nil
		case "arrayValue", "kvlistValue":
			inner, ok := d.listValue(string(key), depth)
			if ok {
				av.Value = inner.Value
			}
			return ok
		}
		return false
	})
	return av, ok
}

// keyValueNode reads a KeyValue inside a kvlist.
func (d *otlpDec) keyValueNode(depth int) (*commonpb.KeyValue, bool) {
	kv := &commonpb.KeyValue{}
	var seen uint8
	ok := d.s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "key":
			if !once(&seen, 1) {
				return false
			}
			kv.Key, ok = d.s.str()
		case "value":
			if !once(&seen, 2) {
				return false
			}
			kv.Value, ok = d.anyValueNode(depth)
		}
		return ok
	})
	return kv, ok
}

// finishOTLP fills in what an OTLP span's fields give as the fast decoders
// read them, as otlpSpan does from the generated message: its times, kind,
// links (one without a trace id is in the span's own trace; one without a
// span id is dropped) and status.
func (s *span) finishOTLP(start, end uint64, kindNum, code int64, msg string, links []spanRef) {
	s.start = clampNanos(start)
	s.dur = clampNanos(end) - clampNanos(start)
	switch kindNum {
	case 2:
		s.kind = kindServer
	case 3:
		s.kind = kindClient
	case 4:
		s.kind = kindProducer
	case 5:
		s.kind = kindConsumer
	}
	for _, l := range links {
		if l.span != "" {
			if l.trace == "" {
				l.trace = s.trace
			}
			s.links = append(s.links, l)
		}
	}
	if code == 2 {
		s.err, s.errText = true, msg
	}
	s.oddEnum = oddOTLPEnums(kindNum, code)
	statusTags(s)
}
