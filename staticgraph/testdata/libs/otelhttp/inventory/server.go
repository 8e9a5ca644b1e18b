// Package inventory serves stock and reservations over HTTP.
package inventory

import (
	"encoding/json"
	"net/http"
)

// Routes returns the inventory's handler, routed by Go 1.22 patterns.
func Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock/{sku}", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"sku": r.PathValue("sku"), "count": 3})
	})
	mux.HandleFunc("POST /reservations", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	return mux
}
