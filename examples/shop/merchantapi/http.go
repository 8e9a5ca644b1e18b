package merchantapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/tracegraph/tracegraph/examples/shop/catalog/catalogmsg"
)

// maxBody bounds a request body: an update is a few hundred bytes.
const maxBody = 64 << 10

// skuBody is the JSON body of PUT /merchants/{merchant}/skus/{sku}.
type skuBody struct {
	Title      string `json:"title"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	StockDelta int    `json:"stock_delta"`
}

// Handler serves the merchants' HTTP API:
//
//	PUT    /merchants/{merchant}/skus/{sku}   body {"title","price_cents","currency","stock_delta"}
//	DELETE /merchants/{merchant}/skus/{sku}
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /merchants/{merchant}/skus/{sku}", a.putSku)
	mux.HandleFunc("DELETE /merchants/{merchant}/skus/{sku}", a.deleteSku)
	return mux
}

func (a *API) putSku(w http.ResponseWriter, r *http.Request) {
	var b skuBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		http.Error(w, fmt.Sprintf("bad request body: %v", err), http.StatusBadRequest)
		return
	}
	rep, err := a.UpdateSku(r.Context(), catalogmsg.UpdateSku{
		MerchantID: r.PathValue("merchant"), SKU: r.PathValue("sku"), Title: b.Title,
		PriceCents: b.PriceCents, Currency: b.Currency, StockDelta: b.StockDelta,
	})
	reply(w, rep, err)
}

func (a *API) deleteSku(w http.ResponseWriter, r *http.Request) {
	rep, err := a.DeleteSku(r.Context(), catalogmsg.DeleteSku{MerchantID: r.PathValue("merchant"), SKU: r.PathValue("sku")})
	reply(w, rep, err)
}

func reply(w http.ResponseWriter, rep any, err error) {
	switch {
	case errors.Is(err, ErrUnknownMerchant):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		// The catalog's own errors cross the bus as text, so a rejected update
		// and a broken catalog look alike here.
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rep)
}
