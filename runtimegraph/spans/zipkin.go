package spans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// zipkinSpan is a Zipkin v2 span (zipkin2 JSON, as the /api/v2 endpoints
// and Zipkin's UI write it). Times are microseconds.
type zipkinSpan struct {
	TraceID        string            `json:"traceId"`
	ParentID       string            `json:"parentId"`
	ID             string            `json:"id"`
	Kind           string            `json:"kind"`
	Name           string            `json:"name"`
	Timestamp      json.Number       `json:"timestamp"`
	Duration       json.Number       `json:"duration"`
	Shared         bool              `json:"shared"`
	LocalEndpoint  *zipkinEndpoint   `json:"localEndpoint"`
	RemoteEndpoint *zipkinEndpoint   `json:"remoteEndpoint"`
	Tags           map[string]string `json:"tags"`

	// Only read to recognise a Zipkin v1 span, which the v2 fields would
	// otherwise take as a span with no service and no kind.
	BinaryAnnotations json.RawMessage `json:"binaryAnnotations"`
	Annotations       json.RawMessage `json:"annotations"`
}

type zipkinEndpoint struct {
	ServiceName string `json:"serviceName"`
}

// readZipkin streams a Zipkin v2 JSON array whose elements are spans, or
// arrays of spans (one per trace, as /api/v2/traces returns).
func readZipkin(in *input, f *framer) error {
	return in.pipeline(func(emit func(position, []byte) error) error {
		if err := f.expect('[', "'[' opening a Zipkin span array"); err != nil {
			return err
		}
		err := f.elements("the Zipkin span array", func(data []byte, at position) error { return emit(at, data) })
		if err != nil {
			return err
		}
		return f.end()
	}, func(e elem, w *worker) ([]*span, error) {
		if out, ok := zipkinFastTo(w.scratch(), e.data, &w.names); ok {
			w.spans = out
			return out, nil
		}
		return zipkinUnmarshal(in.name, e)
	})
}

// zipkinUnmarshal decodes one Zipkin span or trace array with
// encoding/json: the reference for zipkinFast, and its fallback.
func zipkinUnmarshal(name string, e elem) ([]*span, error) {
	switch e.data[0] {
	case '{':
		var z zipkinSpan
		if err := json.Unmarshal(e.data, &z); err != nil {
			return nil, valueErr(name, e.at, e.data, err)
		}
		if z.isV1() {
			return nil, zipkinV1Err(name, e.at)
		}
		return []*span{zipkinToSpan(&z, mapTags(z.Tags))}, nil
	case '[':
		var trace []zipkinSpan
		if err := json.Unmarshal(e.data, &trace); err != nil {
			return nil, valueErr(name, e.at, e.data, err)
		}
		out := make([]*span, len(trace))
		for i := range trace {
			if trace[i].isV1() {
				return nil, zipkinV1Err(name, e.at)
			}
			out[i] = zipkinToSpan(&trace[i], mapTags(trace[i].Tags))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s:%s: want a Zipkin span or an array of spans, got %.20q", name, e.at, e.data)
}

// isV1 tells a Zipkin v1 span: v2 has no binaryAnnotations, and its
// annotations carry no endpoint (v1 put each host's service there).
func (z *zipkinSpan) isV1() bool {
	if len(z.BinaryAnnotations) > 0 && string(z.BinaryAnnotations) != "null" {
		return true
	}
	return v1Annotations(z.Annotations)
}

// v1Annotations reports whether an annotations value is v1's: an array
// holding an object with an "endpoint" key. Anything else, well formed or
// not, is left alone, as v2 decoding ignores annotations.
func v1Annotations(raw []byte) bool {
	if !bytes.Contains(raw, []byte(`endpoint`)) {
		return false
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return false
	}
	for _, a := range list {
		if _, ok := a["endpoint"]; ok {
			return true
		}
	}
	return false
}

func zipkinV1Err(name string, at position) error {
	return fmt.Errorf("%s:%s: a Zipkin v1 span (binaryAnnotations, or annotations with endpoints); tracegraph reads Zipkin v2 JSON, as /api/v2/traces returns it", name, at)
}

// mapTags lists tags in the map's (random) order: input.add sorts them.
func mapTags(m map[string]string) []kv {
	if len(m) == 0 {
		return nil
	}
	tags := make([]kv, 0, len(m))
	for k, v := range m {
		tags = append(tags, kv{k, v})
	}
	return tags
}

// zipkinToSpan converts a span; its tags (keys distinct) come apart from
// z.Tags, which only encoding/json fills.
func zipkinToSpan(z *zipkinSpan, tags []kv) *span {
	var local, remote string
	if z.LocalEndpoint != nil {
		local = z.LocalEndpoint.ServiceName
	}
	if z.RemoteEndpoint != nil {
		remote = z.RemoteEndpoint.ServiceName
	}
	return zipkinSpanOf(z, local, remote, micros(z.Timestamp), micros(z.Duration), tags)
}

// zipkinSpanOf is zipkinToSpan with the endpoints' service names and the
// times (microseconds) read apart, which zipkinFast does without
// allocating; z's endpoints and times are not read.
func zipkinSpanOf(z *zipkinSpan, local, remote string, timestamp, duration int64, tags []kv) *span {
	s := &span{
		trace:   normID(z.TraceID, 16),
		id:      normID(z.ID, 16),
		parent:  normID(z.ParentID, 16),
		kind:    parseKind(z.Kind),
		name:    z.Name,
		shared:  z.Shared,
		start:   timestamp * 1000,
		dur:     duration * 1000,
		service: local,
		remote:  remote,
	}
	if s.kind == kindInternal && z.Kind != "" {
		s.oddEnum = fmt.Sprintf("kind %q", z.Kind)
	}
	// Zipkin's DependencyLinker takes a span with no kind but both
	// endpoints named for a CLIENT.
	if z.Kind == "" && s.service != "" && s.remote != "" {
		s.kind, s.guessedKind = kindClient, true
	}
	s.attrs = tags
	// Zipkin marks an error by the presence of the "error" tag; its value
	// is the message (often empty or "true").
	for _, t := range tags {
		if t.k == "error" {
			s.err, s.errText = true, t.v
		}
	}
	statusTags(s)
	return s
}

// statusTags reads the error status OpenTelemetry exporters write as tags
// into Zipkin and Jaeger.
func statusTags(s *span) {
	if strings.EqualFold(s.attr("otel.status_code"), "ERROR") {
		s.err = true
		if s.errText == "" || s.errText == "true" {
			s.errText = s.attr("otel.status_description")
		}
	}
	if s.errText == "true" {
		s.errText = ""
	}
}

// micros reads a Zipkin or Jaeger time: an integer, or a float some
// writers emit. A bad value reads as 0: no start time (see input.add).
func micros(n json.Number) int64 {
	if n == "" {
		return 0
	}
	if v, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return v
	}
	if f, err := strconv.ParseFloat(string(n), 64); err == nil && f > -9e15 && f < 9e15 {
		return int64(f)
	}
	return 0
}

// normID lower-cases a hex id and pads it with leading zeros to width (16
// or, for a longer id, 32), as Zipkin normalises ids, so that ids written
// with and without leading zeros match. An id that is not hex is kept as it
// is: it still pairs with itself.
func normID(id string, width int) string {
	if id == "" {
		return ""
	}
	upper := false
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return id
		}
	}
	if upper {
		id = strings.ToLower(id)
	}
	if len(id) > width {
		width = 32
	}
	if len(id) < width {
		id = strings.Repeat("0", width-len(id)) + id
	}
	return id
}
