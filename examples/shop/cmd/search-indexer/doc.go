// Command search-indexer runs the shop's search indexer.
package main
