package topology

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func ep(svc, role, ch, typ string) Endpoint {
	return Endpoint{Service: svc, Role: role, Channel: ch, MessageType: typ}
}

func TestDeriveFlows(t *testing.T) {
	tests := []struct {
		name string
		in   []Endpoint
		want []Flow
	}{
		{
			name: "publish meets two subscribers",
			in: []Endpoint{
				ep("catalog", RolePublish, "sku.updated", "T"),
				ep("inventory", RoleSubscribe, "sku.updated", "T"),
				ep("search", RoleSubscribe, "sku.updated", "T"),
			},
			want: []Flow{
				{Kind: KindPubSub, From: "catalog", To: "inventory", Channel: "sku.updated", MessageType: "T"},
				{Kind: KindPubSub, From: "catalog", To: "search", Channel: "sku.updated", MessageType: "T"},
			},
		},
		{
			name: "dangling ends stay visible",
			in: []Endpoint{
				ep("catalog", RolePublish, "sku.deleted", "D"),
				ep("audit", RoleSubscribe, "audit.log", "A"),
			},
			want: []Flow{
				{Kind: KindPubSub, From: "catalog", Channel: "sku.deleted", MessageType: "D"},
				{Kind: KindPubSub, To: "audit", Channel: "audit.log", MessageType: "A"},
			},
		},
		{
			name: "request meets serve with reply type",
			in: []Endpoint{
				{Service: "pricing", Role: RoleRequest, Channel: "fx.rates", MessageType: "GetRate", ReplyType: "Rate"},
				{Service: "fx", Role: RoleServe, Channel: "fx.rates", MessageType: "GetRate", ReplyType: "Rate"},
			},
			want: []Flow{{Kind: KindReqRep, From: "pricing", To: "fx", Channel: "fx.rates", MessageType: "GetRate", ReplyType: "Rate"}},
		},
		{
			name: "different systems never meet",
			in: []Endpoint{
				{Service: "a", Role: RolePublish, Channel: "orders", System: "nats"},
				{Service: "b", Role: RoleSubscribe, Channel: "orders", System: "kafka"},
			},
			want: []Flow{
				{Kind: KindPubSub, From: "a", Channel: "orders", System: "nats"},
				{Kind: KindPubSub, To: "b", Channel: "orders", System: "kafka"},
			},
		},
		{
			name: "unknown system meets any",
			in: []Endpoint{
				{Service: "a", Role: RolePublish, Channel: "orders", System: "nats"},
				{Service: "b", Role: RoleSubscribe, Channel: "orders"},
			},
			want: []Flow{{Kind: KindPubSub, From: "a", To: "b", Channel: "orders", System: "nats"}},
		},
		{
			name: "pattern publisher takes the concrete channel",
			in: []Endpoint{
				{Service: "a", Role: RolePublish, Channel: "orders.*", Pattern: true, MessageType: "O"},
				{Service: "b", Role: RoleSubscribe, Channel: "orders.eu", MessageType: "O"},
				{Service: "c", Role: RoleSubscribe, Channel: "billing", MessageType: "B"},
			},
			want: []Flow{
				{Kind: KindPubSub, From: "a", To: "b", Channel: "orders.eu", MessageType: "O"},
				{Kind: KindPubSub, To: "c", Channel: "billing", MessageType: "B"},
			},
		},
		{
			name: "same flow from two call sites merges evidence",
			in: []Endpoint{
				{Service: "a", Role: RolePublish, Channel: "x", MessageType: "T", Evidence: []Evidence{{File: "a.go", Line: 3}}},
				{Service: "a", Role: RolePublish, Channel: "x", MessageType: "T", Evidence: []Evidence{{File: "a.go", Line: 9}}},
				{Service: "b", Role: RoleSubscribe, Channel: "x", MessageType: "T", Evidence: []Evidence{{File: "b.go", Line: 1}}},
			},
			want: []Flow{{Kind: KindPubSub, From: "a", To: "b", Channel: "x", MessageType: "T",
				Evidence: []Evidence{{File: "a.go", Line: 3}, {File: "a.go", Line: 9}, {File: "b.go", Line: 1}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New(SourceStatic)
			g.Flows = DeriveFlows(tt.in)
			g.Normalize()
			want := New(SourceStatic)
			want.Flows = tt.want
			want.Normalize()
			if !reflect.DeepEqual(g.Flows, want.Flows) {
				t.Errorf("flows:\n got %+v\nwant %+v", g.Flows, want.Flows)
			}
		})
	}
}

func shopGraph() *Graph {
	g := New(SourceObserved)
	for _, s := range []string{"notifications", "catalog", "merchant-api", "inventory", "search"} {
		g.AddService(Service{Name: s})
	}
	g.Flows = []Flow{
		{Kind: KindPubSub, From: "inventory", To: "notifications", Channel: "stock.adjusted", MessageType: "x/inv.StockAdjusted"},
		{Kind: KindReqRep, From: "merchant-api", To: "catalog", Channel: "catalog.update-sku", MessageType: "x/cat.UpdateSku",
			Stats: &Stats{Count: 10, Errors: 1}},
		{Kind: KindPubSub, From: "catalog", To: "inventory", Channel: "sku.updated", MessageType: "x/cat.SkuUpdated",
			Stats: &Stats{Count: 7}},
		{Kind: KindPubSub, From: "catalog", To: "search", Channel: "sku.updated", MessageType: "x/cat.SkuUpdated"},
		{Kind: KindPubSub, From: "catalog", Channel: "sku.deleted", MessageType: "x/cat.SkuDeleted"},
	}
	return g
}

func TestEncodeDeterministicAndRoundTrip(t *testing.T) {
	a, err := Marshal(shopGraph())
	if err != nil {
		t.Fatal(err)
	}
	// The same graph built in another order encodes to the same bytes.
	g := shopGraph()
	for i, j := 0, len(g.Flows)-1; i < j; i, j = i+1, j-1 {
		g.Flows[i], g.Flows[j] = g.Flows[j], g.Flows[i]
	}
	b, _ := Marshal(g)
	if !bytes.Equal(a, b) {
		t.Fatalf("encoding depends on input order:\n%s\n%s", a, b)
	}
	back, err := Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Marshal(back)
	if !bytes.Equal(a, c) {
		t.Fatalf("decode/encode changed the graph:\n%s\n%s", a, c)
	}
	for _, key := range []string{`"schema": "tracegraph/v1"`, `"unresolved": []`, `"diagnostics": []`} {
		if !bytes.Contains(a, []byte(key)) {
			t.Errorf("encoding lacks %s", key)
		}
	}
}

func TestDecodeRejectsOtherSchemas(t *testing.T) {
	for in, want := range map[string]string{
		`{"flows":[]}`:                       "decode graph: line 1, column 1: no schema field",
		`{"schema":"tracegraph/v9"}`:         `line 1, column 11: schema: "tracegraph/v9" is not supported`,
		`{"schema":"something-else"}`:        `schema: "something-else" is not a tracegraph graph`,
		`{"schema":"tracegraph/v1", "flows"`: "decode graph: line 1, column 35: the JSON document ends early",
		// A second document (two graphs concatenated) is not ignored.
		"{\"schema\":\"tracegraph/v1\"}\n{\"schema\":\"tracegraph/v1\"}": "decode graph: line 2, column 1: data after the JSON document",
		"{\"schema\":\"tracegraph/v1\",\n\"flows\": 7}":                  "decode graph: line 2, column 11: json: cannot unmarshal number",
	} {
		_, err := Decode(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s) error = %v, want %q", in, err, want)
		}
	}
}

func TestViews(t *testing.T) {
	g := shopGraph()
	g.Normalize()
	sv := g.View(ViewServices)
	var edges []string
	for _, e := range sv.Edges {
		edges = append(edges, e.From+">"+e.To+"["+strings.Join(e.Labels, ",")+"]")
	}
	want := []string{
		"svc:catalog>ch:sku.deleted[cat.SkuDeleted]",
		"svc:catalog>svc:inventory[cat.SkuUpdated]",
		"svc:catalog>svc:search[cat.SkuUpdated]",
		"svc:inventory>svc:notifications[inv.StockAdjusted]",
		"svc:merchant-api>svc:catalog[cat.UpdateSku]",
	}
	if !reflect.DeepEqual(edges, want) {
		t.Errorf("services view edges:\n got %q\nwant %q", edges, want)
	}
	mv := g.View(ViewMessages)
	var msgNodes int
	for _, n := range mv.Nodes {
		if n.Kind == NodeMessage {
			msgNodes++
		}
	}
	if msgNodes != 4 {
		t.Errorf("messages view has %d message nodes, want 4", msgNodes)
	}
	cv := g.View(ViewChannels)
	found := false
	for _, e := range cv.Edges {
		if e.From == "ch:sku.updated" && e.To == "svc:inventory" && e.Count == 7 {
			found = true
		}
	}
	if !found {
		t.Errorf("channels view lacks sku.updated -> inventory with count 7: %+v", cv.Edges)
	}
	if _, err := ParseViewKind("graph"); err == nil {
		t.Error("ParseViewKind accepted an unknown view")
	}
}

func TestCyclesAndFocus(t *testing.T) {
	g := shopGraph()
	if c := g.Cycles(); len(c) != 0 {
		t.Errorf("acyclic graph has cycles %v", c)
	}
	g.Flows = append(g.Flows,
		Flow{Kind: KindPubSub, From: "notifications", To: "catalog", Channel: "n", MessageType: "N"},
		Flow{Kind: KindPubSub, From: "search", To: "search", Channel: "reindex", MessageType: "R"},
	)
	want := [][]string{{"catalog", "inventory", "notifications"}, {"search"}}
	if c := g.Cycles(); !reflect.DeepEqual(c, want) {
		t.Errorf("cycles = %v, want %v", c, want)
	}

	g = shopGraph()
	f, err := g.Focus("inventory", 1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.Services {
		names = append(names, s.Name)
	}
	if want := []string{"catalog", "inventory", "notifications"}; !reflect.DeepEqual(names, want) {
		t.Errorf("focus inventory depth 1 = %v, want %v", names, want)
	}
	// catalog's dangling publish is kept: its only end is in focus.
	var dangling bool
	for _, fl := range f.Flows {
		if fl.Channel == "sku.deleted" {
			dangling = true
		}
		if fl.From == "merchant-api" || fl.To == "search" {
			t.Errorf("flow %+v outside depth 1 kept", fl)
		}
	}
	if !dangling {
		t.Error("dangling flow of a focused service dropped")
	}
	f2, _ := g.Focus("inventory", 2)
	if len(f2.Services) != 5 {
		t.Errorf("focus depth 2 keeps %d services, want 5", len(f2.Services))
	}
	if _, err := g.Focus("nope", 1); err == nil {
		t.Error("focus on an unknown service succeeded")
	}
}

func TestChannelsMatch(t *testing.T) {
	tests := []struct {
		pattern, name, system string
		want                  bool
	}{
		{"orders.*", "orders.eu", "", true},
		{"orders.*", "orders.eu.west", "", true}, // a glob's * spans dots
		{"orders.*", "billing.eu", "", false},
		{"orders.*", "orders.eu", "nats", true},
		{"orders.*", "orders.eu.west", "nats", false}, // a NATS * is one token
		{"orders.>", "orders.eu.west", "nats", true},
		{"orders.>", "orders", "nats", false}, // > needs at least one token
		{"*.created", "orders.created", "nats", true},
		{"orders.*.created", "orders.eu.updated", "nats", false},
	}
	for _, tt := range tests {
		if got := ChannelsMatch(tt.pattern, true, tt.name, false, tt.system); got != tt.want {
			t.Errorf("ChannelsMatch(%q, %q, system %q) = %v, want %v", tt.pattern, tt.name, tt.system, got, tt.want)
		}
		// Either side may be the pattern.
		if got := ChannelsMatch(tt.name, false, tt.pattern, true, tt.system); got != tt.want {
			t.Errorf("reversed ChannelsMatch(%q, %q, system %q) = %v, want %v", tt.name, tt.pattern, tt.system, got, tt.want)
		}
	}
	if ChannelsMatch("orders.*", true, "orders.*", true, "") != true || ChannelsMatch("a.*", true, "b.*", true, "") {
		t.Error("two patterns meet only when equal")
	}
}

// TestViewServiceTeams: a service node has its service's team, from the
// first service of the name as g.Service finds it, and one named only by
// a flow has none, in a graph View is given as it is.
func TestViewServiceTeams(t *testing.T) {
	g := &Graph{Source: SourceObserved,
		Services: []Service{{Name: "b", Team: "blue"}, {Name: "a", Team: "first"}, {Name: "a", Team: "second", Virtual: true}},
		Flows:    []Flow{{Kind: KindPubSub, From: "a", To: "c"}, {Kind: KindPubSub, From: "b", To: "a"}}}
	got := g.View(ViewServices).Nodes
	want := []ViewNode{
		{ID: "svc:a", Label: "a", Kind: NodeService, Team: "first"},
		{ID: "svc:b", Label: "b", Kind: NodeService, Team: "blue"},
		{ID: "svc:c", Label: "c", Kind: NodeService},
	}
	if !slices.Equal(got, want) {
		t.Errorf("nodes %+v, want %+v", got, want)
	}
}
