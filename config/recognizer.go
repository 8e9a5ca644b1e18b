package config

import (
	"fmt"
	"slices"
	"strings"
)

// Recognizer teaches the static analysis one messaging API: which functions
// and methods of one package make services and clients, and which calls are
// endpoints (publish, subscribe, request, serve), with where each call's
// channel name, service and message type come from.
//
// The built-in pack for this project's channel package is written in this
// same form (staticgraph/builtin/*.yaml), so anything it recognises a user
// can recognise for an in-house API:
//
//	recognizers:
//	  - package: github.com/tracegraph/tracegraph/channel
//	    functions:
//	      - func: NewService
//	        makes: service
//	        name: {arg: 0}
//	      - func: NewPubClient
//	        makes: client
//	        service: {arg: 0}
//	        channel: {arg: 1}
//	        message: {type_arg: 0}
//	      - func: PubClient.Publish
//	        role: publish
//	        service: {receiver: true}
//	        channel: {receiver: true}
//	        message: {type_arg: 0}
type Recognizer struct {
	// Package is the import path the functions belong to.
	Package string `yaml:"package"`
	// System names the messaging system (kafka, nats, ...) of every endpoint
	// found through this recognizer; empty when the API is transport-neutral.
	System string `yaml:"system"`
	// Wildcards names the subject wildcard syntax of the system: "nats"
	// makes a constant channel with a token '*' or a final token '>' a
	// pattern endpoint, kept as written.
	Wildcards string `yaml:"wildcards"`
	// Functions are the recognised functions and methods.
	Functions []FuncRule `yaml:"functions"`
}

// What a recognised call makes, for FuncRule.Makes.
const (
	MakesService = "service" // a value naming the service that owns clients built from it
	MakesClient  = "client"  // a value that carries a channel, service and message type to later calls
	// MakesSetting: the first result is a value from outside the program
	// (an environment variable, a flag): a channel name that is, or may
	// be, one is unresolved, with the visible defaults as candidates.
	MakesSetting = "setting"
	// MakesPayload: the first result carries the rule's message (and
	// reply) type to a later `made` source (json.Marshal(v) carries v's
	// type to the bytes a library sends); it is never reported unused.
	MakesPayload = "payload"
	// MakesMount (E18): the call mounts the HTTP router that Mounts names
	// under the path prefix Channel gives (chi's Router.Mount): every
	// route of that router is served below the prefix.
	MakesMount = "mount"
)

// What an HTTP rule's channel source gives, for FuncRule.HTTP (E16).
const (
	// HTTPClient: the channel source is a URL. The endpoint's peer is
	// the service its host names, its channel "METHOD /path".
	HTTPClient = "client"
	// HTTPServer: the channel source is a route pattern in ServeMux, chi
	// or gorilla/mux syntax ("POST /orders/{id}", "/orders/{id:[0-9]+}").
	HTTPServer = "server"
)

// Where a Role rule's endpoints are, for FuncRule.At.
const (
	AtCall = "call"
	AtSend = "send"
)

// Kinds of setting, for FuncRule.Setting: the word an unresolved entry's
// reason uses.
var settings = []string{"environment", "flag", "config"}

// FuncRule describes one function or method.
type FuncRule struct {
	// Func is "Name" for a package-level function or "Type.Method" for a
	// method of a named type (pointer or value receiver alike, and an
	// interface's method when Type is an interface).
	Func string `yaml:"func"`
	// Makes says what the call's first result is: MakesService or
	// MakesClient; empty when the result carries nothing.
	Makes string `yaml:"makes"`
	// Role makes every reachable call an endpoint: publish, subscribe,
	// request or serve. Empty for constructors.
	Role string `yaml:"role"`
	// Name is where a service's name comes from (Makes: service).
	Name *Source `yaml:"name"`
	// Service is where the owning service comes from: a value made by a
	// Makes: service rule.
	Service *Source `yaml:"service"`
	// Channel is where the channel (topic, subject) name comes from.
	Channel *Source `yaml:"channel"`
	// Message is where the message type comes from; for request/reply, the
	// request type.
	Message *Source `yaml:"message"`
	// Reply is where a request/reply endpoint's reply type comes from.
	Reply *Source `yaml:"reply"`
	// Each (E12) is a slice in a package-level literal (a gRPC
	// ServiceDesc's Methods) that the rule iterates: one endpoint per
	// element, which sources name with each: true.
	Each *Source `yaml:"each"`
	// Implemented (E12), with Each, keeps only the elements whose Method
	// the argument's dynamic type declares itself (not one promoted from
	// an embedded type such as UnimplementedXServer).
	Implemented *Source `yaml:"implemented"`
	// Handler is the argument that handles what a subscription receives
	// (a function, method value or closure), for ServeIfCalls.
	Handler *Source `yaml:"handler"`
	// ServeIfCalls lists methods of the same package ("Type.Method"): if
	// the handler, or a function it calls, calls one of them, the endpoint
	// serves (a NATS subscription that responds is a server).
	ServeIfCalls []string `yaml:"serve_if_calls"`
	// At says where the endpoints of a Role rule are: AtCall (the
	// default), or AtSend: each send on the Go channel the call returns
	// (sarama's producer.Input() <- msg), its properties from Sent sources.
	At string `yaml:"at"`
	// Setting (Makes: setting) says where the value comes from:
	// environment, flag or config.
	Setting string `yaml:"setting"`
	// Default (Makes: setting) is the visible default, a candidate.
	Default *Source `yaml:"default"`
	// Into (Makes: setting) is the pointer argument the *Var forms
	// (flag.StringVar(&topic, ...)) write the setting to.
	Into *Source `yaml:"into"`
	// HTTP (E16) says the channel source is a URL (HTTPClient) or a
	// route pattern (HTTPServer); the endpoint's channel is then
	// "METHOD /path", system http.
	HTTP string `yaml:"http"`
	// Method (E16) is where an HTTP rule's method comes from; without it,
	// a server's pattern may name one ("POST /orders"), else it is "*",
	// any method.
	Method *Source `yaml:"method"`
	// Prefix (E16), for http: server, is the path prefix of the router
	// the route is registered on ({receiver: true}: a chi or gorilla
	// router's), put before the route's pattern once its method is split
	// off.
	Prefix *Source `yaml:"prefix"`
	// Calls (E17), with makes: client, is the function argument the
	// library calls with the value the rule makes as its first parameter
	// (chi's Router.Route(pattern, func(r chi.Router))).
	Calls *Source `yaml:"calls"`
	// Mounts (E18), with makes: mount, is the argument that is the router
	// mounted.
	Mounts *Source `yaml:"mounts"`
	// Namer (E20) is where the function naming messages comes from, for a
	// Call source's message_name: a Watermill marshaler, whose
	// GenerateName field is cqrs.StructName (Type) or, as when it is not
	// set, cqrs.FullyQualifiedStructName (package.Type). {arg: n, field:
	// F} reads the marshaler from a config, {receiver: true} takes what
	// the receiver was made with.
	Namer *Source `yaml:"namer"`
	// Literal (E19), with makes: client, says Func names a struct type
	// whose composite literals are the clients it makes
	// (&kafka.Writer{Topic: "orders"}); its sources are {field: F}, a
	// field of the literal.
	Literal bool `yaml:"literal"`
}

// Source says where a property of a call comes from. Exactly one of Arg,
// TypeArg, Receiver, Sent and Value is set; Field may refine Arg, Receiver
// or Sent, and Made Arg or Sent.
type Source struct {
	// Arg is the index of the call's argument (the receiver not counted).
	// For Message and Reply it means the argument's type, as passed before
	// any conversion to an interface.
	Arg *int `yaml:"arg"`
	// TypeArg is the index of a type argument: of the called function, or
	// for a method, of its receiver's type. Message and Reply only.
	TypeArg *int `yaml:"type_arg"`
	// Receiver takes the property of the same name that the receiver was
	// made with (by a Makes rule).
	Receiver bool `yaml:"receiver"`
	// Field, with Arg or Receiver, takes that field of the struct value
	// (ProducerMessage{Topic: ...}, Writer{Topic: ...}).
	Field string `yaml:"field"`
	// Value is a fixed value.
	Value string `yaml:"value"`
	// Each is the current element of the rule's Each, refined by Field.
	Each bool `yaml:"each"`
	// Format, with Of, builds a channel from parts, each %s one of Of.
	Format string   `yaml:"format"`
	Of     []Source `yaml:"of"`
	// Method, with Arg, is the method of the argument's dynamic type that
	// the Method source names (a name); with Param or Result, for message
	// and reply, that method's parameter or result type.
	Method *Source `yaml:"method"`
	Param  *int    `yaml:"param"`
	Result *int    `yaml:"result"`
	// Call, with Arg or Receiver giving a function value (a func literal
	// or named function kept in a config field), is the string that
	// function returns with the fields of its one struct parameter bound:
	// each key a field name, each value message_name (the endpoint's
	// message type as package.Type, Watermill's FullyQualifiedStructName,
	// or as the rule's Namer names it) or message_short_name (Type).
	Call map[string]string `yaml:"call"`
	// Sent (a rule with At: send) is the value sent, refined by Field and
	// Made like an argument.
	Sent bool `yaml:"sent"`
	// Made, with Arg (and Field), takes the property of the same name
	// from what the argument was made with by a Makes rule, through
	// variables, fields and conversions (sarama.ByteEncoder(b)); nothing
	// when no rule made it. Each element of a variadic argument counts.
	Made bool `yaml:"made"`
	// Else is where the property comes from when this source gives
	// nothing known: a kafka-go Writer without a Topic takes each
	// Message's.
	Else *Source `yaml:"else"`
	// Join (E16) is the concatenation of its sources, every combination
	// of their values: a router's prefix and a route's pattern.
	Join []Source `yaml:"join"`
	// Returns (E21), with Arg giving a function (a handler), takes the
	// property from the values the function returns, each element of a
	// returned slice apart; with Made, from what they were made with (the
	// payloads of the messages a Watermill handler returns).
	Returns bool `yaml:"returns"`
	// Then (E16), with Arg, names a method ("Type.Method") called on the
	// call's result, whose argument Arg gives the value: gorilla/mux's
	// r.HandleFunc(path, h).Methods("POST").
	Then string `yaml:"then"`
}

// Roles an endpoint rule may have.
var roles = []string{"publish", "subscribe", "request", "serve"}

// Validate reports the first problem in r, naming the rule.
func (r *Recognizer) Validate() error {
	if r.Package == "" {
		return fmt.Errorf("recognizer: package is required")
	}
	if r.Wildcards != "" && r.Wildcards != "nats" {
		return fmt.Errorf("recognizer %s: wildcards must be \"nats\"", r.Package)
	}
	for i, f := range r.Functions {
		if err := f.validate(); err != nil {
			return fmt.Errorf("recognizer %s: functions[%d] (%s): %w", r.Package, i, f.Func, err)
		}
	}
	return nil
}

func (f *FuncRule) validate() error {
	if f.Func == "" || strings.Count(f.Func, ".") > 1 || strings.HasPrefix(f.Func, ".") || strings.HasSuffix(f.Func, ".") {
		return fmt.Errorf("func must be Name or Type.Method")
	}
	if f.Literal {
		if f.Makes != MakesClient || f.Role != "" || strings.Contains(f.Func, ".") {
			return fmt.Errorf("literal needs makes: client and a type name as func")
		}
		for _, s := range []*Source{f.Channel, f.Message} {
			if s != nil && (s.Field == "" || s.Arg != nil || s.Receiver || s.Sent || s.Each || s.Value != "" || s.Else != nil) {
				return fmt.Errorf("a literal rule's sources are {field: F}")
			}
		}
		if f.Name != nil || f.Service != nil || f.Reply != nil || f.Method != nil || f.Calls != nil || f.HTTP != "" {
			return fmt.Errorf("a literal rule takes channel and message only")
		}
		return nil
	}
	switch f.Makes {
	case "", MakesClient:
	case MakesPayload:
		if f.Message == nil {
			return fmt.Errorf("makes: payload needs message")
		}
	case MakesService:
		if f.Name == nil {
			return fmt.Errorf("makes: service needs name")
		}
	case MakesMount:
		if f.Mounts == nil || f.Mounts.Arg == nil || f.Channel == nil {
			return fmt.Errorf("makes: mount needs channel and mounts: {arg: n}")
		}
	case MakesSetting:
		if !slices.Contains(settings, f.Setting) {
			return fmt.Errorf("makes: setting needs setting: one of %s", strings.Join(settings, ", "))
		}
		if f.Into != nil && f.Into.Arg == nil {
			return fmt.Errorf("into must be an arg")
		}
	default:
		return fmt.Errorf("makes must be %q, %q, %q, %q or %q", MakesService, MakesClient, MakesPayload, MakesSetting, MakesMount)
	}
	if f.Makes != MakesMount && f.Mounts != nil {
		return fmt.Errorf("mounts needs makes: mount")
	}
	if f.Calls != nil && (f.Makes != MakesClient || f.Calls.Arg == nil) {
		return fmt.Errorf("calls needs makes: client and {arg: n}")
	}
	switch f.HTTP {
	case "":
		if f.Method != nil || f.Prefix != nil {
			return fmt.Errorf("method and prefix need http: client or server")
		}
	case HTTPClient, HTTPServer:
		if f.Role == "" && f.Makes != MakesClient {
			return fmt.Errorf("http needs role or makes: client")
		}
	default:
		return fmt.Errorf("http must be %q or %q", HTTPClient, HTTPServer)
	}
	if f.Makes != MakesSetting && (f.Setting != "" || f.Default != nil || f.Into != nil) {
		return fmt.Errorf("setting, default and into need makes: setting")
	}
	if f.Role != "" {
		ok := false
		for _, r := range roles {
			ok = ok || r == f.Role
		}
		if !ok {
			return fmt.Errorf("role must be one of %s", strings.Join(roles, ", "))
		}
		if f.Channel == nil {
			return fmt.Errorf("an endpoint rule needs channel")
		}
	}
	if f.Each != nil && (f.Role == "" || f.Each.Arg == nil || f.Each.Field == "") {
		return fmt.Errorf("each needs role and {arg: n, field: F}")
	}
	if f.Implemented != nil && (f.Each == nil || f.Implemented.Arg == nil || f.Implemented.Method == nil) {
		return fmt.Errorf("implemented needs each and {arg: n, method: ...}")
	}
	if len(f.ServeIfCalls) > 0 && (f.Role == "" || f.Handler == nil || f.Handler.Arg == nil) {
		return fmt.Errorf("serve_if_calls needs role and handler: {arg: n}")
	}
	for _, m := range f.ServeIfCalls {
		if strings.Count(m, ".") != 1 {
			return fmt.Errorf("serve_if_calls: %q must be Type.Method", m)
		}
	}
	switch f.At {
	case "", AtCall:
	case AtSend:
		if f.Role == "" {
			return fmt.Errorf("at: send needs role")
		}
	default:
		return fmt.Errorf("at must be %q or %q", AtCall, AtSend)
	}
	if f.Makes == "" && f.Role == "" {
		return fmt.Errorf("a rule needs makes or role")
	}
	isMethod := strings.Contains(f.Func, ".")
	for _, s := range []struct {
		name    string
		src     *Source
		typeArg bool
	}{{"name", f.Name, false}, {"service", f.Service, false}, {"channel", f.Channel, false}, {"message", f.Message, true}, {"reply", f.Reply, true},
		{"default", f.Default, false}, {"into", f.Into, false}, {"method", f.Method, false},
		{"calls", f.Calls, false}, {"mounts", f.Mounts, false}, {"namer", f.Namer, false}, {"prefix", f.Prefix, false},
		{"each", f.Each, false}, {"implemented", f.Implemented, false}} {
		if s.src == nil {
			continue
		}
		if err := s.src.validate(s.typeArg, isMethod); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (s *Source) validate(typeOK, isMethod bool) error {
	if s.Then != "" && (s.Arg == nil || strings.Count(s.Then, ".") != 1) {
		return fmt.Errorf("then needs arg and a Type.Method")
	}
	if s.Returns && s.Arg == nil {
		return fmt.Errorf("returns needs arg")
	}
	n := 0
	if s.Arg != nil {
		n++
		if *s.Arg < 0 {
			return fmt.Errorf("arg must be 0 or more")
		}
	}
	if s.TypeArg != nil {
		n++
		if !typeOK {
			return fmt.Errorf("type_arg only gives a message or reply type")
		}
		if *s.TypeArg < 0 {
			return fmt.Errorf("type_arg must be 0 or more")
		}
	}
	if s.Receiver {
		n++
		if !isMethod {
			return fmt.Errorf("receiver needs a method")
		}
	}
	if s.Value != "" {
		n++
	}
	if s.Sent {
		n++
	}
	if s.Each {
		n++
	}
	if len(s.Join) > 0 {
		n++
		for i := range s.Join {
			if err := s.Join[i].validate(false, isMethod); err != nil {
				return fmt.Errorf("join[%d]: %w", i, err)
			}
		}
	}
	if s.Format != "" {
		n++
		for i := range s.Of {
			if err := s.Of[i].validate(false, isMethod); err != nil {
				return fmt.Errorf("of[%d]: %w", i, err)
			}
		}
	}
	if n != 1 {
		return fmt.Errorf("exactly one of arg, type_arg, receiver, sent, each, format, join, value")
	}

	if s.Method != nil {
		if s.Arg == nil {
			return fmt.Errorf("method needs arg")
		}
		if err := s.Method.validate(false, isMethod); err != nil {
			return fmt.Errorf("method: %w", err)
		}
	}
	if (s.Param != nil || s.Result != nil) && s.Method == nil {
		return fmt.Errorf("param and result need method")
	}
	for k, v := range s.Call {
		var n int
		if v != "message_name" && v != "message_short_name" {
			if _, err := fmt.Sscanf(v, "arg:%d", &n); err != nil || n < 0 {
				return fmt.Errorf("call: %s must be message_name, message_short_name or arg:N", k)
			}
		}
	}
	if len(s.Call) > 0 && s.Arg == nil && !s.Receiver {
		return fmt.Errorf("call needs arg or receiver")
	}
	if s.Made && s.Arg == nil && !s.Sent {
		return fmt.Errorf("made needs arg or sent")
	}

	if s.Field != "" && s.Arg == nil && !s.Receiver && !s.Sent && !s.Each {
		return fmt.Errorf("field needs arg, receiver, sent or each")
	}
	if s.Else != nil {
		if err := s.Else.validate(typeOK, isMethod); err != nil {
			return fmt.Errorf("else: %w", err)
		}
	}
	return nil
}
