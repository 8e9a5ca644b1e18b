// Package searchmsg is the search indexer's public contract: the event it
// publishes when a batch of SKUs becomes searchable.
package searchmsg
