// Command payments serves charges with chi: routes below r.Route, and an
// admin router mounted under /admin.
package main

import (
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
)

func main() {
	r := chi.NewRouter()
	r.Route("/charges", func(r chi.Router) {
		r.Post("/", create)
		r.Get("/{id:[0-9]+}", get)
	})
	r.Mount("/admin", admin())
	// chi takes a method in the pattern too.
	r.Handle("DELETE /charges/{id}", http.HandlerFunc(create))
	log.Fatal(http.ListenAndServe(":9000", r))
}

func admin() http.Handler {
	a := chi.NewRouter()
	a.Get("/status", status)
	return a
}

func create(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }
func get(w http.ResponseWriter, r *http.Request)    { w.Write([]byte(chi.URLParam(r, "id"))) }
func status(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }
