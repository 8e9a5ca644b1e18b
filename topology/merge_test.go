package topology

import (
	"bytes"
	"strings"
	"testing"
)

func declared(repo string, svc string, eps ...Endpoint) *Graph {
	g := New(SourceStatic)
	g.Services = []Service{{Name: svc, Package: "example.com/" + svc}}
	g.Endpoints = eps
	g.StampRepo(repo)
	return g
}

func mep(svc, role, ch, file string, line int) Endpoint {
	return Endpoint{Service: svc, Role: role, Channel: ch, System: "nats", Evidence: []Evidence{{File: file, Line: line}}}
}

func mustMerge(t *testing.T, gs ...*Graph) []byte {
	t.Helper()
	m, err := Merge(gs...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMerge: endpoints pair across repositories, evidence keeps its
// repository, and merging is associative and commutative.
func TestMerge(t *testing.T) {
	a := declared("shop", "orders", mep("orders", RolePublish, "orders.placed", "orders/main.go", 10))
	b := declared("billing", "billing", mep("billing", RoleSubscribe, "orders.placed", "cmd/billing/main.go", 7),
		mep("billing", RolePublish, "invoices.sent", "cmd/billing/main.go", 9))
	c := declared("mail", "mailer", mep("mailer", RoleSubscribe, "invoices.sent", "main.go", 3))
	whole := mustMerge(t, a, b, c)
	m, err := Merge(a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	var flows []string
	for _, f := range m.Flows {
		flows = append(flows, f.From+">"+f.To+" "+f.Channel+" "+f.Evidence[0].Repo+":"+f.Evidence[0].File)
	}
	want := "billing>mailer invoices.sent billing:cmd/billing/main.go|orders>billing orders.placed billing:cmd/billing/main.go"
	if got := strings.Join(flows, "|"); got != want {
		t.Errorf("flows %s, want %s", got, want)
	}
	ab, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := Merge(b, c)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{
		"(a b) c": mustMerge(t, ab, c), "a (b c)": mustMerge(t, a, bc), "c b a": mustMerge(t, c, b, a), "b a c": mustMerge(t, b, a, c),
	} {
		if !bytes.Equal(got, whole) {
			t.Errorf("merge %s differs from merge a b c:\n%s", name, got)
		}
	}
	if got := mustMerge(t, m); !bytes.Equal(got, whole) {
		t.Errorf("merging a merged graph alone changes it:\n%s", got)
	}
}

// TestMergeDuplicateService: a service two repositories define is one
// diagnostic, however the merges are grouped.
func TestMergeDuplicateService(t *testing.T) {
	a := declared("one", "orders", mep("orders", RolePublish, "x", "a.go", 1))
	b := declared("two", "orders", mep("orders", RoleSubscribe, "y", "b.go", 2))
	c := declared("three", "orders")
	ab, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(ab, c)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range m.Diagnostics {
		msgs = append(msgs, d.Message)
	}
	want := `service "orders" is defined in the repositories one, three, two: their endpoints are taken as one service's`
	if len(msgs) != 1 || msgs[0] != want {
		t.Errorf("diagnostics %q, want [%q]", msgs, want)
	}
	if direct := mustMerge(t, a, b, c); !bytes.Equal(direct, mustMerge(t, m)) {
		t.Errorf("grouped and direct merges differ")
	}
}

func TestMergeRefusesObserved(t *testing.T) {
	if _, err := Merge(New(SourceStatic), New(SourceObserved)); err == nil || !strings.Contains(err.Error(), "graph 2 is a observed graph") {
		t.Errorf("error %v, want graph 2 refused", err)
	}
}
