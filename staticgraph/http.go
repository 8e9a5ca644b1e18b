// HTTP endpoints (E16, E18): a client's URL becomes its peer and "METHOD
// /path"; a server's route pattern, below the prefixes of the routers it
// is registered on and the mounts of the root router, becomes "METHOD
// /path".

package staticgraph

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/tracegraph/tracegraph/config"
)

// httpEndpoint is what an HTTP rule's use names: the channel, whether it
// is a pattern, and a client's peer; reason says why it names nothing.
type httpEndpoint struct {
	channel string
	pattern bool
	peer    string
	reason  string
}

// httpUse turns the URL or route an HTTP rule's channel gave (name, a
// pattern when parts of it are not constant) into the endpoint it names.
func (a *analysis) httpUse(u recognised, props map[string]*val, name string, pattern bool) httpEndpoint {
	method, given, known := httpMethod(props[propMethod])
	if !known {
		// A method the code computes could be any: "*" would pair it
		// with every route of the path.
		reason := "the HTTP method is not constant"
		if v := props[propMethod]; v.kind == kUnknown {
			reason += ": " + v.reason
		}
		return httpEndpoint{reason: reason}
	}
	if u.rule.HTTP == config.HTTPClient {
		return a.httpClient(name, pattern, method)
	}
	if pattern {
		return httpEndpoint{reason: "the route pattern is not constant"}
	}
	m, path, ok := splitPattern(name)
	if !ok {
		return httpEndpoint{reason: "the route pattern " + strconv.Quote(name) + " has no path"}
	}
	if !given {
		method = m
	}
	prefix := ""
	if pv := props[propPrefix]; pv != nil {
		n, p, ok := pv.name()
		if !ok || p {
			return httpEndpoint{reason: "the router's path prefix is not constant"}
		}
		prefix = n
	}
	prefixes, reason := a.mountPrefixes(u, props[propReceiver], 0)
	if reason != "" {
		return httpEndpoint{reason: reason}
	}
	if len(prefixes) != 1 {
		// Mounted in several places: the route is served under each,
		// which one endpoint cannot say.
		return httpEndpoint{reason: "the router is mounted under several prefixes"}
	}
	route := normalizeRoute(prefixes[0] + prefix + path)
	if u.rule.pkg != "net/http" {
		// Other routers match a pattern exactly: a trailing slash is no
		// subtree, and r.Route("/charges", ...) with r.Post("/", ...)
		// serves /charges itself.
		if route == "/" {
			route = "/{$}"
		} else {
			route = strings.TrimSuffix(route, "/")
		}
	}
	return httpEndpoint{channel: method + " " + route}
}

// httpMethod reads a method value: given when a rule gave one (not a field
// left unset), known unless the code computes it.
func httpMethod(v *val) (method string, given, known bool) {
	if v == nil || v.empty() {
		return "*", false, true
	}
	n, pattern, ok := v.name()
	if !ok || pattern {
		return "", true, false
	}
	return strings.ToUpper(n), true, true
}

// httpClient reads a request's URL: its host names the peer, through the
// services: hosts when one matches, else as written; its path, the channel.
func (a *analysis) httpClient(rawURL string, pattern bool, method string) httpEndpoint {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return httpEndpoint{reason: "the URL " + strconv.Quote(rawURL) + " is not an absolute http(s) URL"}
	}
	host, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if host == "" || strings.Contains(host, "*") || strings.HasPrefix(host, "?") {
		return httpEndpoint{reason: "the host of the URL " + strconv.Quote(rawURL) + " is not constant"}
	}
	if pattern && !hasLiteralSegment(path) {
		return httpEndpoint{reason: "the path of the URL " + strconv.Quote(rawURL) + " is not constant"}
	}
	u := &url.URL{Scheme: scheme, Host: host, Path: path}
	peer := u.Hostname()
	if r, base := (&config.Config{Services: a.services}).ServiceForURL(u); r != nil {
		// Below a base URL (a gateway's /inventory), the service sees
		// the path after it.
		peer, path = r.Name, "/"+strings.TrimPrefix(strings.TrimPrefix(path, base), "/")
	}
	return httpEndpoint{channel: method + " " + path, pattern: pattern && strings.Contains(path, "*"), peer: peer}
}

// hasLiteralSegment reports whether a path pattern has a segment with no
// wildcard: "/stock/*" says which route it is, "/*" does not.
func hasLiteralSegment(p string) bool {
	for _, s := range strings.Split(p, "/") {
		if s != "" && !strings.Contains(s, "*") {
			return true
		}
	}
	return false
}

// splitPattern splits a ServeMux pattern "[METHOD ][HOST]/[PATH]" into its
// method ("*" when none) and path.
func splitPattern(p string) (method, path string, ok bool) {
	method = "*"
	if m, rest, ok := strings.Cut(p, " "); ok && m != "" && !strings.Contains(m, "/") {
		method, p = strings.ToUpper(m), strings.TrimLeft(rest, " \t")
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		return "", "", false
	}
	return method, p[i:], true
}

var (
	paramRE     = regexp.MustCompile(`\{([^{}:]*)(:[^{}]*(\{[^{}]*\}[^{}]*)*)?\}`)
	chiRestRE   = regexp.MustCompile(`/\*$`)
	doubleSlash = regexp.MustCompile(`//+`)
)

// normalizeRoute writes a route as ServeMux does: chi's and gorilla's
// {id:[0-9]+} as {id}, chi's final /* as {rest...}, no doubled slashes.
func normalizeRoute(p string) string {
	p = paramRE.ReplaceAllString(p, "{$1}")
	p = chiRestRE.ReplaceAllString(p, "/{rest...}")
	p = doubleSlash.ReplaceAllString(p, "/")
	if p == "" {
		p = "/"
	}
	return p
}

// mountPrefixes returns the path prefixes a router's routes are served
// under: the prefixes of the mounts of its root router (the one it was
// made from through Route, Group or Subrouter), each below its own
// mounts. A router mounted nowhere has the prefix "". The router's own
// prefix is already part of the channel.
func (a *analysis) mountPrefixes(u recognised, router *val, depth int) ([]string, string) {
	root := router
	for root != nil && root.kind == kClient && root.props[propParent] != nil {
		root = root.props[propParent]
	}
	if root == nil || root.kind != kClient || root.site == nil || len(a.ix.mounts) == 0 {
		return []string{""}, ""
	}
	if depth > 8 {
		return nil, "routers mounted more than 8 deep"
	}
	var out []string
	users := a.re.mainsOf(u.fn)
	for _, m := range a.ix.mounts {
		if !a.re.reachable(m.fn) {
			continue
		}
		args := callArgs(m.call.Common())
		if *m.rule.Mounts.Arg >= len(args) || !a.mounted(args[*m.rule.Mounts.Arg], root.site) {
			continue
		}
		if !slices.Equal(a.re.mainsOf(m.fn), users) {
			// Mounted by some of the services that register the
			// route and not by others: the prefix is theirs alone.
			return nil, "the router is mounted in some of the services that use it and not in others"
		}
		for _, pv := range a.ev.expand(m.fn, a.ev.props(m.rule, m.call.Common(), m.call.Pos(), nil, useSite{})[propChannel], 0, nil, nil) {
			prefix, pattern, ok := pv.v.name()
			if !ok || pattern {
				return nil, "the prefix the router is mounted under is not constant"
			}
			recvs := []*val{nil}
			if rv := receiver(m.call.Common()); rv != nil {
				recvs = a.ev.resolve(rv)
			}
			for _, recv := range recvs {
				outer, reason := a.mountPrefixes(u, recv, depth+1)
				if reason != "" {
					return nil, reason
				}
				for _, o := range outer {
					out = append(out, o+strings.TrimSuffix(prefix, "/"))
				}
			}
		}
	}
	if len(out) == 0 {
		return []string{""}, ""
	}
	slices.Sort(out)
	return slices.Compact(out), ""
}

// mounted reports whether the router a mount's argument gives is the one
// made at site, or was made from it.
func (a *analysis) mounted(arg ssa.Value, site *ssa.Call) bool {
	for _, x := range a.ev.resolve(arg) {
		for r := x; r != nil && r.kind == kClient; r = r.props[propParent] {
			if r.site == site {
				return true
			}
		}
	}
	return false
}
