// Package orders is the orders service's client side: it calls the
// inventory, payments and shipping services over plain HTTP.
package orders

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"example.com/libs/http/shipmsg"
)

const inventoryURL = "http://inventory:8080"

// Reservation is the body of POST /reservations.
type Reservation struct {
	SKU   string `json:"sku"`
	Count int    `json:"count"`
}

// Client calls the other services with one HTTP client.
type Client struct {
	HTTP *http.Client
}

// Stock asks the inventory for one SKU.
func (c *Client) Stock(sku string) (*http.Response, error) {
	return c.HTTP.Get(inventoryURL + "/stock/" + sku)
}

// StockByHost asks the inventory by the host Compose gives it.
func (c *Client) StockByHost(sku string) (*http.Response, error) {
	return c.HTTP.Get("http://stock-svc:8080/stock/" + sku)
}

// Reserve posts a reservation; the body's type is the request's message.
func (c *Client) Reserve(sku string, n int) (*http.Response, error) {
	b, err := json.Marshal(Reservation{SKU: sku, Count: n})
	if err != nil {
		return nil, err
	}
	return c.HTTP.Post(inventoryURL+"/reservations", "application/json", bytes.NewReader(b))
}

// Amend puts a changed reservation, encoded by a json.Encoder into a
// buffer: the body's type is the request's message.
func (c *Client) Amend(ctx context.Context, id string, r Reservation) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, inventoryURL+"/reservations/"+id, &buf)
	if err != nil {
		return err
	}
	_, err = c.HTTP.Do(req)
	return err
}

// Release deletes a reservation: a request made first and sent later.
func (c *Client) Release(ctx context.Context, id string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, inventoryURL+"/reservations/"+id, nil)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Charge calls the payments service at a base URL from the environment:
// the endpoint is not known, its default is a candidate.
func Charge(amount int) error {
	base := cmp.Or(os.Getenv("PAYMENTS_URL"), "http://payments:9000")
	_, err := http.Post(base+"/charges", "application/json", bytes.NewReader([]byte(fmt.Sprint(amount))))
	return err
}

// ChargeStatus calls payments at a constant host, through a route chi
// serves below r.Route("/charges", ...).
func ChargeStatus(id string) error {
	_, err := http.Get("http://payments:9000/charges/" + id)
	return err
}

// ChargeViaGateway reads a charge through the API gateway's /payments.
func ChargeViaGateway(id string) error {
	_, err := http.Get("http://gateway:8080/payments/charges/" + id)
	return err
}

// Ship posts a shipment to the shipping service, which tracegraph.yaml
// says is reached at shipping-svc:8000; the body is a shipping message.
func Ship(ctx context.Context, c *http.Client, orderID string) error {
	b, err := json.Marshal(&shipmsg.Shipment{OrderID: orderID})
	if err != nil {
		return err
	}
	req, err := http.NewRequest("POST", "http://shipping-svc:8000/shipments", bytes.NewBuffer(b))
	if err != nil {
		return err
	}
	_, err = c.Do(req.WithContext(ctx))
	return err
}

// Track reads a shipment through the gorilla subrouter's prefix.
func Track(c *http.Client, id string) error {
	_, err := c.Get(fmt.Sprintf("http://shipping-svc:8000/v2/shipments/%s", id))
	return err
}

// Legacy calls the old stock service: a host that is no service here, so
// the request is not paired with the inventory's route of the same path.
func Legacy(sku string) error {
	_, err := http.Get("http://legacy-stock:8080/stock/" + sku)
	return err
}

// Rates calls an outside API: a request to a host outside the system.
func Rates() error {
	_, err := http.Get("https://api.example.com/v1/rates?base=EUR")
	return err
}

// Find searches the stock with a query string: the query is no part of
// the route.
func Find(q string) error {
	_, err := http.Get(inventoryURL + "/stock/search?q=" + q)
	return err
}

// Home asks for the inventory's home page: "/", served by the static
// site's subtree.
func Home() error {
	_, err := http.Get(inventoryURL + "/")
	return err
}

// Metrics reads the admin API below its mount.
func Metrics() error {
	_, err := http.Get(inventoryURL + "/admin/metrics")
	return err
}

// Call sends a request whose method the caller chooses at run time: the
// endpoint is not known, not a request of every method.
func Call(method string) error {
	req, err := http.NewRequest(method, inventoryURL+"/reservations", nil)
	if err != nil {
		return err
	}
	_, err = http.DefaultClient.Do(req)
	return err
}

// Anything calls a path the code computes whole: not known.
func Anything(path string) error {
	_, err := http.Get(inventoryURL + "/" + path)
	return err
}
