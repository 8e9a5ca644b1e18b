package fxmsg

// RatesChannel is served by fx.
const RatesChannel = "fx.rates"

// GetRates asks for the rates from Base to each of Quotes.
type GetRates struct {
	Base   string   `json:"base"`
	Quotes []string `json:"quotes"`
}

// Rates answers GetRates: one unit of Base buys Rates[q] units of q.
type Rates struct {
	Base  string             `json:"base"`
	Rates map[string]float64 `json:"rates"`
}
