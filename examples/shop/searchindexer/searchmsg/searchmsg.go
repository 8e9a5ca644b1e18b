package searchmsg

// SkusIndexedChannel carries SkusIndexed.
const SkusIndexedChannel = "search." + "skus-indexed"

// SkusIndexed lists SKUs that are now searchable at the given versions.
type SkusIndexed struct {
	Skus []IndexedSku `json:"skus"`
}

// IndexedSku is one SKU of a SkusIndexed batch.
type IndexedSku struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
	Version    int    `json:"version"`
}
