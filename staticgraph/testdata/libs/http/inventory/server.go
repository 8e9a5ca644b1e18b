// Package inventory serves the inventory's HTTP API with Go 1.22 ServeMux
// patterns.
package inventory

import "net/http"

// Routes returns the inventory's handler.
func Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock/{sku}", stock)
	mux.HandleFunc("POST /reservations", reserve)
	mux.HandleFunc("DELETE /reservations/{id}", release)
	mux.HandleFunc("PUT /reservations/{id}", reserve)
	mux.Handle("/healthz", http.HandlerFunc(health))
	return mux
}

func stock(w http.ResponseWriter, r *http.Request)   { w.Write([]byte(r.PathValue("sku"))) }
func reserve(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }
func release(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
func health(w http.ResponseWriter, r *http.Request)  { w.Write([]byte("ok")) }
