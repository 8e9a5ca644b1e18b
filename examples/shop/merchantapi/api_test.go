package merchantapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/catalog"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shoptest"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi"
	"github.com/tracegraph/tracegraph/examples/shop/merchantapi/merchantmsg"
)

func TestHTTP(t *testing.T) {
	w := shoptest.NewWorld(t)
	api := merchantapi.New(w.Service(merchantapi.Name), merchantapi.NewDirectory(
		merchantmsg.Contact{MerchantID: "4c5d6e7", Name: "Acme", Email: "ops@acme.example"}))
	shoptest.Start(t, api)
	shoptest.Start(t, catalog.New(w.Service(catalog.Name), catalog.NewMemoryRepository()))
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)

	tests := []struct {
		method, path, body string
		wantStatus         int
		wantBody           string
	}{
		{"PUT", "/merchants/4c5d6e7/skus/s1", `{"title":"Tent","price_cents":100,"currency":"EUR","stock_delta":1}`, 200, `{"sku":"s1","version":1,"accepted":true}`},
		{"PUT", "/merchants/4c5d6e7/skus/s1", `{"title":"Tent","price_cents":90,"currency":"EUR"}`, 200, `{"sku":"s1","version":2,"accepted":true}`},
		{"PUT", "/merchants/4c5d6e7/skus/s1", `{"title":"Tent","price_cents":90,"currency":"CHF"}`, 502, `unsupported currency "CHF"`},
		{"PUT", "/merchants/4c5d6e7/skus/s1", `{"title":"Tent","colour":"red"}`, 400, `unknown field "colour"`},
		{"PUT", "/merchants/4c5d6e7/skus/s1", `{"title":`, 400, "bad request body"},
		{"PUT", "/merchants/nobody/skus/s1", `{"title":"Tent","price_cents":90,"currency":"EUR"}`, 404, `unknown merchant "nobody"`},
		{"DELETE", "/merchants/4c5d6e7/skus/s1", "", 200, `{"sku":"s1","deleted":true}`},
		{"DELETE", "/merchants/4c5d6e7/skus/s1", "", 200, `{"sku":"s1","deleted":false}`},
		{"GET", "/merchants/4c5d6e7/skus/s1", "", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.body, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("%d %s, want %d containing %s", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}

	// Every update or deletion that reached the catalog is a trace of its
	// own, tagged with the merchant.
	starts := w.Rec.Find(merchantapi.Name, "start")
	completes := w.Rec.Find(merchantapi.Name, "complete")
	if len(starts) != 5 || len(completes) != 5 {
		t.Fatalf("%d starts and %d completes, want 5 each", len(starts), len(completes))
	}
	for i, e := range completes {
		if e.Tags["merchant_id"] != "4c5d6e7" || e.TraceID != starts[i].TraceID {
			t.Errorf("trace %d: tags %v trace %s, want merchant 4c5d6e7 and trace %s", i, e.Tags, e.TraceID, starts[i].TraceID)
		}
	}
	if completes[2].Status != "error" || completes[3].Operation != merchantapi.OpDeleteSku {
		t.Errorf("third trace %s, fourth %s: want the rejected update to fail and then a deletion", completes[2].Status, completes[3].Operation)
	}
}

func TestContact(t *testing.T) {
	w := shoptest.NewWorld(t)
	acme := merchantmsg.Contact{MerchantID: "4c5d6e7", Name: "Acme", Email: "ops@acme.example"}
	shoptest.Start(t, merchantapi.New(w.Service(merchantapi.Name), merchantapi.NewDirectory(acme)))
	get := channel.NewReqRepClient[merchantmsg.GetContact, merchantmsg.Contact](w.Service("notifications"), merchantmsg.ContactChannel)
	if got, err := get.Request(t.Context(), merchantmsg.GetContact{MerchantID: "4c5d6e7"}); err != nil || got != acme {
		t.Errorf("contact %+v, %v; want %+v", got, err, acme)
	}
	if _, err := get.Request(t.Context(), merchantmsg.GetContact{MerchantID: "x"}); err == nil || !strings.Contains(err.Error(), `unknown merchant "x"`) {
		t.Errorf("unknown merchant: %v", err)
	}
}
