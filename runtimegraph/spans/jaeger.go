package spans

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// jaegerTrace is one trace of the Jaeger query API's JSON (what the UI
// downloads). Times are microseconds.
type jaegerTrace struct {
	TraceID   string                   `json:"traceID"`
	Spans     []jaegerSpan             `json:"spans"`
	Processes map[string]jaegerProcess `json:"processes"`
}

type jaegerSpan struct {
	TraceID       string         `json:"traceID"`
	SpanID        string         `json:"spanID"`
	OperationName string         `json:"operationName"`
	References    []jaegerRef    `json:"references"`
	StartTime     json.Number    `json:"startTime"`
	Duration      json.Number    `json:"duration"`
	Tags          []jaegerTag    `json:"tags"`
	ProcessID     string         `json:"processID"`
	Process       *jaegerProcess `json:"process"`
}

type jaegerRef struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

type jaegerTag struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

type jaegerProcess struct {
	ServiceName string `json:"serviceName"`
}

// readJaeger streams Jaeger JSON: the query API's {"data":[trace...]}, a
// bare trace object (what jaeger-ui test fixtures hold), or an array of
// traces. One trace is decoded at a time: a trace's processes may follow
// its spans, so a trace is the unit of memory.
func readJaeger(in *input, f *framer) error {
	return in.pipeline(func(emit func(position, []byte) error) error {
		c, err := f.peek()
		if err != nil {
			return err
		}
		switch c {
		case '[':
			f.pos++
			if err := jaegerTraces(f, emit); err != nil {
				return err
			}
		case '{':
			if err := jaegerObject(f, emit); err != nil {
				return err
			}
		default:
			return f.unexpected(c, "a Jaeger JSON object or array")
		}
		return f.end()
	}, func(e elem, _ *worker) ([]*span, error) {
		var tr jaegerTrace
		if err := json.Unmarshal(e.data, &tr); err != nil {
			return nil, valueErr(in.name, e.at, e.data, err)
		}
		return jaegerSpans(&tr), nil
	})
}

// jaegerTraces frames the elements of an array of traces whose '[' was
// read, and its ']'.
func jaegerTraces(f *framer, emit func(position, []byte) error) error {
	return f.elements("the array of Jaeger traces", func(data []byte, at position) error { return emit(at, data) })
}

// jaegerObject frames an object: the API envelope with "data", or one bare
// trace, re-assembled from its traceID, spans and processes.
func jaegerObject(f *framer, emit func(position, []byte) error) error {
	at := f.here()
	if err := f.expect('{', "'{'"); err != nil {
		return err
	}
	var bare []byte
	more, err := f.first('}')
	for more && err == nil {
		var key string
		if key, err = f.key(); err != nil {
			return err
		}
		switch key {
		case "data":
			c, err := f.peek()
			if err != nil {
				return err
			}
			switch c {
			case 'n': // "data": null, as the API answers an empty search
				if err := f.skip(); err != nil {
					return err
				}
			case '[':
				f.pos++
				if err := jaegerTraces(f, emit); err != nil {
					return err
				}
			default:
				return f.errorf(f.here(), "Jaeger \"data\" must be an array of traces")
			}
		case "traceID", "spans", "processes":
			data, _, err := f.value()
			if err != nil {
				return err
			}
			if bare == nil {
				bare = append(bare, '{')
			} else {
				bare = append(bare, ',')
			}
			bare = fmt.Appendf(bare, "%q:", key)
			bare = append(bare, data...)
			if len(bare) > f.max {
				return f.errorf(at, "trace over the %d-byte limit", f.max)
			}
		default:
			if err := f.skip(); err != nil {
				return err
			}
		}
		more, err = f.next('}', "the Jaeger object")
	}
	if err != nil || bare == nil {
		return err
	}
	return emit(at, append(bare, '}'))
}

// jaegerSpans converts the spans of one trace.
func jaegerSpans(tr *jaegerTrace) []*span {
	out := make([]*span, 0, len(tr.Spans))
	for i := range tr.Spans {
		js := &tr.Spans[i]
		traceID := js.TraceID
		if traceID == "" {
			traceID = tr.TraceID
		}
		s := &span{
			trace: normID(traceID, 16),
			id:    normID(js.SpanID, 16),
			name:  js.OperationName,
			start: micros(js.StartTime) * 1000,
			dur:   micros(js.Duration) * 1000,
		}
		switch {
		case js.Process != nil:
			s.service = js.Process.ServiceName
		default:
			s.service = tr.Processes[js.ProcessID].ServiceName
		}
		// The parent is the first CHILD_OF reference in the same trace,
		// else the first reference (Jaeger's own rule); the rest are links.
		parent := -1
		for j, r := range js.References {
			if strings.EqualFold(r.RefType, "CHILD_OF") && (r.TraceID == "" || normID(r.TraceID, 16) == s.trace) {
				parent = j
				break
			}
		}
		if parent < 0 && len(js.References) > 0 && (js.References[0].TraceID == "" || normID(js.References[0].TraceID, 16) == s.trace) {
			parent = 0
		}
		for j, r := range js.References {
			if j == parent {
				s.parent = normID(r.SpanID, 16)
				continue
			}
			rt := s.trace
			if r.TraceID != "" {
				rt = normID(r.TraceID, 16)
			}
			s.links = append(s.links, spanRef{rt, normID(r.SpanID, 16)})
		}
		if len(js.Tags) > 0 {
			s.attrs = make([]kv, 0, len(js.Tags))
			for _, tag := range js.Tags {
				v := tagString(tag.Value)
				switch tag.Key {
				case "span.kind":
					if s.kind = parseKind(v); s.kind == kindInternal && !strings.EqualFold(v, "internal") {
						s.oddEnum = fmt.Sprintf("span.kind %q", v)
					}
				case "error":
					// OpenTracing's error tag is a bool; "false" is no error.
					if v == "true" {
						s.err = true
					}
				}
				s.attrs = append(s.attrs, kv{tag.Key, v})
			}
		}
		statusTags(s)
		out = append(out, s)
	}
	return out
}

// tagString renders a Jaeger tag value (string, bool, number, or base64
// binary) as text.
func tagString(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	if s := string(raw); s != "null" {
		if _, err := strconv.ParseFloat(s, 64); err == nil || s == "true" || s == "false" {
			return s
		}
	}
	return ""
}
