// Package catalog is the catalog service: the system of record for SKUs.
// It serves updates and deletions from merchant-api, announces every change
// on the SKU channels, and marks SKUs searchable when the search indexer says
// they are.
package catalog
