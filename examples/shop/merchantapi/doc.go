// Package merchantapi is merchant-api, the merchants' way in: each SKU
// update or deletion a merchant makes over HTTP starts a trace (operation
// UpdateSku or DeleteSku, tagged with the merchant id) and is passed to the
// catalog. It also tells other services how to reach a merchant.
package merchantapi
