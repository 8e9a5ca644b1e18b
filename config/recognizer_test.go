package config

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestRecognizerValidate checks the errors of the spec's extensions (see
// docs/recognizers.md, "Spec extensions"), one bad rule each, and that a
// rule using each of them well passes.
func TestRecognizerValidate(t *testing.T) {
	for _, c := range []struct{ name, rule, want string }{
		{"setting without kind", `{func: Getenv, makes: setting}`, "needs setting"},
		{"setting fields without makes", `{func: F, role: publish, channel: {arg: 0}, setting: flag}`, "need makes: setting"},
		{"into not an arg", `{func: StringVar, makes: setting, setting: flag, into: {value: x}}`, "into must be an arg"},
		{"payload without message", `{func: Marshal, makes: payload}`, "needs message"},
		{"made without arg", `{func: F, role: publish, channel: {arg: 0}, message: {type_arg: 0, made: true}}`, "made needs arg or sent"},
		{"at send without role", `{func: Input, makes: client, at: send}`, "at: send needs role"},
		{"unknown at", `{func: Input, role: publish, at: later, channel: {arg: 0}}`, "at must be"},
		{"sent and arg", `{func: Input, role: publish, at: send, channel: {sent: true, arg: 0}}`, "exactly one of"},
		{"each without field", `{func: R, role: serve, each: {arg: 0}, channel: {value: x}}`, "each needs role"},
		{"implemented without each", `{func: R, role: serve, implemented: {arg: 1, method: {value: M}}, channel: {value: x}}`, "implemented needs each"},
		{"method without arg", `{func: R, role: serve, channel: {value: x}, message: {method: {value: M}, value: T}}`, "method needs arg"},
		{"param without method", `{func: R, role: serve, channel: {value: x}, message: {arg: 1, param: 1}}`, "param and result need method"},
		{"serve_if_calls without handler", `{func: S, role: subscribe, channel: {arg: 0}, serve_if_calls: [Msg.Respond]}`, "serve_if_calls needs"},
		{"serve_if_calls not a method", `{func: S, role: subscribe, channel: {arg: 0}, handler: {arg: 1}, serve_if_calls: [Respond]}`, "must be Type.Method"},
		{"call with a bad binding", `{func: B.Publish, role: publish, channel: {receiver: true, call: {EventName: name}}}`, "message_name, message_short_name or arg:N"},
		{"call without a function source", `{func: B.Publish, role: publish, channel: {value: x, call: {EventName: message_name}}}`, "call needs arg or receiver"},
		{"unknown http", `{func: Get, role: request, http: browser, channel: {arg: 0}}`, "http must be"},
		{"method without http", `{func: Get, role: request, channel: {arg: 0}, method: {value: GET}}`, "method and prefix need http"},
		{"http on a payload rule", `{func: NewReader, makes: payload, http: client, message: {arg: 0}}`, "http needs role or makes: client"},
		{"calls without makes client", `{func: R.Route, role: serve, calls: {arg: 1}, channel: {arg: 0}}`, "calls needs makes: client"},
		{"mount without mounts", `{func: R.Mount, makes: mount, channel: {arg: 0}}`, "makes: mount needs"},
		{"mounts without makes mount", `{func: R.Mount, makes: client, channel: {arg: 0}, mounts: {arg: 1}}`, "mounts needs makes: mount"},
		{"then without arg", `{func: R.HandleFunc, role: serve, http: server, channel: {arg: 0}, method: {then: Route.Methods}}`, "then needs arg"},
		{"join of a bad source", `{func: R.Get, role: serve, http: server, channel: {join: [{receiver: true}, {}]}}`, "join[1]"},
		{"returns without arg", `{func: R.AddHandler, role: publish, channel: {arg: 3}, message: {returns: true}}`, "returns needs arg"},
		{"literal with an arg source", `{func: Writer, makes: client, literal: true, channel: {arg: 0}}`, "a literal rule's sources are {field: F}"},
		{"literal of a method", `{func: W.New, makes: client, literal: true, channel: {field: Topic}}`, "literal needs makes: client and a type name"},
		{"call binding arg:N", `{func: P.AddHandlersGroup, role: subscribe, channel: {receiver: true, call: {EventGroupName: "arg:0"}}}`, ""},
		{"fine http", `{func: R.Get, role: serve, http: server, method: {value: GET}, channel: {arg: 0}, prefix: {receiver: true}}`, ""},
		{"fine", `{func: R.Register, role: serve, each: {arg: 0, field: Methods}, implemented: {arg: 1, method: {each: true, field: MethodName}},
			channel: {format: "/%s/%s", of: [{arg: 0, field: ServiceName}, {each: true, field: MethodName}]},
			message: {arg: 1, method: {each: true, field: MethodName}, param: 1}, reply: {arg: 1, method: {each: true, field: MethodName}, result: 0}}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var f FuncRule
			if err := yaml.UnmarshalWithOptions([]byte(c.rule), &f, yaml.Strict()); err != nil {
				t.Fatalf("bad test YAML: %v", err)
			}
			r := Recognizer{Package: "example.com/p", Functions: []FuncRule{f}}
			err := r.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	bad := Recognizer{Package: "p", Wildcards: "mqtt", Functions: []FuncRule{{Func: "F", Makes: MakesClient}}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "wildcards") {
		t.Errorf("wildcards: mqtt: error %v", err)
	}
}
