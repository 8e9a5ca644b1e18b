package inventory

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrInsufficientStock is wrapped by the error of an adjustment that would
// leave fewer than zero units on hand.
var ErrInsufficientStock = errors.New("insufficient stock")

// Store keeps units on hand. Implementations must be safe for concurrent
// use.
type Store interface {
	// Adjust changes a SKU's units on hand by delta and returns the result.
	Adjust(ctx context.Context, merchantID, sku string, delta int) (onHand int, err error)
}

type stockKey struct{ merchantID, sku string }

// MemoryStore is a Store in memory.
type MemoryStore struct {
	mu     sync.Mutex
	onHand map[stockKey]int
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{onHand: make(map[stockKey]int)}
}

// Set sets a SKU's units on hand, as a stock count does.
func (s *MemoryStore) Set(merchantID, sku string, onHand int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onHand[stockKey{merchantID, sku}] = onHand
}

// Adjust implements Store.
func (s *MemoryStore) Adjust(_ context.Context, merchantID, sku string, delta int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := stockKey{merchantID, sku}
	n := s.onHand[k] + delta
	if n < 0 {
		return s.onHand[k], fmt.Errorf("%w: %d on hand, %d requested", ErrInsufficientStock, s.onHand[k], -delta)
	}
	s.onHand[k] = n
	return n, nil
}
