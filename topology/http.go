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

// HTTPMatch reports whether two HTTP routes can name the same requests: the
// methods are equal, or one is "*", and the paths match segment by
// segment, where a {name} segment meets any one segment, a "*" in a
// segment is a glob within it, and a path ending in "/" (but not in {$})
// meets every path below it. It is symmetric: it compares a declared
// route with an observed one (diff). A request is paired with the route
// that serves it by ServeRoute.
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

// ServeRoute picks, among the routes of the service a request is addressed
// to, the ones that serve it, as ServeMux does: the request's method is the
// route's or the route takes any; the request's path is matched directionally
// (a {name} of the route takes one segment, a final {name...} the rest, a
// route ending in "/" the paths below it; a "*" of the request, a part of
// its URL that is not constant, meets only a {name} of the route, never a
// literal, whose value it would guess); and of the routes that match, only
// the most specific (literal segments before parameters before a subtree,
// a method before "*"). It returns their indexes in routes.
func ServeRoute(request string, routes []string) []int {
	rm, rp, ok := strings.Cut(request, " ")
	if !ok {
		return nil
	}
	var best []int
	bestScore := -1
	for i, route := range routes {
		sm, sp, ok := strings.Cut(route, " ")
		if !ok || !(sm == rm || sm == "*") {
			continue
		}
		score, ok := routeScore(rp, sp)
		if !ok {
			continue
		}
		if sm != "*" {
			score++
		}
		switch {
		case score > bestScore:
			best, bestScore = []int{i}, score
		case score == bestScore:
			best = append(best, i)
		}
	}
	return best
}

// routeScore matches a request path against a route's, and says how
// specific the route is for it: more for each literal segment, less for a
// parameter, least for a rest or subtree.
func routeScore(req, route string) (int, bool) {
	qs := strings.Split(strings.TrimPrefix(stripQuery(req), "/"), "/")
	rs, subtree := splitRoute(route)
	score := 0
	for i, r := range rs {
		if isRest(r) {
			return score + 1, true
		}
		if i >= len(qs) {
			return 0, false
		}
		q := qs[i]
		switch {
		case isParam(r):
			if q == "" {
				return 0, false
			}
			score += 2
		case q == r:
			score += 4
		default:
			return 0, false
		}
	}
	if len(qs) == len(rs) {
		return score, true
	}
	if subtree && len(qs) > len(rs) {
		return score + 1, true
	}
	if len(rs) == 0 && subtree {
		return 1, true
	}
	return 0, false
}

func stripQuery(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}
