package topology

import (
	"strings"
	"testing"
)

// TestNearMisses: unpaired ends whose names are the same words in another
// order or case, or the same gRPC package and method, are a diagnostic at
// the sender; names that merely resemble each other, a path and a topic,
// paired ends, other kinds or systems and HTTP routes are not. Merge finds them anew, so a
// graph merged with the missing partner loses the hint.
func TestNearMisses(t *testing.T) {
	ep := func(svc, role, ch, system string) Endpoint {
		return Endpoint{Service: svc, Role: role, Channel: ch, System: system, Evidence: []Evidence{{File: svc + ".go", Line: 7}}}
	}
	g := New(SourceStatic)
	g.Endpoints = []Endpoint{
		ep("product", RolePublish, "validation-product-response", "kafka"),
		ep("cart", RoleSubscribe, "product-validation-response", "kafka"),
		ep("gateway", RoleRequest, "/hotels.HotelsService/GetHotel", "grpc"),
		ep("hotels", RoleServe, "/hotels.hotelsGRPCService/GetHotel", "grpc"),
		// Alike but other words, another method, another kind or system, HTTP.
		ep("orders", RolePublish, "orders.v1", "kafka"),
		ep("audit", RoleSubscribe, "orders.v2", "kafka"),
		ep("gateway", RoleRequest, "/hotels.HotelsService/ListHotels", "grpc"),
		ep("rates", RoleServe, "/rates.Rates/ListHotels", "grpc"),
		ep("mailer", RolePublish, "Mail.Sent", "nats"),
		ep("crm", RoleSubscribe, "sent.mail", "kafka"),
		ep("hooks", RoleSubscribe, "/webhooks", ""),
		ep("hooks", RolePublish, "webhooks", ""),
		ep("web", RoleRequest, "GET /users/me", SystemHTTP),
		ep("users", RoleServe, "GET /me/users", SystemHTTP),
	}
	merged, err := Merge(g)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range merged.Diagnostics {
		if strings.HasPrefix(d.Subject, nearMissSubject) {
			got = append(got, d.File+": "+d.Message)
		}
	}
	want := []string{
		"gateway.go: request /hotels.HotelsService/GetHotel by gateway has no server, and /hotels.hotelsGRPCService/GetHotel of hotels has no caller: one name written two ways?",
		"product.go: publish validation-product-response by product has no subscriber, and product-validation-response of cart has no publisher: one name written two ways?",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("near misses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The partner another repository's graph brings pairs the publish.
	other := New(SourceStatic)
	other.Endpoints = []Endpoint{ep("ledger", RoleSubscribe, "validation-product-response", "kafka")}
	again, err := Merge(merged, other)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range again.Diagnostics {
		if strings.HasPrefix(d.Subject, nearMissSubject) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("after merging the partner: %d near misses, want 1 (the gRPC one): %+v", n, again.Diagnostics)
	}
}
