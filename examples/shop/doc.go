// Package shop is tracegraph's example system, the story of its seed: a
// merchant updates a SKU. Seven services (merchant-api, catalog, inventory,
// pricing, fx, search-indexer, notifications) talk over typed channels, by
// publish/subscribe and by request/reply; see README.md for the flows and
// the two gaps left in them on purpose.
//
// This package holds only the tests of the whole system and the committed
// events of one simulated run, regenerated with
//
//	go generate ./examples/shop
package shop

//go:generate go run ./cmd/simulate --seed 1 --updates 200 --out events.jsonl
