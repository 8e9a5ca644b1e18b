// Command inventory serves the inventory, traced by otelhttp.
package main

import (
	"log"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"example.com/libs/otelhttp/inventory"
)

func main() {
	log.Fatal(http.ListenAndServe(":8080", otelhttp.NewHandler(inventory.Routes(), "inventory")))
}
