package spans

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// kind is a span's role in a hop. Every format's kind maps onto these.
type kind uint8

const (
	kindInternal kind = iota
	kindServer
	kindClient
	kindProducer
	kindConsumer
)

// parseKind reads the kind names Zipkin (CLIENT) and Jaeger (client) use.
func parseKind(s string) kind {
	switch strings.ToLower(s) {
	case "server":
		return kindServer
	case "client":
		return kindClient
	case "producer":
		return kindProducer
	case "consumer":
		return kindConsumer
	}
	return kindInternal
}

// unknownService names a span whose resource or process has no service
// name, as the OpenTelemetry SDKs do.
const unknownService = "unknown_service"

// spanRef names a span across traces, for span links.
type spanRef struct{ trace, span string }

// kv is one attribute, its value already a string.
type kv struct{ k, v string }

// span is the format-neutral span every decoder produces. Times are Unix
// nanoseconds.
type span struct {
	trace, id, parent string
	links             []spanRef
	kind              kind
	name, service     string
	// remote is the other side's name as this span records it: Zipkin's
	// remoteEndpoint.serviceName.
	remote string
	// shared marks a Zipkin SERVER span that shares its id with its CLIENT.
	shared bool
	// guessedKind marks a Zipkin span with no kind taken for a CLIENT
	// because it names both ends: a CLIENT for its own hop only, not a
	// remote ancestor of its children, as in Zipkin's linker.
	guessedKind bool
	// noService and noStart mark a span that gave no service name or no
	// start time: the window fills them in from its ancestors.
	noService, noStart bool
	// oddEnum is an enum value the format does not define (a span kind
	// "SERVER_OOPS"), for the warning: the span is read as if it had none.
	oddEnum    string
	start, dur int64
	attrs      []kv
	err        bool
	errText    string

	// Derived from the attributes by derive.
	channel, system, msgType string

	// partners are the spans on the other side of this span's hop, filled
	// in by the pairing window.
	partners []partner
}

// partner is what one side of a hop keeps of the other: a copy, so a
// flushed trace's spans can be dropped while a linked span waits.
type partner struct {
	kind                     kind
	service, id              string
	channel, system, msgType string
	start                    int64
	err                      bool
	errText                  string
}

func (s *span) attr(k string) string {
	for i := range s.attrs {
		if s.attrs[i].k == k {
			return s.attrs[i].v
		}
	}
	return ""
}

func (s *span) firstAttr(keys ...string) string {
	for _, k := range keys {
		if v := s.attr(k); v != "" {
			return v
		}
	}
	return ""
}

// Attribute names, current OpenTelemetry semantic conventions first, then
// their older spellings, then Zipkin (Brave) and OpenTracing tags.
var (
	destinationKeys = []string{
		"messaging.destination.template", "messaging.destination.name", "messaging.destination",
		"kafka.topic", "rabbit.queue", "rabbit.exchange", "jms.queue", "jms.topic",
		"message_bus.destination",
	}
	peerKeys   = []string{"service.peer.name", "peer.service"}
	dbNameKeys = []string{"db.namespace", "db.name"}
	hostKeys   = []string{"server.address", "net.peer.name", "http.host"}
	methodKeys = []string{"http.request.method", "http.method"}
	pathKeys   = []string{"url.path", "http.target", "http.path"}
	urlKeys    = []string{"url.full", "http.url"}
)

// prepare is the work on a span that needs no other span: it sorts the
// attributes by key and derives channel, system and message type.
func (s *span) prepare(msgTypeAttr string) {
	slices.SortStableFunc(s.attrs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	s.derive(msgTypeAttr)
}

// derive fills channel, system and message type from the attributes; see
// the package doc for the rules.
func (s *span) derive(msgTypeAttr string) {
	if msgTypeAttr != "" {
		s.msgType = s.attr(msgTypeAttr)
	}
	// rpc.system.name and db.system.name are the newer conventions'
	// names (otelgrpc v0.72 writes rpc.system.name).
	s.system = s.firstAttr("messaging.system", "rpc.system", "rpc.system.name")
	switch s.kind {
	case kindProducer, kindConsumer:
		s.channel = s.firstAttr(destinationKeys...)
		if s.system == "" {
			s.system = zipkinSystem(s)
		}
		if s.system == "" {
			// Zipkin names the broker by the messaging span's remote
			// endpoint ("kafka", "rabbitmq"), and draws it so.
			s.system = s.firstAttr(peerKeys...)
		}
		if s.system == "" {
			s.system = s.remote
		}
	case kindClient, kindServer:
		if s.system == "" && s.kind == kindClient {
			s.system = s.firstAttr("db.system", "db.system.name")
		}
		s.channel = s.rpcMethod()
		if s.system == "grpc" && s.channel != "" && !strings.HasPrefix(s.channel, "/") {
			// gRPC's own name of a method, as generated code and the
			// static analysis write it: "/pkg.Service/Method".
			s.channel = "/" + s.channel
		}
		if s.channel == "" {
			s.channel = s.httpRoute()
			if s.channel != "" && s.system == "" {
				s.system = "http"
			}
		}
	}
}

// zipkinSystem names the broker from Brave's tag prefixes.
func zipkinSystem(s *span) string {
	for _, a := range s.attrs {
		switch {
		case strings.HasPrefix(a.k, "kafka."):
			return "kafka"
		case strings.HasPrefix(a.k, "rabbit."):
			return "rabbitmq"
		case strings.HasPrefix(a.k, "jms."):
			return "jms"
		}
	}
	return ""
}

// rpcMethod is the full method: rpc.method when it already holds
// "service/method", else rpc.service/rpc.method.
func (s *span) rpcMethod() string {
	m := s.attr("rpc.method")
	if m == "" || strings.Contains(m, "/") {
		return m
	}
	if svc := s.attr("rpc.service"); svc != "" {
		return svc + "/" + m
	}
	return m
}

// httpRoute is "METHOD route": http.route when the instrumentation knew it,
// else a template of the path (or of a span name like "GET /owners/8").
func (s *span) httpRoute() string {
	method := strings.ToUpper(s.firstAttr(methodKeys...))
	route := s.attr("http.route")
	if route == "" {
		// otelhttp names a server span "GET /stock/{sku}" once the mux
		// has matched, but sets http.route only when the pattern was
		// known before it: a name with a template is the route.
		if m, rest, ok := strings.Cut(s.name, " "); ok && isHTTPMethod(m) && strings.HasPrefix(rest, "/") && strings.Contains(rest, "{") {
			method, route = m, rest
		}
	}
	if route == "" {
		p := s.firstAttr(pathKeys...)
		if p == "" {
			if u := s.firstAttr(urlKeys...); u != "" {
				if pu, err := url.Parse(u); err == nil {
					p = pu.Path
				}
			}
		}
		if p == "" {
			if m, rest, ok := strings.Cut(s.name, " "); ok && isHTTPMethod(m) && strings.HasPrefix(rest, "/") {
				method, p = m, rest
			}
		}
		if p == "" {
			return ""
		}
		route = pathTemplate(p)
	}
	if method == "" {
		return route
	}
	if m, _, ok := strings.Cut(route, " "); ok && isHTTPMethod(m) {
		// A ServeMux pattern with its method, written as the route.
		return route
	}
	return method + " " + route
}

func isHTTPMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE":
		return true
	}
	return false
}

// pathTemplate replaces the segments of a concrete path that look like
// identifiers with {id}, so /owners/8/pets/10 and /owners/9/pets/11 are one
// channel. It drops the query. A segment is an identifier when it holds a
// digit and is all digits, or is a UUID or hex of 8 or more, or is 16 or more
// characters long.
func pathTemplate(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if isIdentifier(seg) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

func isIdentifier(seg string) bool {
	digits, hex, other := 0, 0, 0
	for _, r := range seg {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'f', r >= 'A' && r <= 'F', r == '-':
			hex++
		default:
			other++
		}
	}
	if digits == 0 {
		return false
	}
	n := len(seg)
	return digits == n || (other == 0 && n >= 8) || n >= 16
}

// peerName is the name this span gives the other side of its hop, for a
// span whose partner is not in the input. A SERVER names only its caller,
// never its own address.
func (s *span) peerName() string {
	if v := s.firstAttr(peerKeys...); v != "" {
		return v
	}
	if s.remote != "" {
		return s.remote
	}
	if s.kind == kindServer {
		return ""
	}
	if s.kind == kindClient && s.firstAttr("db.system", "db.system.name") != "" {
		// A database call: the database is its peer, as the servicegraph
		// connector names it, not the host it runs on.
		if v := s.firstAttr(dbNameKeys...); v != "" {
			return v
		}
		return s.firstAttr("db.system", "db.system.name")
	}
	if v := s.firstAttr(hostKeys...); v != "" {
		return v
	}
	if u := s.firstAttr(urlKeys...); u != "" {
		if pu, err := url.Parse(u); err == nil && pu.Hostname() != "" {
			return pu.Hostname()
		}
	}
	if s.kind == kindProducer || s.kind == kindConsumer {
		return s.system
	}
	return ""
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
