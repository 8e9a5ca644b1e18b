package serve

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
)

// params reads a request's query string. Every parameter must be one the
// route knows, and only "where" may repeat: a typo or a doubled value is a
// 400 that names it, never a silently wider answer.
type params struct {
	v url.Values
}

func readParams(r *http.Request, known ...string) (*params, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("bad query string: %v", err)
	}
	return checkParams(v, known...)
}

// checkParams checks a query's names as readParams does.
func checkParams(v url.Values, known ...string) (*params, error) {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(known, k) {
			takes := "no parameters"
			if len(known) > 0 {
				takes = strings.Join(known, ", ")
			}
			return nil, fmt.Errorf("unknown parameter %q (this route takes %s)", k, takes)
		}
		if len(v[k]) > 1 && k != "where" {
			return nil, fmt.Errorf("parameter %q given %d times (it takes one value)", k, len(v[k]))
		}
		for _, val := range v[k] {
			if err := runtimegraph.CheckText("parameter "+k, val); err != nil {
				return nil, err
			}
		}
	}
	return &params{v: v}, nil
}

func (p *params) str(name string) string { return p.v.Get(name) }

// intIn reads an integer in [lo, hi], or def when absent.
func (p *params) intIn(name string, def, lo, hi int) (int, error) {
	s := p.v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("bad %s %q (want a whole number from %d to %d)", name, s, lo, hi)
	}
	return n, nil
}

// window reads since, until and where into a filter. Relative times count
// back from now.
func (p *params) window(now time.Time) (runtimegraph.Filter, error) {
	var f runtimegraph.Filter
	var err error
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		s := p.v.Get(b.name)
		if *b.t, err = runtimegraph.ParseTime(s, now); err != nil {
			return f, fmt.Errorf("bad %s %q (want an RFC 3339 time, a date such as 2026-11-24, or an age such as 90m, 24h or 7d)", b.name, s)
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return f, fmt.Errorf("empty window: until (%s) must be after since (%s)",
			f.Until.Format(time.RFC3339), f.Since.Format(time.RFC3339))
	}
	for _, w := range p.v["where"] {
		t, err := runtimegraph.ParseTag(w)
		if err != nil {
			return f, fmt.Errorf("bad where %q (want key=value, such as merchant_id=4c5d6e7)", w)
		}
		f.Where = append(f.Where, t)
	}
	return f, nil
}

// windowJSON echoes the window a response covers, in absolute times, so
// a page can show what "24h" meant.
type windowJSON struct {
	Since string   `json:"since,omitempty"`
	Until string   `json:"until,omitempty"`
	Where []string `json:"where"`
}

func windowOf(f runtimegraph.Filter) windowJSON {
	w := windowJSON{Where: []string{}}
	if !f.Since.IsZero() {
		w.Since = f.Since.Format(time.RFC3339Nano)
	}
	if !f.Until.IsZero() {
		w.Until = f.Until.Format(time.RFC3339Nano)
	}
	for _, t := range f.Where {
		w.Where = append(w.Where, t.Key+"="+t.Value)
	}
	return w
}
