// Command shipping serves shipments with gorilla/mux: methods from
// .Methods, a v2 subrouter below PathPrefix.
package main

import (
	"log"
	"net/http"

	"github.com/gorilla/mux"
)

func main() {
	r := mux.NewRouter()
	r.HandleFunc("/shipments", create).Methods(http.MethodPost)
	v2 := r.PathPrefix("/v2").Subrouter()
	v2.HandleFunc("/shipments/{id}", get).Methods(http.MethodGet, http.MethodHead)
	// A route configured by a chain the pack does not follow: its
	// method is not known, so it is unresolved, not a route of any
	// method.
	v2.HandleFunc("/shipments/{id}", cancel).Name("cancel").Methods(http.MethodDelete)
	log.Fatal(http.ListenAndServe(":8000", r))
}

func create(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }
func get(w http.ResponseWriter, r *http.Request)    { w.Write([]byte(mux.Vars(r)["id"])) }
func cancel(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
