package staticgraph

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/topology"
)

// TestShop checks the declared graph of examples/shop against its true
// declared flows, listed here from reading the shop's code (the clients
// its packages build, the channel constants in its *msg packages and the
// service names its cmd/ mains give NewService).
func TestShop(t *testing.T) {
	const m = "github.com/tracegraph/tracegraph/examples/shop/"
	type flow struct{ kind, from, to, channel, msg, reply string }
	want := []flow{
		{"reqrep", "merchant-api", "catalog", "catalog.update-sku", "catalog/catalogmsg.UpdateSku", "catalog/catalogmsg.UpdateSkuReply"},
		{"reqrep", "merchant-api", "catalog", "catalog.delete-sku", "catalog/catalogmsg.DeleteSku", "catalog/catalogmsg.DeleteSkuReply"},
		{"pubsub", "catalog", "inventory", "sku.updated", "catalog/catalogmsg.SkuUpdated", ""},
		{"pubsub", "catalog", "pricing", "sku.updated", "catalog/catalogmsg.SkuUpdated", ""},
		{"pubsub", "catalog", "search-indexer", "sku.updated", "catalog/catalogmsg.SkuUpdated", ""},
		{"pubsub", "catalog", "search-indexer", "sku.deleted", "catalog/catalogmsg.SkuDeleted", ""},
		{"reqrep", "pricing", "fx", "fx.rates", "fx/fxmsg.GetRates", "fx/fxmsg.Rates"},
		{"pubsub", "pricing", "search-indexer", "pricing.price-changed", "pricing/pricingmsg.PriceChanged", ""},
		{"pubsub", "inventory", "notifications", "inventory.stock-adjusted", "inventory/inventorymsg.StockAdjusted", ""},
		{"pubsub", "inventory", "notifications", "inventory.stock-adjust-failed", "inventory/inventorymsg.StockAdjustFailed", ""},
		{"reqrep", "notifications", "merchant-api", "merchants.contact", "merchantapi/merchantmsg.GetContact", "merchantapi/merchantmsg.Contact"},
		{"pubsub", "search-indexer", "catalog", "search.skus-indexed", "searchindexer/searchmsg.SkusIndexed", ""},
		// The pager's typed subscription to the debug tap's computed
		// name ("debug." + strings.ToLower(kind)) is declared, as a
		// pattern; the tap itself publishes through the raw Bus, so
		// no declared publisher meets it.
		{"pubsub", "", "notifications", "debug.*", "inventory/inventorymsg.StockAdjustFailed", ""},
		// The merchants' HTTP API is an entry point: nothing in the
		// shop calls it. The simulation holds the API too but never
		// serves its handler, so it does not serve these routes.
		{"reqrep", "", "merchant-api", "PUT /merchants/{merchant}/skus/{sku}", "", ""},
		{"reqrep", "", "merchant-api", "DELETE /merchants/{merchant}/skus/{sku}", "", ""},
	}
	res, err := Analyze(context.Background(), Options{Dir: "../examples/shop", Patterns: []string{"./..."}})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	if len(res.Broken) > 0 {
		t.Fatalf("broken packages: %v (%+v)", res.Broken, g.Diagnostics)
	}
	var got []flow
	for _, f := range g.Flows {
		reply := ""
		if f.ReplyType != "" {
			reply = strings.TrimPrefix(f.ReplyType, m)
		}
		got = append(got, flow{f.Kind, f.From, f.To, f.Channel, strings.TrimPrefix(f.MessageType, m), reply})
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing flow %+v", w)
		}
	}
	for _, x := range got {
		if !slices.Contains(want, x) {
			t.Errorf("unexpected flow %+v", x)
		}
	}
	if len(g.Unresolved) > 0 {
		t.Errorf("unresolved: %+v", g.Unresolved)
	}
	for _, e := range g.Endpoints {
		if e.Role == topology.RolePublish && strings.HasPrefix(e.Channel, "debug") {
			t.Errorf("the debug tap is declared: %+v", e)
		}
	}
	t.Run("evidence", func(t *testing.T) {
		// Every endpoint's evidence includes the line of its call.
		call := map[string]string{"publish": ".Publish(", "subscribe": ".Subscribe(", "serve": ".Serve(", "request": ".Request("}
		for _, e := range g.Endpoints {
			want := call[e.Role]
			if e.System == topology.SystemHTTP {
				want = ".HandleFunc("
			}
			found := false
			for _, ev := range e.Evidence {
				if strings.Contains(sourceLine(t, filepath.Join("../examples/shop", ev.File), ev.Line), want) {
					found = true
				}
			}
			if !found {
				t.Errorf("endpoint %s %s %s: no evidence at its %s call: %v", e.Service, e.Role, e.Channel, want, e.Evidence)
			}
		}
	})
}

func sourceLine(t *testing.T, file string, line int) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("evidence file: %v", err)
	}
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		t.Fatalf("evidence %s:%d: no such line", file, line)
	}
	return lines[line-1]
}

// TestShopOneService analyses one binary: its service's endpoints come from
// the module's library packages that the pattern does not name.
func TestShopOneService(t *testing.T) {
	res, err := Analyze(context.Background(), Options{Dir: "../examples/shop", Patterns: []string{"./cmd/catalog"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Graph.Endpoints {
		got = append(got, e.Service+" "+e.Role+" "+e.Channel)
	}
	want := []string{
		"catalog publish sku.deleted",
		"catalog publish sku.updated",
		"catalog serve catalog.delete-sku",
		"catalog serve catalog.update-sku",
		"catalog subscribe search.skus-indexed",
	}
	if !slices.Equal(got, want) {
		t.Errorf("endpoints %q, want %q", got, want)
	}
}
