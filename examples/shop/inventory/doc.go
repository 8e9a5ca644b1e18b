// Package inventory is the inventory service: it keeps units on hand per
// SKU, applies the stock changes that come with SKU updates, and announces
// each adjustment or failed adjustment. With its debug tap on, it also copies
// failures to an operators' channel through the raw bus (see tap.go).
package inventory
