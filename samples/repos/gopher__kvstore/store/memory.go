package store

import (
	"sync"
	"time"
)

// Memory is a Store kept in a map guarded by a RWMutex.
type Memory struct {
	mu    sync.RWMutex
	items map[string]Item
	now   func() time.Time
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{items: make(map[string]Item), now: time.Now}
}

func (m *Memory) Get(key string) (Item, error) {
	m.mu.RLock()
	item, ok := m.items[key]
	m.mu.RUnlock()
	if !ok || item.Expired(m.now()) {
		return Item{}, ErrNotFound
	}
	return item, nil
}

func (m *Memory) Set(key string, value []byte, ttl time.Duration) error {
	item := Item{Value: append([]byte(nil), value...)}
	if ttl > 0 {
		item.ExpiresAt = m.now().Add(ttl)
	}
	m.mu.Lock()
	m.items[key] = item
	m.mu.Unlock()
	return nil
}

func (m *Memory) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[key]; !ok {
		return ErrNotFound
	}
	delete(m.items, key)
	return nil
}

func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.items)
}

// Sweep removes expired items and returns how many were removed.
func (m *Memory) Sweep() int {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	removed := 0
	for key, item := range m.items {
		if item.Expired(now) {
			delete(m.items, key)
			removed++
		}
	}
	return removed
}
