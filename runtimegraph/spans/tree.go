package spans

import "iter"

// traceView answers tree questions about one flushed trace.
type traceView struct {
	byID map[string][]*span
	root *span
}

// directParent is the span named by s.parent, or nil when it is not in the
// input. Of two spans sharing that id (Zipkin's shared CLIENT and SERVER),
// the SERVER is the parent: children of a shared span run on the server.
func (t *traceView) directParent(s *span) *span {
	var found *span
	for _, p := range t.byID[s.parent] {
		if p == s {
			continue
		}
		if found == nil || p.kind == kindServer {
			found = p
		}
	}
	return found
}

// parent is directParent, else the root for a span whose parent is missing:
// Zipkin attaches such spans to the root.
func (t *traceView) parent(s *span) *span {
	if s.parent == "" {
		return nil
	}
	if p := t.directParent(s); p != nil {
		return p
	}
	if t.root != nil && t.root != s {
		return t.root
	}
	return nil
}

// sharedSender is the sending half of a Zipkin shared span: its CLIENT,
// or a PRODUCER whose id a SERVER took (a message delivered by an HTTP
// push), which Zipkin's tree makes the SERVER's parent.
func (t *traceView) sharedSender(s *span) *span {
	var producer *span
	for _, c := range t.byID[s.id] {
		switch {
		case c == s:
		case c.kind == kindClient:
			return c
		case c.kind == kindProducer && producer == nil:
			producer = c
		}
	}
	return producer
}

// fillFromAncestors gives a span with no start time its nearest dated
// ancestor's start, else the trace's earliest, and a CLIENT, PRODUCER or
// INTERNAL span with no service its nearest named ancestor's service:
// those run in their parent's process. A SERVER or CONSUMER's parent is
// the caller, so it stays unknown_service.
func (t *traceView) fillFromAncestors(spans []*span) {
	earliest := int64(0)
	for _, s := range spans {
		if !s.noStart && (earliest == 0 || s.start < earliest) {
			earliest = s.start
		}
	}
	for _, s := range spans {
		if s.noStart {
			s.start = earliest
			for p := range t.ancestors(s) {
				if !p.noStart {
					s.start = p.start
					break
				}
			}
		}
		if s.noService && s.kind != kindServer && s.kind != kindConsumer {
			for p := range t.ancestors(s) {
				if !p.noService {
					s.service = p.service
					break
				}
				if p.kind == kindServer || p.kind == kindConsumer {
					// The nameless process was called here: above is
					// another process.
					break
				}
			}
		}
	}
}

// maxAncestors bounds every walk up a trace, which a cycle of parent ids
// would otherwise make endless.
const maxAncestors = 1024

// ancestors yields the parents of s, nearest first (see parent), at most
// maxAncestors of them.
func (t *traceView) ancestors(s *span) iter.Seq[*span] {
	return func(yield func(*span) bool) {
		for p, n := t.parent(s), 0; p != nil && n < maxAncestors; p, n = t.parent(p), n+1 {
			if !yield(p) {
				return
			}
		}
	}
}

// remoteAncestor is the nearest ancestor of s that is not INTERNAL, as
// Zipkin's DependencyLinker finds it.
func (t *traceView) remoteAncestor(s *span) *span {
	for p := range t.ancestors(s) {
		if p.kind != kindInternal && !p.guessedKind {
			return p
		}
	}
	return nil
}

// callerAncestor is the service of the nearest ancestor of a SERVER span
// that runs in another service: the caller, when its CLIENT span is
// missing, as Zipkin's DependencyLinker takes it.
func (t *traceView) callerAncestor(s *span) string {
	for p := range t.ancestors(s) {
		if p.service != s.service {
			return p.service
		}
	}
	return ""
}
