package topology

import (
	"bytes"
	"strconv"

	"github.com/tracegraph/tracegraph/internal/jsonscan"
)

// decodeFast reads a graph in the form tracegraph writes it, several
// times faster than encoding/json: it is most of what `tracegraph render`
// does before native dot can start laying out. It declines (ok false)
// anything it would not read exactly as encoding/json does: unknown,
// repeated or differently cased keys, nulls, escapes it does not handle,
// unusual numbers, trailing data. Decode then hands the bytes to the
// general decoder, which decides; the fuzz test holds the two to the same
// graphs.
func decodeFast(data []byte) (g *Graph, ok bool) {
	d := graphDecoder{s: jsonscan.Scanner{B: data}, strs: map[string]string{}}
	g = &Graph{}
	if !d.graph(g) || !d.s.End() {
		return nil, false
	}
	return g, true
}

type graphDecoder struct {
	s   jsonscan.Scanner
	buf []byte // scratch for escaped strings
	// strs holds each distinct string once: names, statuses and paths
	// repeat across flows, and one copy each is fewer allocations.
	strs map[string]string
}

// object reads an object whose keys field knows (it returns the key's bit,
// or 0 for a key it does not take, and reads the value). A repeated key
// declines: encoding/json merges a repeated object into the value it
// already holds.
func (d *graphDecoder) object(field func(key []byte) (uint64, bool)) bool {
	var seen uint64
	return d.s.Object(func(key []byte) bool {
		bit, ok := field(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
}

// array reads an array into a slice that is empty, not nil, when the
// array is, as encoding/json leaves it.
func array[T any](d *graphDecoder, elem func(*T) bool) ([]T, bool) {
	out := []T{}
	ok := d.s.Array(func() bool {
		out = append(out, *new(T))
		return elem(&out[len(out)-1])
	})
	return out, ok
}

func (d *graphDecoder) str(v *string) bool {
	t, escaped, ok := d.s.Text(d.buf)
	if !ok {
		return false
	}
	if escaped {
		d.buf = t[:0]
	}
	if s, ok := d.strs[string(t)]; ok {
		*v = s
		return true
	}
	*v = string(t)
	d.strs[*v] = *v
	return true
}

func (d *graphDecoder) boolean(v *bool) bool {
	b, ok := d.s.Bool()
	*v = b
	return ok
}

func (d *graphDecoder) int64(v *int64) bool {
	d.s.WS()
	start := d.s.I
	if n, ok := d.s.Int64(); ok {
		*v = n
		return true
	}
	// Int64 takes up to 18 digits; counts at the limit have 19, which
	// strconv reads as encoding/json does.
	d.s.I = start
	d.s.Eat('-')
	if _, ok := d.s.Digits(); !ok {
		return false
	}
	n, err := strconv.ParseInt(string(d.s.B[start:d.s.I]), 10, 64)
	*v = n
	return err == nil
}

func (d *graphDecoder) int(v *int) bool {
	var n int64
	ok := d.int64(&n)
	*v = int(n)
	return ok && int64(*v) == n
}

func (d *graphDecoder) strings(v *[]string) bool {
	var ok bool
	*v, ok = array(d, d.str)
	return ok
}

func (d *graphDecoder) graph(g *Graph) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "schema":
			return 1 << 0, d.str(&g.Schema)
		case "source":
			return 1 << 1, d.str(&g.Source)
		case "services":
			var ok bool
			g.Services, ok = array(d, d.service)
			return 1 << 2, ok
		case "endpoints":
			var ok bool
			g.Endpoints, ok = array(d, d.endpoint)
			return 1 << 3, ok
		case "flows":
			// Flows are most of a graph; sized from the count of their one
			// required key, the list is not copied as it grows.
			g.Flows = make([]Flow, 0, bytes.Count(d.s.B[d.s.I:], []byte(`"kind"`)))
			ok := d.s.Array(func() bool {
				g.Flows = append(g.Flows, Flow{})
				return d.flow(&g.Flows[len(g.Flows)-1])
			})
			return 1 << 4, ok
		case "unresolved":
			var ok bool
			g.Unresolved, ok = array(d, d.unresolved)
			return 1 << 5, ok
		case "diagnostics":
			var ok bool
			g.Diagnostics, ok = array(d, d.diagnostic)
			return 1 << 6, ok
		}
		return 0, false
	})
}

func (d *graphDecoder) service(s *Service) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "name":
			return 1 << 0, d.str(&s.Name)
		case "package":
			return 1 << 1, d.str(&s.Package)
		case "team":
			return 1 << 2, d.str(&s.Team)
		case "aliases":
			return 1 << 3, d.strings(&s.Aliases)
		case "virtual":
			return 1 << 4, d.boolean(&s.Virtual)
		case "repos":
			return 1 << 5, d.strings(&s.Repos)
		case "candidates":
			return 1 << 6, d.strings(&s.Candidates)
		}
		return 0, false
	})
}

func (d *graphDecoder) evidence(e *Evidence) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "file":
			return 1 << 0, d.str(&e.File)
		case "line":
			return 1 << 1, d.int(&e.Line)
		case "repo":
			return 1 << 2, d.str(&e.Repo)
		}
		return 0, false
	})
}

func (d *graphDecoder) endpoint(e *Endpoint) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "service":
			return 1 << 0, d.str(&e.Service)
		case "role":
			return 1 << 1, d.str(&e.Role)
		case "channel":
			return 1 << 2, d.str(&e.Channel)
		case "message_type":
			return 1 << 3, d.str(&e.MessageType)
		case "reply_type":
			return 1 << 4, d.str(&e.ReplyType)
		case "system":
			return 1 << 5, d.str(&e.System)
		case "pattern":
			return 1 << 6, d.boolean(&e.Pattern)
		case "peer":
			return 1 << 7, d.str(&e.Peer)
		case "evidence":
			var ok bool
			e.Evidence, ok = array(d, d.evidence)
			return 1 << 8, ok
		}
		return 0, false
	})
}

func (d *graphDecoder) flow(f *Flow) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "kind":
			return 1 << 0, d.str(&f.Kind)
		case "from":
			return 1 << 1, d.str(&f.From)
		case "to":
			return 1 << 2, d.str(&f.To)
		case "channel":
			return 1 << 3, d.str(&f.Channel)
		case "message_type":
			return 1 << 4, d.str(&f.MessageType)
		case "reply_type":
			return 1 << 5, d.str(&f.ReplyType)
		case "system":
			return 1 << 6, d.str(&f.System)
		case "pattern":
			return 1 << 7, d.boolean(&f.Pattern)
		case "status":
			return 1 << 8, d.str(&f.Status)
		case "observed_type":
			return 1 << 9, d.str(&f.ObservedType)
		case "baselined":
			return 1 << 10, d.boolean(&f.Baselined)
		case "evidence":
			var ok bool
			f.Evidence, ok = array(d, d.evidence)
			return 1 << 11, ok
		case "stats":
			f.Stats = &Stats{}
			return 1 << 12, d.stats(f.Stats)
		}
		return 0, false
	})
}

func (d *graphDecoder) stats(st *Stats) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "count":
			return 1 << 0, d.int64(&st.Count)
		case "errors":
			return 1 << 1, d.int64(&st.Errors)
		case "p50_us":
			return 1 << 2, d.int64(&st.P50US)
		case "p95_us":
			return 1 << 3, d.int64(&st.P95US)
		case "first_seen":
			return 1 << 4, d.time(&st.FirstSeen)
		case "last_seen":
			return 1 << 5, d.time(&st.LastSeen)
		}
		return 0, false
	})
}

// time reads a time through the method encoding/json calls, given the
// same quoted text, so the same times parse.
func (d *graphDecoder) time(t interface{ UnmarshalJSON([]byte) error }) bool {
	d.s.WS()
	start := d.s.I
	if _, ok := d.s.PlainString(); !ok {
		return false
	}
	return t.UnmarshalJSON(d.s.B[start:d.s.I]) == nil
}

func (d *graphDecoder) unresolved(u *Unresolved) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "service":
			return 1 << 0, d.str(&u.Service)
		case "role":
			return 1 << 1, d.str(&u.Role)
		case "expr":
			return 1 << 2, d.str(&u.Expr)
		case "repo":
			return 1 << 3, d.str(&u.Repo)
		case "file":
			return 1 << 4, d.str(&u.File)
		case "line":
			return 1 << 5, d.int(&u.Line)
		case "reason":
			return 1 << 6, d.str(&u.Reason)
		case "candidates":
			return 1 << 7, d.strings(&u.Candidates)
		}
		return 0, false
	})
}

func (d *graphDecoder) diagnostic(g *Diagnostic) bool {
	return d.object(func(key []byte) (uint64, bool) {
		switch string(key) {
		case "package":
			return 1 << 0, d.str(&g.Package)
		case "repo":
			return 1 << 1, d.str(&g.Repo)
		case "file":
			return 1 << 2, d.str(&g.File)
		case "line":
			return 1 << 3, d.int(&g.Line)
		case "message":
			return 1 << 4, d.str(&g.Message)
		case "rule":
			return 1 << 5, d.str(&g.Rule)
		case "subject":
			return 1 << 6, d.str(&g.Subject)
		case "baselined":
			return 1 << 7, d.boolean(&g.Baselined)
		}
		return 0, false
	})
}
