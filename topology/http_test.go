package topology

import (
	"slices"
	"testing"
)

func TestHTTPMatch(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"GET /stock/{sku}", "GET /stock/{id}", true},
		{"GET /stock/*", "GET /stock/{sku}", true},       // a client's dynamic part meets a parameter
		{"GET /stock/*", "GET /stock", false},            // but not a missing segment
		{"GET /stock/ab*", "GET /stock/abc", true},       // a glob within a segment
		{"GET /stock/ab*", "GET /stock/xyz", false},      //
		{"POST /stock/{sku}", "GET /stock/{sku}", false}, // methods differ
		{"* /stock/{sku}", "DELETE /stock/42", true},     // a route for any method
		{"HEAD /stock/{sku}", "GET /stock/{sku}", false}, // symmetric, so a HEAD route meets no GET
		{"GET /files/", "GET /files/a/b", true},          // a subtree
		{"GET /files/{$}", "GET /files/a", false},        // exactly /files/
		{"GET /files/{$}", "GET /files/", true},          //
		{"GET /files/{path...}", "GET /files/a/b", true}, // the rest
		{"GET /", "GET /anything", true},                 // the root subtree
		{"GET /orders", "GET /orders/5", false},          // no subtree without the slash
		{"GET /orders/{id}/items", "GET /orders/5/items", true},
		{"GET /orders/{id}/items", "GET /orders/5/lines", false},
		{"GET /orders/{id}", "GET /orders/{$}", false}, // a parameter is not empty
		{"orders.created", "orders.created", true},     // not HTTP channels: equal or not
		{"orders.created", "GET /orders", false},
	} {
		if got := HTTPMatch(tt.a, tt.b); got != tt.want {
			t.Errorf("HTTPMatch(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := HTTPMatch(tt.b, tt.a); got != tt.want {
			t.Errorf("HTTPMatch(%q, %q) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestDeriveHTTPPeer(t *testing.T) {
	eps := []Endpoint{
		{Service: "orders", Role: RoleRequest, Channel: "GET /stock/*", System: SystemHTTP, Pattern: true, Peer: "inventory"},
		{Service: "orders", Role: RoleRequest, Channel: "GET /stock/*", System: SystemHTTP, Pattern: true, Peer: "legacy"},
		{Service: "inventory", Role: RoleServe, Channel: "* /stock/{sku}", System: SystemHTTP},
		{Service: "warehouse", Role: RoleServe, Channel: "GET /stock/{sku}", System: SystemHTTP},
	}
	got := map[string]bool{}
	for _, f := range DeriveFlows(eps) {
		got[f.From+" -> "+f.To+" "+f.Channel] = true
	}
	want := map[string]bool{
		// The route names the flow, with the request's method.
		"orders -> inventory GET /stock/{sku}": true,
		// Addressed to a host no service has: dangling, not paired
		// with the same route of another service.
		"orders ->  GET /stock/*": true,
		// Nobody addresses the warehouse.
		" -> warehouse GET /stock/{sku}": true,
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing flow %q; got %v", k, got)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unexpected flow %q", k)
		}
	}
}

func TestServeRoute(t *testing.T) {
	routes := []string{
		"GET /stock/{sku}",
		"GET /stock/summary",
		"* /",
		"POST /items",
		"DELETE /items",
		"* /files/",
		"GET /exact/{$}",
		"GET /rest/{path...}",
	}
	for _, tt := range []struct {
		request string
		want    []string
	}{
		{"GET /stock/sku-1", []string{"GET /stock/{sku}"}},
		// The most specific route serves it, not every route it matches.
		{"GET /stock/summary", []string{"GET /stock/summary"}},
		// A part of the URL that is not constant meets a parameter,
		// never a literal whose value it would guess.
		{"GET /stock/*", []string{"GET /stock/{sku}"}},
		// "/" is a request for "/", served by the root subtree only.
		{"GET /", []string{"* /"}},
		{"GET /nothing/else", []string{"* /"}},
		{"POST /items", []string{"POST /items"}},
		{"PUT /items", []string{"* /"}},
		{"GET /files/a/b", []string{"* /files/"}},
		{"GET /exact/", []string{"GET /exact/{$}"}},
		{"GET /rest/a/b", []string{"GET /rest/{path...}"}},
		// A request path ending in a slash is not a subtree.
		{"GET /stock/", []string{"* /"}},
	} {
		var got []string
		for _, i := range ServeRoute(tt.request, routes) {
			got = append(got, routes[i])
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ServeRoute(%q) = %q, want %q", tt.request, got, tt.want)
		}
	}
}
