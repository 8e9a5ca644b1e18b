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
func readJaeger(in *input, l *lineReader) error {
	dec := json.NewDecoder(l)
	off := dec.InputOffset()
	t, err := dec.Token()
	if err != nil {
		return in.decodeErr(l, off, err)
	}
	switch t {
	case json.Delim('['):
		if err := in.jaegerTraces(l, dec); err != nil {
			return err
		}
	case json.Delim('{'):
		if err := in.jaegerObject(l, dec); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: want a Jaeger JSON object or array, got %v", l.where(in.name, off), t)
	}
	return trailing(in, l, dec)
}

// jaegerTraces reads the elements of an array of traces, and its end.
func (in *input) jaegerTraces(l *lineReader, dec *json.Decoder) error {
	for dec.More() {
		off := dec.InputOffset()
		var tr jaegerTrace
		if err := dec.Decode(&tr); err != nil {
			return in.decodeErr(l, off, err)
		}
		if err := in.addJaegerTrace(l, off, &tr); err != nil {
			return err
		}
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); err != nil {
		return in.decodeErr(l, off, err)
	}
	return nil
}

// jaegerObject reads the rest of an object whose '{' was read: either the
// API envelope with "data", or one bare trace.
func (in *input) jaegerObject(l *lineReader, dec *json.Decoder) error {
	start := dec.InputOffset()
	var bare jaegerTrace
	isTrace := false
	for dec.More() {
		off := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return in.decodeErr(l, off, err)
		}
		key, _ := t.(string)
		off = dec.InputOffset()
		switch key {
		case "data":
			if t, err := dec.Token(); err != nil {
				return in.decodeErr(l, off, err)
			} else if t == nil {
				continue // "data": null, as the API answers an empty search
			} else if t != json.Delim('[') {
				return fmt.Errorf("%s: Jaeger \"data\" must be an array of traces", l.where(in.name, off))
			}
			if err := in.jaegerTraces(l, dec); err != nil {
				return err
			}
			continue
		case "traceID":
			err = dec.Decode(&bare.TraceID)
		case "spans":
			err = dec.Decode(&bare.Spans)
		case "processes":
			err = dec.Decode(&bare.Processes)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return in.decodeErr(l, off, err)
		}
		if key == "traceID" || key == "spans" || key == "processes" {
			isTrace = true
		}
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); err != nil {
		return in.decodeErr(l, off, err)
	}
	if isTrace {
		return in.addJaegerTrace(l, start, &bare)
	}
	return nil
}

func (in *input) addJaegerTrace(l *lineReader, off int64, tr *jaegerTrace) error {
	where := func() string { return l.where(in.name, off) }
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
					s.kind = parseKind(v)
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
		if err := in.add(s, where); err != nil {
			return err
		}
	}
	return nil
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
