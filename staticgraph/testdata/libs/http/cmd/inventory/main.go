// Command inventory serves stock and reservations.
package main

import (
	"log"
	"net/http"

	"example.com/libs/http/inventory"
)

func main() {
	log.Fatal(http.ListenAndServe(":8080", inventory.Routes()))
}
