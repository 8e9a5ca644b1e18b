package topology

import (
	"path"
	"strings"
)

// SystemHTTP is the system of HTTP endpoints, whose channels are
// "METHOD /path": a method or "*" for any, and a path template whose
// {name} segments stand for one segment each, a final {name...} for the
// rest, and a final "/" for a subtree, as net/http's ServeMux reads them.
const SystemHTTP = "http"

// HTTPMatch reports whether two HTTP channels can be the same request: the
// methods are equal, or one is "*", and the
// paths match segment by segment, where a {name} segment meets any one
// segment, a "*" in a segment (a part of a client's URL that is not
// constant) is a glob within it, and a path ending in "/" (but not in {$})
// meets every path below it. It is symmetric, since it compares a client's
// URL with a route as readily as two routes.
func HTTPMatch(a, b string) bool {
	am, ap, ok1 := strings.Cut(a, " ")
	bm, bp, ok2 := strings.Cut(b, " ")
	if !ok1 || !ok2 {
		return a == b
	}
	return methodsMatch(am, bm) && pathsMatch(ap, bp)
}

func methodsMatch(a, b string) bool {
	return a == b || a == "*" || b == "*"
}

func pathsMatch(a, b string) bool {
	as, asub := splitRoute(a)
	bs, bsub := splitRoute(b)
	for i := 0; ; i++ {
		switch {
		case i == len(as) && i == len(bs):
			return true
		case i == len(as):
			return asub
		case i == len(bs):
			return bsub
		}
		x, y := as[i], bs[i]
		if isRest(x) || isRest(y) {
			return true
		}
		if !segmentsMatch(x, y) {
			return false
		}
	}
}

// splitRoute splits a path into segments and says whether it is a
// subtree (ends in "/"); "/orders/{$}" is exactly "/orders/".
func splitRoute(p string) ([]string, bool) {
	exact := strings.HasSuffix(p, "/{$}")
	if exact {
		p = strings.TrimSuffix(p, "{$}")
	}
	p = strings.TrimPrefix(p, "/")
	subtree := false
	if strings.HasSuffix(p, "/") || p == "" {
		p = strings.TrimSuffix(p, "/")
		subtree = !exact
	}
	if p == "" {
		return nil, subtree
	}
	segs := strings.Split(p, "/")
	if exact {
		segs = append(segs, "")
	}
	return segs, subtree
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

func isRest(seg string) bool { return isParam(seg) && strings.HasSuffix(seg, "...}") }

func segmentsMatch(x, y string) bool {
	switch {
	case x == y:
		return true
	case isParam(x):
		return y != ""
	case isParam(y):
		return x != ""
	case strings.Contains(x, "*") && strings.Contains(y, "*"):
		return true
	case strings.Contains(x, "*"):
		ok, _ := path.Match(x, y)
		return ok
	case strings.Contains(y, "*"):
		ok, _ := path.Match(y, x)
		return ok
	}
	return false
}

// httpFlowChannel names the flow of an HTTP request and the route that
// serves it: the route's path, with the request's method where the route
// takes any.
func httpFlowChannel(request, route string) string {
	rm, _, ok1 := strings.Cut(request, " ")
	sm, sp, ok2 := strings.Cut(route, " ")
	if !ok1 || !ok2 {
		return route
	}
	if sm == "*" {
		sm = rm
	}
	return sm + " " + sp
}
