package spans

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

// zspan writes one Zipkin v2 span. Fields are "key=value" pairs: trace,
// id, parent, kind, svc, remote, ts (µs; "-" leaves it out), dur, and tag:K=V
// or error.
func zspan(fields ...string) string {
	m := map[string]string{"trace": "00000000000000aa", "ts": "1700000000000000", "dur": "10"}
	var tags []string
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		switch {
		case k == "error":
			tags = append(tags, `"error":""`)
		case strings.HasPrefix(k, "tag:"):
			tk, tv, _ := strings.Cut(f[len("tag:"):], "=")
			tags = append(tags, fmt.Sprintf("%q:%q", tk, tv))
		default:
			m[k] = v
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"traceId":%q,"id":%q,"name":"op"`, m["trace"], m["id"])
	if m["parent"] != "" {
		fmt.Fprintf(&b, `,"parentId":%q`, m["parent"])
	}
	if m["kind"] != "" {
		fmt.Fprintf(&b, `,"kind":%q`, m["kind"])
	}
	if m["ts"] != "-" {
		fmt.Fprintf(&b, `,"timestamp":%s,"duration":%s`, m["ts"], m["dur"])
	}
	if m["shared"] != "" {
		b.WriteString(`,"shared":true`)
	}
	if m["svc"] != "" {
		fmt.Fprintf(&b, `,"localEndpoint":{"serviceName":%q}`, m["svc"])
	}
	if m["remote"] != "" {
		fmt.Fprintf(&b, `,"remoteEndpoint":{"serviceName":%q}`, m["remote"])
	}
	if len(tags) > 0 {
		fmt.Fprintf(&b, `,"tags":{%s}`, strings.Join(tags, ","))
	}
	b.WriteString("}")
	return b.String()
}

// readZipkinString reads Zipkin JSON from a string, named in.json.
func readZipkinString(t *testing.T, data string) ([]telemetry.Event, Stats) {
	t.Helper()
	var events []telemetry.Event
	st, err := Read(context.Background(), strings.NewReader(data), "in.json", ZipkinJSON, Options{}, func(e telemetry.Event) error {
		events = append(events, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return events, st
}

// The fixes of the reference-linker issue, each on the smallest trace that
// showed it.
func TestPairingFixes(t *testing.T) {
	tests := []struct {
		name     string
		spans    []string
		flows    []string
		warnings []string // substrings, one per warning line, in order
	}{
		{
			// b's SERVER span is missing: its CLIENT spans hang under a's
			// SERVER, which called b. A call for each CLIENT span, as
			// Zipkin counts them.
			name: "a CLIENT whose caller span is missing",
			spans: []string{
				zspan("id=0000000000000001", "kind=SERVER", "svc=a"),
				zspan("id=0000000000000002", "parent=0000000000000009", "kind=CLIENT", "svc=b"),
				zspan("id=0000000000000003", "parent=0000000000000009", "kind=CLIENT", "svc=b"),
			},
			flows: []string{
				"reqrep  -> a channel= system= type= n=1 errors=0",
				"reqrep a -> b channel= system= type= n=2 errors=0",
			},
			warnings: []string{"2 spans whose parent is not in the input, attached to the trace's root span (first: trace 00000000000000aa span 0000000000000002)"},
		},
		{
			// a's CLIENT names its callee, but b's CLIENT under it says b
			// was called: the child's name wins, as in Zipkin, and a gets
			// no virtual peer.
			name: "a CLIENT under a CLIENT of another service",
			spans: []string{
				zspan("id=0000000000000001", "kind=CLIENT", "svc=a", "remote=b-lb"),
				zspan("id=0000000000000002", "parent=0000000000000001", "kind=CLIENT", "svc=b", "remote=c"),
			},
			flows: []string{
				"reqrep a -> b channel= system= type= n=1 errors=0",
				"reqrep b -> c* channel= system= type= n=1 errors=0",
			},
		},
		{
			name: "an error on the CLIENT side of a hop",
			spans: []string{
				zspan("id=0000000000000001", "kind=CLIENT", "svc=a", "error"),
				zspan("id=0000000000000002", "parent=0000000000000001", "kind=SERVER", "svc=b"),
			},
			flows: []string{"reqrep a -> b channel= system= type= n=1 errors=1"},
		},
		{
			name: "an error on the PRODUCER side of a hop",
			spans: []string{
				zspan("id=0000000000000001", "kind=PRODUCER", "svc=a", "error", "tag:kafka.topic=t"),
				zspan("id=0000000000000002", "parent=0000000000000001", "kind=CONSUMER", "svc=b", "tag:kafka.topic=t"),
			},
			flows: []string{"pubsub a -> b channel=t system=kafka type= n=1 errors=1"},
		},
		{
			name: "a CLIENT with no local service name",
			spans: []string{
				zspan("id=0000000000000001", "kind=SERVER", "svc=a"),
				zspan("id=0000000000000002", "parent=0000000000000001", "kind=CLIENT"),
				zspan("id=0000000000000003", "parent=0000000000000002", "kind=SERVER", "svc=b"),
			},
			flows: []string{
				"reqrep  -> a channel= system= type= n=1 errors=0",
				"reqrep a -> b channel= system= type= n=1 errors=0",
			},
			warnings: []string{"1 spans with no service name: a client, producer or internal span takes its parent's, the others are unknown_service (first: in.json:2:1)"},
		},
		{
			name: "a SERVER sharing a PRODUCER's span id",
			spans: []string{
				zspan("id=0000000000000001", "kind=PRODUCER", "svc=a"),
				zspan("id=0000000000000001", "kind=SERVER", "svc=b", "shared=1"),
			},
			flows: []string{"reqrep a -> b channel= system= type= n=1 errors=0"},
		},
		{
			// Zipkin v2 lets a span leave out its timestamp.
			name: "spans without a timestamp",
			spans: []string{
				zspan("id=0000000000000001", "kind=CLIENT", "svc=a", "ts=-"),
				zspan("id=0000000000000002", "parent=0000000000000001", "kind=SERVER", "svc=b", "ts=-"),
			},
			flows:    []string{"reqrep a -> b channel= system= type= n=1 errors=0"},
			warnings: []string{"2 spans with no start time, dated from their parent or trace (first: in.json:1:"},
		},
		{
			name: "database calls",
			spans: []string{
				zspan("id=0000000000000001", "kind=CLIENT", "svc=a", "tag:db.system=postgresql", "tag:db.namespace=orders", "tag:server.address=db1"),
				zspan("id=0000000000000002", "kind=CLIENT", "svc=a", "tag:db.system=redis", "tag:db.name=cache"),
				zspan("id=0000000000000003", "kind=CLIENT", "svc=a", "tag:db.system=cassandra"),
			},
			flows: []string{
				"reqrep a -> cache* channel= system=redis type= n=1 errors=0",
				"reqrep a -> cassandra* channel= system=cassandra type= n=1 errors=0",
				"reqrep a -> orders* channel= system=postgresql type= n=1 errors=0",
			},
		},
		{
			name: "an unknown span kind",
			spans: []string{
				zspan("id=0000000000000001", "kind=SERVER_OOPS", "svc=a"),
			},
			warnings: []string{`1 spans with a kind or status the format does not define, read as unspecified (first: in.json:1:2 kind "SERVER_OOPS")`},
		},
		{
			// No root: the orphans cannot be attached, and the SERVER's
			// caller is nowhere: an entry point, counted apart.
			name: "orphans in a trace with no root",
			spans: []string{
				zspan("id=0000000000000002", "parent=0000000000000009", "kind=SERVER", "svc=b"),
				zspan("id=0000000000000003", "parent=0000000000000008", "kind=SERVER", "svc=c", "remote=d"),
			},
			flows: []string{
				"reqrep  -> b channel= system= type= n=1 errors=0",
				"reqrep d* -> c channel= system= type= n=1 errors=0",
			},
			warnings: []string{
				"2 spans whose parent is not in the input, in traces with no single root span (first: trace 00000000000000aa span 0000000000000002)",
				"1 server or consumer spans whose caller's span is missing and unnamed, drawn as entry points (first: trace 00000000000000aa span 0000000000000002)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, st := readZipkinString(t, "["+strings.Join(tt.spans, ",\n")+"]")
			if got := flows(events); !reflect.DeepEqual(got, nonNilStrings(tt.flows)) {
				t.Errorf("flows:\n got %q\nwant %q\nevents:\n%s", got, tt.flows, eventLines(events))
			}
			w := st.Warnings()
			if len(w) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d like %q", w, len(tt.warnings), tt.warnings)
			}
			for i := range w {
				if !strings.Contains(w[i], tt.warnings[i]) {
					t.Errorf("warning %q, want it to hold %q", w[i], tt.warnings[i])
				}
			}
		})
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// An OTLP kind or status that OTLP does not define is read as unspecified
// and counted, whether the name (which protojson drops) or a number.
func TestUnknownOTLPEnums(t *testing.T) {
	span := func(id, kind, code string) string {
		return `{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"` + id + `","name":"x","kind":` + kind +
			`,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000","status":{"code":` + code + `}}`
	}
	data := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"spans":[` +
		span("0000000000000001", `"SPAN_KIND_SERVER"`, `"STATUS_CODE_OK"`) + "," +
		span("0000000000000002", `"SERVER_OOPS"`, `1`) + "," +
		span("0000000000000003", `9`, `"STATUS_CODE_ERROR"`) + "," +
		span("0000000000000004", `"SPAN_KIND_CLIENT"`, `"STATUS_CODE_MAYBE"`) + `]}]}]}`
	var kinds []string
	st, err := Read(context.Background(), strings.NewReader(data), "in.json", OTLPJSON, Options{}, func(e telemetry.Event) error {
		kinds = append(kinds, e.MessageID+" "+e.EventType+" "+e.Status)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(kinds)
	want := []string{"0000000000000001 serve ok", "0000000000000002 internal ok", "0000000000000003 internal error", "0000000000000004 request ok"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("events %q, want %q", kinds, want)
	}
	w := st.Warnings()
	if st.UnknownEnums != 3 || len(w) != 1 || !strings.Contains(w[0], `3 spans with a kind or status the format does not define`) || !strings.Contains(w[0], `kind "SERVER_OOPS"`) {
		t.Errorf("UnknownEnums %d, warnings %q; want 3, naming SERVER_OOPS first", st.UnknownEnums, w)
	}
}
