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
	// Everything else is the static site: a subtree that a request for
	// /stock/... is not sent to, since a more specific route serves it.
	mux.Handle("/", http.FileServer(http.Dir("static")))
	return mux
}

// Admin serves the inventory's admin API; the server mounts it below
// /admin with http.StripPrefix.
func Admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", health)
	return mux
}

func stock(w http.ResponseWriter, r *http.Request)   { w.Write([]byte(r.PathValue("sku"))) }
func reserve(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }
func release(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
func health(w http.ResponseWriter, r *http.Request)  { w.Write([]byte("ok")) }
