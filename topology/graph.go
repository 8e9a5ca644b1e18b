package topology

import (
	"path"
	"strings"
	"time"
)

// Schema is the version tag of the JSON form.
const Schema = "tracegraph/v1"

// Sources of a graph.
const (
	SourceStatic   = "static"
	SourceObserved = "observed"
	SourceDiff     = "diff"
)

// Endpoint roles.
const (
	RolePublish   = "publish"
	RoleSubscribe = "subscribe"
	RoleRequest   = "request"
	RoleServe     = "serve"
)

// Flow kinds.
const (
	KindPubSub = "pubsub"
	KindReqRep = "reqrep"
)

// Flow statuses on a diff. A plain graph's flows have an empty status.
const (
	StatusConverged    = "converged"
	StatusUndeclared   = "undeclared"
	StatusUnobserved   = "unobserved"
	StatusTypeMismatch = "type-mismatch"
	// StatusUnverified is an observed flow the declared graph cannot
	// judge: code of its producer or consumer did not load, so it may
	// declare the flow. It is never blamed as undeclared.
	StatusUnverified = "unverified"
)

// Graph is one topology: declared (static), observed, or a diff.
type Graph struct {
	Schema      string       `json:"schema"`
	Source      string       `json:"source"`
	Services    []Service    `json:"services"`
	Endpoints   []Endpoint   `json:"endpoints"`
	Flows       []Flow       `json:"flows"`
	Unresolved  []Unresolved `json:"unresolved"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// Service is a node of the graph.
type Service struct {
	Name    string   `json:"name"`
	Package string   `json:"package,omitempty"`
	Team    string   `json:"team,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
	// Virtual marks a peer that only the other side names, such as a broker
	// or an uninstrumented server seen from a client span.
	Virtual bool `json:"virtual,omitempty"`
	// Repos are the repositories whose declared graphs define the service
	// (static --repo; merge joins them).
	Repos []string `json:"repos,omitempty"`
	// Candidates are names the service may run under that the code does
	// not fix: the defaults of a setting its OpenTelemetry service.name
	// comes from. They are shown, never used as the name.
	Candidates []string `json:"candidates,omitempty"`
}

// Evidence is a place in source code: a file relative to the directory
// the analysis started in, and, in graphs merged across repositories, the
// repository it is in.
type Evidence struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Repo string `json:"repo,omitempty"`
}

// Endpoint is one side of a flow as one service uses it.
type Endpoint struct {
	Service     string `json:"service"`
	Role        string `json:"role"`
	Channel     string `json:"channel"`
	MessageType string `json:"message_type"`
	ReplyType   string `json:"reply_type,omitempty"`
	System      string `json:"system,omitempty"`
	// Pattern marks a channel that is a glob (orders.*) built from a
	// non-constant part, not a literal name.
	Pattern bool `json:"pattern,omitempty"`
	// Peer is the service a request is addressed to where the call says
	// it (an HTTP client's host): it pairs only with that service's
	// serve endpoints.
	Peer     string     `json:"peer,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Flow is a message flow between two services. A dangling flow has an empty
// From (nobody declared or observed the producer) or To.
type Flow struct {
	Kind        string `json:"kind"`
	From        string `json:"from"`
	To          string `json:"to"`
	Channel     string `json:"channel"`
	MessageType string `json:"message_type"`
	ReplyType   string `json:"reply_type,omitempty"`
	System      string `json:"system,omitempty"`
	Pattern     bool   `json:"pattern,omitempty"`
	Status      string `json:"status"`
	// ObservedType is set on a type-mismatch: the message type seen at run
	// time, where MessageType is the declared one.
	ObservedType string `json:"observed_type,omitempty"`
	// Baselined marks a difference accepted by a baseline file.
	Baselined bool `json:"baselined,omitempty"`
	// Evidence is the source of the declaring endpoints, producer side first.
	Evidence []Evidence `json:"evidence,omitempty"`
	Stats    *Stats     `json:"stats,omitempty"`
}

// Stats are what the observed side measured on a flow.
type Stats struct {
	Count     int64     `json:"count"`
	Errors    int64     `json:"errors"`
	P50US     int64     `json:"p50_us"`
	P95US     int64     `json:"p95_us"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Unresolved is a use whose channel name could not be determined statically.
// It is never dropped and never guessed; Candidates holds visible defaults
// (a flag's default value, say) that may be the name but are not certain.
type Unresolved struct {
	Service    string   `json:"service"`
	Role       string   `json:"role"`
	Expr       string   `json:"expr"`
	Repo       string   `json:"repo,omitempty"`
	File       string   `json:"file"`
	Line       int      `json:"line"`
	Reason     string   `json:"reason"`
	Candidates []string `json:"candidates,omitempty"`
}

// Diagnostic is a problem met while building a graph that did not stop it:
// a package that failed to load, unreachable code, a client never used.
//
// On a diff, a Diagnostic with a Rule is a finding of an architecture rule
// (or a stale baseline entry): Subject names what it is about in words that
// stay the same from run to run, so a baseline and SARIF fingerprints can
// recognise it, and Baselined marks one a baseline accepts.
type Diagnostic struct {
	Package   string `json:"package,omitempty"`
	Repo      string `json:"repo,omitempty"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Message   string `json:"message"`
	Rule      string `json:"rule,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Baselined bool   `json:"baselined,omitempty"`
}

// New returns an empty graph of the given source.
func New(source string) *Graph {
	return &Graph{Schema: Schema, Source: source}
}

// FlowKey identifies a flow independently of its stats and status.
type FlowKey struct {
	Kind, From, To, Channel, MessageType, System string
}

// Key returns the flow's identity.
func (f Flow) Key() FlowKey {
	return FlowKey{f.Kind, f.From, f.To, f.Channel, f.MessageType, f.System}
}

// Service returns the named service, or nil.
func (g *Graph) Service(name string) *Service {
	for i := range g.Services {
		if g.Services[i].Name == name {
			return &g.Services[i]
		}
	}
	return nil
}

// AddService adds a service unless one of that name exists, and returns it.
func (g *Graph) AddService(s Service) *Service {
	if old := g.Service(s.Name); old != nil {
		if old.Package == "" {
			old.Package = s.Package
		}
		if old.Team == "" {
			old.Team = s.Team
		}
		return old
	}
	g.Services = append(g.Services, s)
	return &g.Services[len(g.Services)-1]
}

// ChannelsMatch reports whether two endpoint channels meet: equal names, or
// a pattern on either side that matches the other's concrete name. system is
// the messaging system the two share ("" when neither says): NATS subjects
// match token by token, "*" one token and a final ">" one or more; other
// patterns are path.Match globs, whose "*" spans dots.
//
// HTTP channels ("METHOD /path", system http) match by method and path
// template; see HTTPMatch.
func ChannelsMatch(a string, aPattern bool, b string, bPattern bool, system string) bool {
	if a == b {
		return true
	}
	if system == SystemHTTP {
		return HTTPMatch(a, b)
	}
	switch {
	case aPattern && !bPattern:
		return patternMatch(a, b, system)
	case bPattern && !aPattern:
		return patternMatch(b, a, system)
	}
	return false
}

func patternMatch(pattern, name, system string) bool {
	if system == "nats" {
		return natsMatch(pattern, name)
	}
	ok, _ := path.Match(pattern, name)
	return ok
}

// natsMatch matches a NATS subject against a subject with wildcards.
func natsMatch(pattern, subject string) bool {
	pt, st := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, p := range pt {
		if p == ">" && i == len(pt)-1 {
			return len(st) > i
		}
		if i >= len(st) || (p != "*" && p != st[i]) {
			return false
		}
	}
	return len(pt) == len(st)
}

// SystemsMatch reports whether two endpoints' messaging systems allow them to
// pair: equal, or one of them unknown. A NATS subject and a Kafka topic of
// the same name never meet.
func SystemsMatch(a, b string) bool { return a == "" || b == "" || a == b }
