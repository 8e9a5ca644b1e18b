package catalogmsg

// Channels. The SKU events share a prefix so that a subscriber to every SKU
// event (sku.>) on NATS sees them all.
const (
	skuPrefix = "sku."

	// UpdateSkuChannel is served by the catalog: create or change a SKU.
	UpdateSkuChannel = "catalog.update-sku"
	// DeleteSkuChannel is served by the catalog: withdraw a SKU.
	DeleteSkuChannel = "catalog.delete-sku"
	// SkuUpdatedChannel carries SkuUpdated after every accepted update.
	SkuUpdatedChannel = skuPrefix + "updated"
	// SkuDeletedChannel carries SkuDeleted after a SKU is withdrawn.
	SkuDeletedChannel = skuPrefix + "deleted"
)

// UpdateSku asks the catalog to create or change a merchant's SKU.
type UpdateSku struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
	Title      string `json:"title"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	// StockDelta is the change in units on hand the merchant reports with
	// the update (a delivery is positive, a write-off negative).
	StockDelta int `json:"stock_delta"`
}

// UpdateSkuReply is the catalog's answer to UpdateSku.
type UpdateSkuReply struct {
	SKU      string `json:"sku"`
	Version  int    `json:"version"`
	Accepted bool   `json:"accepted"`
}

// DeleteSku asks the catalog to withdraw a SKU.
type DeleteSku struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
}

// DeleteSkuReply is the catalog's answer to DeleteSku.
type DeleteSkuReply struct {
	SKU     string `json:"sku"`
	Deleted bool   `json:"deleted"`
}

// SkuUpdated says a SKU changed; consumers bring their own view up to date.
type SkuUpdated struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
	Version    int    `json:"version"`
	Title      string `json:"title"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	StockDelta int    `json:"stock_delta"`
}

// SkuDeleted says a SKU was withdrawn.
type SkuDeleted struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
	Version    int    `json:"version"`
}
