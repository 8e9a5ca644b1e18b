package searchindexer

import (
	"context"
	"sync"
)

// Document is what the search index holds for one SKU.
type Document struct {
	MerchantID string
	SKU        string
	Version    int
	Title      string
	// Prices maps a currency code to a price in minor units.
	Prices map[string]int64
}

// Index is the search index. Implementations must be safe for concurrent
// use.
type Index interface {
	Put(ctx context.Context, doc Document) error
	Remove(ctx context.Context, merchantID, sku string) error
}

type docKey struct{ merchantID, sku string }

// MemoryIndex is an Index in memory.
type MemoryIndex struct {
	mu   sync.Mutex
	docs map[docKey]Document
}

// NewMemoryIndex returns an empty MemoryIndex.
func NewMemoryIndex() *MemoryIndex {
	return &MemoryIndex{docs: make(map[docKey]Document)}
}

// Put implements Index.
func (x *MemoryIndex) Put(_ context.Context, doc Document) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.docs[docKey{doc.MerchantID, doc.SKU}] = doc
	return nil
}

// Remove implements Index.
func (x *MemoryIndex) Remove(_ context.Context, merchantID, sku string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.docs, docKey{merchantID, sku})
	return nil
}
