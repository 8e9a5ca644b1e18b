// Package orders calls the inventory over HTTP.
package orders

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

const inventory = "http://inventory:8080"

// Reservation is the body of POST /reservations.
type Reservation struct {
	SKU   string `json:"sku"`
	Count int    `json:"count"`
}

// Client is the orders service's client of the inventory.
type Client struct {
	HTTP *http.Client
}

// Stock asks for the stock of one SKU.
func (c *Client) Stock(ctx context.Context, sku string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, inventory+"/stock/"+sku, nil)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Reserve reserves n of a SKU.
func (c *Client) Reserve(ctx context.Context, sku string, n int) error {
	b, err := json.Marshal(Reservation{SKU: sku, Count: n})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inventory+"/reservations", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
