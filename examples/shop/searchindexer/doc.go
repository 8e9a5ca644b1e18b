// Package searchindexer is the search-indexer service: it gathers SKU and
// price changes into search documents and writes them to the index in
// batches. Each batch is its own trace, operation IndexSkus, and ends by
// telling the catalog which SKU versions are now searchable.
package searchindexer
