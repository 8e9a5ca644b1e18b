package runtimegraph

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tracegraph/tracegraph/telemetry"
)

// Tag is one --where key=value condition.
type Tag struct {
	Key, Value string
}

// ParseTag reads "key=value". The key must not be empty; the value may be.
func ParseTag(s string) (Tag, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return Tag{}, fmt.Errorf("bad --where %q (want key=value)", s)
	}
	return Tag{Key: k, Value: v}, nil
}

// maxAgeDays is the longest age in days a time.Duration holds.
const maxAgeDays = int(math.MaxInt64 / int64(24*time.Hour))

// ParseTime reads a window bound: an RFC 3339 time, a date (2006-01-02, UTC
// midnight), or an age before now such as 90m, 24h or 7d.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > maxAgeDays {
			// n days in a Duration would overflow into a time after now:
			// an empty, green window.
			return time.Time{}, fmt.Errorf("bad time %q: an age of at most %dd (about 292 years)", s, maxAgeDays)
		}
		if err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour).UTC(), nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bad time %q (want RFC 3339, a date, or an age such as 24h or 7d)", s)
}

// Filter selects events. Zero fields select everything. Since is inclusive,
// Until exclusive. Every Where tag must be present with that exact value.
//
// The graph uses only the window and the tags; the event query uses all of
// it. Each backend implements the same meaning (see Match).
type Filter struct {
	Since, Until time.Time
	Where        []Tag

	TraceID     string
	EventType   string
	Status      string
	Service     string
	Channel     string
	MessageType string
	Operation   string
}

// CheckText reports a value no stored event can hold: text that is not
// valid UTF-8 or holds a NUL. PostgreSQL refuses such text in a query, and
// events decoded from JSON never hold it, so both backends answer such a
// filter with this error, the same way, instead of an empty match on one
// and a server error on the other. name says which value it is.
func CheckText(name, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", name, s)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s %q holds a NUL character", name, s)
	}
	return nil
}

// Validate reports a window that cannot select anything useful, and text
// no event can hold (CheckText).
func (f *Filter) Validate() error {
	for _, v := range []struct{ name, s string }{
		{"trace id", f.TraceID}, {"event type", f.EventType}, {"status", f.Status}, {"service", f.Service},
		{"channel", f.Channel}, {"message type", f.MessageType}, {"operation", f.Operation},
	} {
		if err := CheckText(v.name, v.s); err != nil {
			return err
		}
	}
	for _, t := range f.Where {
		if err := CheckText("--where key", t.Key); err != nil {
			return err
		}
		if err := CheckText("--where value", t.Value); err != nil {
			return err
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return errors.New("--until must be after --since")
	}
	return nil
}

// GraphOnly is f without the event-level fields, as the graph uses it.
func (f Filter) GraphOnly() Filter {
	return Filter{Since: f.Since, Until: f.Until, Where: f.Where}
}

// Match reports whether e passes f.
func (f *Filter) Match(e *telemetry.Event) bool {
	if !f.Since.IsZero() && e.Timestamp.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !e.Timestamp.Before(f.Until) {
		return false
	}
	for _, t := range f.Where {
		v, ok := e.Tags[t.Key]
		if !ok || v != t.Value {
			return false
		}
	}
	return eqOrAny(f.TraceID, e.TraceID) && eqOrAny(f.EventType, e.EventType) && eqOrAny(f.Status, e.Status) &&
		eqOrAny(f.Service, e.Service) && eqOrAny(f.Channel, e.Channel) &&
		eqOrAny(f.MessageType, e.MessageType) && eqOrAny(f.Operation, e.Operation)
}

func eqOrAny(want, got string) bool { return want == "" || want == got }
