package topology

import (
	"strings"
	"testing"
)

// TestDecodeRejectsInvalidGraphs checks that a graph JSON that parses but
// breaks a rule of tracegraph/v1 is refused, with the line and column of
// the value at fault and its path, instead of being drawn as if valid.
func TestDecodeRejectsInvalidGraphs(t *testing.T) {
	const head = "{\"schema\": \"tracegraph/v1\", \"source\": \"observed\",\n"
	flow := func(fields string) string {
		return head + "\"flows\": [\n  {\"kind\": \"pubsub\", \"from\": \"a\", \"to\": \"b\", \"channel\": \"c\", \"message_type\": \"m\", \"status\": \"\"},\n  {" + fields + "}\n]}"
	}
	stats := func(s string) string {
		return flow(`"kind": "pubsub", "from": "a", "to": "b", "channel": "c", "stats": {` + s + `}`)
	}
	for _, c := range []struct{ name, in, want string }{
		{"negative count", stats(`"count": -5, "errors": 0, "p50_us": 1, "p95_us": 2`), "line 4, column 81: flows[1].stats.count: count -5 is negative"},
		{"negative p50", stats(`"count": 5, "errors": 0, "p50_us": -1, "p95_us": 2`), "line 4, column 107: flows[1].stats.p50_us: p50_us -1 is negative"},
		{"more errors than events", stats(`"count": 5, "errors": 6`), "flows[1].stats.errors: 6 errors in 5 events"},
		{"p50 above p95", stats(`"count": 5, "p50_us": 9, "p95_us": 2`), "flows[1].stats.p50_us: p50 9 µs is above the p95 (2 µs)"},
		{"last before first", stats(`"count": 1, "first_seen": "2026-11-24T10:00:00Z", "last_seen": "2026-11-24T09:00:00Z"`),
			"flows[1].stats.last_seen: last_seen 2026-11-24T09:00:00Z is before first_seen 2026-11-24T10:00:00Z"},
		{"unknown kind", flow(`"kind": "carrier-pigeon", "from": "a"`), `line 4, column 12: flows[1].kind: unknown kind "carrier-pigeon" (want one of pubsub, reqrep)`},
		{"no kind", flow(`"from": "a"`), "line 4, column 3: flows[1].kind: no kind (want one of pubsub, reqrep)"},
		{"no ends", flow(`"kind": "reqrep"`), "line 4, column 3: flows[1]: a flow needs a from or a to"},
		{"status on an observed graph", flow(`"kind": "reqrep", "from": "a", "status": "converged"`),
			`line 4, column 45: flows[1].status: status "converged", but only a diff's flows have a status (source is "observed")`},
		{"unknown status on a diff", strings.Replace(flow(`"kind": "reqrep", "from": "a", "status": "fine"`), `"observed"`, `"diff"`, 1),
			`line 3, column 93: flows[0].status: no status (want one of converged, undeclared, unobserved, type-mismatch, unverified)`},
		{"unknown source", `{"schema": "tracegraph/v1", "source": "guess"}`, `line 1, column 39: source: unknown source "guess" (want one of static, observed, diff)`},
		{"no source", `{"schema": "tracegraph/v1"}`, "source: no source (want one of static, observed, diff)"},
		{"unknown role", head + `"endpoints": [{"service": "a", "role": "listen", "channel": "c"}]}`, `line 2, column 40: endpoints[0].role: unknown role "listen"`},
		{"endpoint without service", head + `"endpoints": [{"role": "publish"}]}`, "line 2, column 15: endpoints[0]: an endpoint needs a service"},
		{"negative evidence line", head + `"endpoints": [{"service": "a", "role": "publish", "evidence": [{"file": "x.go", "line": -3}]}]}`,
			"line 2, column 89: endpoints[0].evidence[0].line: line -3 is negative"},
		{"service twice", head + "\"services\": [{\"name\": \"a\"},\n {\"name\": \"a\", \"team\": \"t\"}]}", `line 3, column 11: services[1].name: service "a" is listed twice (also services[0])`},
		{"service without a name", head + `"services": [{"team": "t"}]}`, "services[0]: a service needs a name"},
		{"unresolved role", head + `"unresolved": [{"service": "a", "role": "x", "line": 1}]}`, `unresolved[0].role: unknown role "x"`},
		{"diagnostic line", head + `"diagnostics": [{"message": "m", "line": -1}]}`, "diagnostics[0].line: line -1 is negative"},
		// encoding/json matches keys case-insensitively, the last repeat
		// winning: the position is of the value it took.
		{"key case and repeats", stats(`"count": 1, "COUNT": 2, "Count": -7`), "line 4, column 105: flows[1].stats.count: count -7 is negative"},
	} {
		_, err := Decode(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Decode error = %v, want %q", c.name, err, c.want)
		}
	}
}

// TestValidGraphsDecode checks that the rules refuse nothing a valid graph
// holds: dangling ends, empty stats, a diff's statuses.
func TestValidGraphsDecode(t *testing.T) {
	for _, in := range []string{
		`{"schema": "tracegraph/v1", "source": "static"}`,
		`{"schema": "tracegraph/v1", "source": "observed", "flows": [{"kind": "pubsub", "from": "a", "channel": "c",
		  "stats": {"count": 0, "errors": 0, "p50_us": 0, "p95_us": 0, "first_seen": "0001-01-01T00:00:00Z", "last_seen": "0001-01-01T00:00:00Z"}}]}`,
		`{"schema": "tracegraph/v1", "source": "diff", "flows": [{"kind": "reqrep", "to": "b", "status": "unobserved"},
		  {"kind": "pubsub", "from": "a", "to": "b", "status": "type-mismatch", "observed_type": "x",
		   "stats": {"count": 3, "errors": 3, "p50_us": 5, "p95_us": 5}}]}`,
	} {
		if _, err := Decode(strings.NewReader(in)); err != nil {
			t.Errorf("Decode(%s): %v", in, err)
		}
	}
}

// TestCountsDoNotWrapAround checks that a view's edge and a flow through a
// broker, which add up the counts of several flows, stop at the largest
// count instead of wrapping around to a negative one (which a graph written
// with --brokers then could not be read back with).
func TestCountsDoNotWrapAround(t *testing.T) {
	const huge = 1<<63 - 1
	st := func() *Stats { return &Stats{Count: huge, Errors: huge - 1, P50US: 1, P95US: 2} }
	g := New(SourceObserved)
	g.Flows = []Flow{
		{Kind: KindPubSub, From: "a", To: "b", Channel: "x", System: "kafka", Stats: st()},
		{Kind: KindPubSub, From: "a", To: "b", Channel: "y", System: "kafka", Stats: st()},
		{Kind: KindPubSub, From: "a", To: "c", Channel: "x", System: "kafka", Stats: st()},
	}
	g.Normalize()
	for _, e := range g.View(ViewServices).Edges {
		if e.To == "svc:b" && (e.Count != huge || e.Errors != huge) {
			t.Errorf("services view %s -> %s: %d messages, %d errors; want %d each", e.From, e.To, e.Count, e.Errors, int64(huge))
		}
	}
	b := g.ThroughBrokers()
	if err := b.Validate(); err != nil {
		t.Errorf("through brokers: %v", err)
	}
}
