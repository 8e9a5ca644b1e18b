package spans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
}

type zipkinEndpoint struct {
	ServiceName string `json:"serviceName"`
}

// readZipkin streams a Zipkin v2 JSON array whose elements are spans, or
// arrays of spans (one per trace, as /api/v2/traces returns).
func readZipkin(in *input, l *lineReader) error {
	dec := json.NewDecoder(l)
	if err := expectDelim(in, l, dec, '[', "a Zipkin span array"); err != nil {
		return err
	}
	for dec.More() {
		if peekValue(dec) == '{' {
			off := dec.InputOffset()
			var z zipkinSpan
			if err := dec.Decode(&z); err != nil {
				return in.decodeErr(l, off, err)
			}
			if err := in.addZipkin(l, off, &z); err != nil {
				return err
			}
			continue
		}
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return in.decodeErr(l, off, err)
		}
		raw = bytes.TrimLeft(raw, " \t\r\n")
		start := dec.InputOffset() - int64(len(raw))
		switch {
		case len(raw) > 0 && raw[0] == '[':
			var trace []zipkinSpan
			if err := json.Unmarshal(raw, &trace); err != nil {
				return in.valueErr(l, start, err)
			}
			for i := range trace {
				if err := in.addZipkin(l, start, &trace[i]); err != nil {
					return err
				}
			}
		case len(raw) > 0 && raw[0] == '{':
			var z zipkinSpan
			if err := json.Unmarshal(raw, &z); err != nil {
				return in.valueErr(l, start, err)
			}
			if err := in.addZipkin(l, start, &z); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: want a Zipkin span or an array of spans, got %.20s", l.where(in.name, start), raw)
		}
	}
	if _, err := dec.Token(); err != nil {
		return in.decodeErr(l, dec.InputOffset(), err)
	}
	return trailing(in, l, dec)
}

// peekValue returns the first byte of the next array element if the
// decoder has it buffered, else 0. It lets the common case (an array of span
// objects) decode each span once.
func peekValue(dec *json.Decoder) byte {
	buf, _ := dec.Buffered().(*bytes.Reader)
	if buf == nil {
		return 0
	}
	for {
		c, err := buf.ReadByte()
		if err != nil {
			return 0
		}
		switch c {
		case ' ', '\t', '\r', '\n', ',':
			continue
		}
		return c
	}
}

// expectDelim reads the opening token of the document.
func expectDelim(in *input, l *lineReader, dec *json.Decoder, d json.Delim, what string) error {
	off := dec.InputOffset()
	t, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("%s: empty input, want %s", in.name, what)
		}
		return in.decodeErr(l, off, err)
	}
	if t != d {
		return fmt.Errorf("%s: want %s, got %v", l.where(in.name, off), what, t)
	}
	return nil
}

// trailing checks that nothing but white space follows the document.
func trailing(in *input, l *lineReader, dec *json.Decoder) error {
	off := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return in.decodeErr(l, off, err)
		}
		return fmt.Errorf("%s: unexpected data after the end of the document", l.where(in.name, off))
	}
	return nil
}

func (in *input) addZipkin(l *lineReader, off int64, z *zipkinSpan) error {
	s := &span{
		trace:  normID(z.TraceID, 16),
		id:     normID(z.ID, 16),
		parent: normID(z.ParentID, 16),
		kind:   parseKind(z.Kind),
		name:   z.Name,
		shared: z.Shared,
		start:  micros(z.Timestamp) * 1000,
		dur:    micros(z.Duration) * 1000,
	}
	if z.LocalEndpoint != nil {
		s.service = z.LocalEndpoint.ServiceName
	}
	if z.RemoteEndpoint != nil {
		s.remote = z.RemoteEndpoint.ServiceName
	}
	// Zipkin's DependencyLinker takes a span with no kind but both
	// endpoints named for a CLIENT.
	if z.Kind == "" && s.service != "" && s.remote != "" {
		s.kind = kindClient
	}
	if len(z.Tags) > 0 {
		s.attrs = make([]kv, 0, len(z.Tags))
		for k, v := range z.Tags {
			s.attrs = append(s.attrs, kv{k, v})
		}
	}
	// Zipkin marks an error by the presence of the "error" tag; its value
	// is the message (often empty or "true").
	if v, ok := z.Tags["error"]; ok {
		s.err, s.errText = true, v
	}
	statusTags(s)
	return in.add(s, func() string { return l.where(in.name, off) })
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
// writers emit. A bad value reads as 0 and the span is skipped.
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
