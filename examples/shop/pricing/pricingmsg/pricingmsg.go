package pricingmsg

// PriceChangedChannel carries PriceChanged.
const PriceChangedChannel = "pricing.price-changed"

// PriceChanged gives a SKU's price in every marketplace currency.
type PriceChanged struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
	Version    int    `json:"version"`
	// Prices maps an ISO 4217 currency code to a price in minor units.
	Prices map[string]int64 `json:"prices"`
}
