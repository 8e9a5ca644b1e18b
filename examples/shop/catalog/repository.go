package catalog

import (
	"context"
	"sync"
)

// Sku is the catalog's record of one merchant's SKU.
type Sku struct {
	MerchantID string
	SKU        string
	Title      string
	PriceCents int64
	Currency   string
	// Version counts accepted changes, starting at 1.
	Version int
	// IndexedVersion is the latest version the search index holds.
	IndexedVersion int
}

// Repository stores SKUs. Implementations must be safe for concurrent use.
type Repository interface {
	// Save stores s as the next version of its SKU and returns that version.
	Save(ctx context.Context, s Sku) (int, error)
	// Delete removes a SKU and returns the version it had; found is false
	// when there was none.
	Delete(ctx context.Context, merchantID, sku string) (version int, found bool, err error)
	// MarkIndexed records that version of a SKU is searchable.
	MarkIndexed(ctx context.Context, merchantID, sku string, version int) error
}

type skuKey struct{ merchantID, sku string }

// MemoryRepository is a Repository in memory.
type MemoryRepository struct {
	mu   sync.Mutex
	skus map[skuKey]Sku
}

// NewMemoryRepository returns an empty MemoryRepository.
func NewMemoryRepository() *MemoryRepository {
	return &MemoryRepository{skus: make(map[skuKey]Sku)}
}

// Save implements Repository.
func (r *MemoryRepository) Save(_ context.Context, s Sku) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := skuKey{s.MerchantID, s.SKU}
	old := r.skus[k]
	s.Version = old.Version + 1
	s.IndexedVersion = old.IndexedVersion
	r.skus[k] = s
	return s.Version, nil
}

// Delete implements Repository.
func (r *MemoryRepository) Delete(_ context.Context, merchantID, sku string) (int, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := skuKey{merchantID, sku}
	old, ok := r.skus[k]
	delete(r.skus, k)
	return old.Version, ok, nil
}

// MarkIndexed implements Repository. A SKU deleted since it was indexed
// stays deleted, and an older version never overwrites a newer one: index
// batches can arrive late.
func (r *MemoryRepository) MarkIndexed(_ context.Context, merchantID, sku string, version int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := skuKey{merchantID, sku}
	s, ok := r.skus[k]
	if ok && version > s.IndexedVersion {
		s.IndexedVersion = version
		r.skus[k] = s
	}
	return nil
}

// Get returns a SKU and whether it exists.
func (r *MemoryRepository) Get(merchantID, sku string) (Sku, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.skus[skuKey{merchantID, sku}]
	return s, ok
}
