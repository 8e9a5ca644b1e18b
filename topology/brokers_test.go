package topology

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestThroughBrokers(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	stats := func(n, errs int64, p95 int64, first int) *Stats {
		return &Stats{Count: n, Errors: errs, P50US: p95 / 2, P95US: p95,
			FirstSeen: t0.Add(time.Duration(first) * time.Minute), LastSeen: t0.Add(time.Duration(first+1) * time.Minute)}
	}
	pub := func(from, to, ch, sys string, st *Stats) Flow {
		return Flow{Kind: KindPubSub, From: from, To: to, Channel: ch, System: sys, Status: "", Stats: st}
	}
	g := New(SourceObserved)
	g.Services = []Service{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "rabbitmq", Virtual: true}, {Name: "web"}}
	g.Flows = []Flow{
		pub("a", "b", "orders", "kafka", stats(5, 1, 100, 0)),
		pub("a", "c", "orders", "kafka", stats(3, 0, 300, 2)),
		pub("a", "", "audit", "kafka", nil),                                 // nobody consumes
		pub("", "c", "late", "kafka", stats(1, 0, 10, 0)),                   // no known producer
		pub("rabbitmq", "b", "notification", "rabbitmq", stats(1, 0, 1, 0)), // already through the broker
		pub("a", "b", "direct", "", stats(2, 0, 1, 0)),                      // names no broker
		{Kind: KindReqRep, From: "web", To: "a", Channel: "GET /", System: "http", Status: "", Stats: stats(7, 0, 1, 0)},
	}
	g.Normalize()
	before, err := Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	got := g.ThroughBrokers()
	var lines []string
	for _, f := range got.Flows {
		line := fmt.Sprintf("%s %s -> %s %s/%s", f.Kind, f.From, f.To, f.System, f.Channel)
		if f.Stats != nil {
			line += fmt.Sprintf(" n=%d errors=%d p95=%d first=%s last=%s", f.Stats.Count, f.Stats.Errors, f.Stats.P95US,
				f.Stats.FirstSeen.Format("15:04"), f.Stats.LastSeen.Format("15:04"))
		}
		lines = append(lines, line)
	}
	want := []string{
		"pubsub a -> b /direct n=2 errors=0 p95=1 first=00:00 last=00:01",
		"pubsub a -> kafka kafka/audit",
		"pubsub a -> kafka kafka/orders n=8 errors=1 p95=300 first=00:00 last=00:03",
		"pubsub kafka -> b kafka/orders n=5 errors=1 p95=100 first=00:00 last=00:01",
		"pubsub kafka -> c kafka/late n=1 errors=0 p95=10 first=00:00 last=00:01",
		"pubsub kafka -> c kafka/orders n=3 errors=0 p95=300 first=00:02 last=00:03",
		"pubsub rabbitmq -> b rabbitmq/notification n=1 errors=0 p95=1 first=00:00 last=00:01",
		"reqrep web -> a http/GET / n=7 errors=0 p95=1 first=00:00 last=00:01",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("flows:\n got %q\nwant %q", lines, want)
	}
	if s := got.Service("kafka"); s == nil || !s.Virtual {
		t.Errorf("the broker kafka is %+v, want a virtual service", s)
	}
	if s := got.Service("rabbitmq"); s == nil || !s.Virtual {
		t.Errorf("rabbitmq is %+v, want the virtual service it was", s)
	}
	after, err := Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("ThroughBrokers changed the graph it was given")
	}
}

// A diff drawn through brokers keeps each flow's status: a converged and an
// undeclared consumer of one channel give one broker in-edge each.
func TestThroughBrokersKeepsStatus(t *testing.T) {
	g := New(SourceDiff)
	g.Flows = []Flow{
		{Kind: KindPubSub, From: "a", To: "b", Channel: "x", System: "nats", Status: StatusConverged},
		{Kind: KindPubSub, From: "a", To: "c", Channel: "x", System: "nats", Status: StatusUndeclared},
	}
	var got []string
	for _, f := range g.ThroughBrokers().Flows {
		got = append(got, f.From+"->"+f.To+" "+f.Status)
	}
	want := []string{"a->nats converged", "a->nats undeclared", "nats->b converged", "nats->c undeclared"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
