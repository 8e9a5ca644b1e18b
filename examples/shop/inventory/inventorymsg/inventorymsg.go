package inventorymsg

import "strings"

const prefix = "inventory."

// Channels.
const (
	// StockAdjustedChannel carries StockAdjusted.
	StockAdjustedChannel = prefix + "stock-adjusted"
	// StockAdjustFailedChannel carries StockAdjustFailed.
	StockAdjustFailedChannel = prefix + "stock-adjust-failed"
)

// StockAdjusted says a SKU's units on hand changed.
type StockAdjusted struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
	Delta      int    `json:"delta"`
	OnHand     int    `json:"on_hand"`
}

// StockAdjustFailed says a SKU's stock could not be adjusted, and why.
type StockAdjustFailed struct {
	MerchantID string `json:"merchant_id"`
	SKU        string `json:"sku"`
	Delta      int    `json:"delta"`
	Reason     string `json:"reason"`
}

// KindStockAdjustFailed names the StockAdjustFailed debug tap.
const KindStockAdjustFailed = "StockAdjustFailed"

// DebugChannel is the channel of the inventory's debug tap for events of
// the given kind. Debug taps are for operators: they are not part of the
// contract, carry copies of events already published on the channels above,
// and may change or disappear without notice.
func DebugChannel(kind string) string {
	return "debug." + strings.ToLower(kind)
}
