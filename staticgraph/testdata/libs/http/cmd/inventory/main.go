// Command inventory serves stock and reservations.
package main

import (
	"log"
	"net/http"

	"example.com/libs/http/inventory"
)

func main() {
	mux := http.NewServeMux()
	mux.Handle("/", inventory.Routes())
	mux.Handle("/admin/", http.StripPrefix("/admin", inventory.Admin()))
	log.Fatal(http.ListenAndServe(":8080", mux))
}
