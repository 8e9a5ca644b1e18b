package spans

import (
	"encoding/json"
	"strings"
)

// zipkinFast decodes one Zipkin span or trace array (a readZipkin element)
// without encoding/json's reflection, which is most of the Zipkin import's
// time. It takes the fields of zipkinSpan by their exact names, strings,
// plain JSON numbers and booleans, and skips other fields after checking
// their syntax, as encoding/json ignores them.
//
// ok false means the value has something else (nulls, a field name
// encoding/json would match by case folding, a field or tag given twice,
// surrogate escapes, invalid UTF-8, non-ASCII or escaped names, bad
// syntax): the caller then decodes it with encoding/json, which decides.
// When ok is true the spans are those encoding/json's path gives, tags
// aside in order (FuzzZipkinFastDiff checks it).
func zipkinFast(data []byte) (out []*span, ok bool) {
	return zipkinFastTo(nil, data, new(strCache))
}

// zipkinFastTo is zipkinFast appending the spans to dst (returned as it is
// when ok is false) and interning the strings in names.
func zipkinFastTo(dst []*span, data []byte, names *strCache) (out []*span, ok bool) {
	s := newScan(data, names)
	switch s.Peek() {
	case '{':
		sp, ok := zipkinSpanFast(&s)
		if !ok || !s.End() {
			return dst, false
		}
		return append(dst, sp), true
	case '[':
		out = dst
		ok := s.Array(func() bool {
			sp, ok := zipkinSpanFast(&s)
			out = append(out, sp)
			return ok
		})
		if !ok || !s.End() {
			return dst, false
		}
		return out, true
	}
	return dst, false
}

// zipkinSpanKeys are zipkinSpan's JSON names, in their bit order.
var zipkinSpanKeys = []string{
	"traceId", "parentId", "id", "kind", "name", "timestamp", "duration",
	"shared", "localEndpoint", "remoteEndpoint", "tags",
}

// zipkinV1Keys are the fields zipkinSpan reads only to tell a v1 span.
var zipkinV1Keys = []string{"binaryAnnotations", "annotations"}

func zipkinSpanFast(s *scan) (*span, bool) {
	var z zipkinSpan
	var local, remote zipkinEndpoint
	var timestamp, duration []byte
	var tags []kv
	var seen uint32
	ok := s.Object(func(key []byte) bool {
		bit := zipkinSpanKey(key)
		if bit < 0 {
			if foldsTo(key, zipkinSpanKeys) {
				return false
			}
			// A Zipkin v1 span goes to zipkinUnmarshal, which rejects it.
			if string(key) == "annotations" {
				from := s.I
				return s.Skip(0) && !v1Annotations(s.B[from:s.I])
			}
			return !foldsTo(key, zipkinV1Keys) && s.Skip(0)
		}
		if seen&(1<<bit) != 0 {
			return false // encoding/json keeps the last; rare enough to leave to it
		}
		seen |= 1 << bit
		var ok bool
		switch bit {
		case 0:
			z.TraceID, ok = s.str()
		case 1:
			z.ParentID, ok = s.str()
		case 2:
			z.ID, ok = s.str()
		case 3:
			z.Kind, ok = s.str()
		case 4:
			z.Name, ok = s.str()
		case 5:
			timestamp, ok = s.Number()
		case 6:
			duration, ok = s.Number()
		case 7:
			z.Shared, ok = s.Bool()
		case 8:
			ok = zipkinEndpointFast(s, &local)
		case 9:
			ok = zipkinEndpointFast(s, &remote)
		case 10:
			tags, ok = zipkinTagsFast(s)
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	// The times are read from the input's bytes, as zipkinToSpan reads
	// z.Timestamp and z.Duration, without making them strings.
	return zipkinSpanOf(&z, local.ServiceName, remote.ServiceName, microsBytes(timestamp), microsBytes(duration), tags), true
}

// zipkinSpanKey is the bit of a zipkinSpanKeys name, or -1.
func zipkinSpanKey(key []byte) int {
	switch string(key) {
	case "traceId":
		return 0
	case "parentId":
		return 1
	case "id":
		return 2
	case "kind":
		return 3
	case "name":
		return 4
	case "timestamp":
		return 5
	case "duration":
		return 6
	case "shared":
		return 7
	case "localEndpoint":
		return 8
	case "remoteEndpoint":
		return 9
	case "tags":
		return 10
	}
	return -1
}

// microsBytes is micros of a number's text.
func microsBytes(n []byte) int64 {
	return micros(json.Number(n))
}

var zipkinEndpointKeys = []string{"serviceName"}

func zipkinEndpointFast(s *scan, e *zipkinEndpoint) bool {
	seen := false
	return s.Object(func(key []byte) bool {
		if string(key) != "serviceName" {
			return !foldsTo(key, zipkinEndpointKeys) && s.Skip(0)
		}
		if seen {
			return false
		}
		seen = true
		var ok bool
		e.ServiceName, ok = s.str()
		return ok
	})
}

// zipkinTagsFast reads the tags object: string values, distinct names.
func zipkinTagsFast(s *scan) ([]kv, bool) {
	var buf [16]kv
	tags := buf[:0]
	ok := s.Object(func(key []byte) bool {
		for _, t := range tags {
			if t.k == string(key) {
				return false
			}
		}
		v, ok := s.str()
		tags = append(tags, kv{s.names.str(key), v})
		return ok
	})
	return exactKVs(tags), ok
}

// foldsTo reports whether encoding/json would match key to one of names
// other than exactly (it matches names case-insensitively). key is ASCII
// (scan.rawString), so EqualFold is its rule.
func foldsTo(key []byte, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(string(key), n) {
			return true
		}
	}
	return false
}
