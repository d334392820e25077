// Package store defines the key-value store interface and its errors.
package store

import (
	"errors"
	"time"
)

// ErrNotFound is returned for missing or expired keys.
var ErrNotFound = errors.New("store: key not found")

// Item is a stored value with its optional expiry time.
type Item struct {
	Value     []byte
	ExpiresAt time.Time
}

// Expired reports whether the item's TTL has passed at time now.
func (it Item) Expired(now time.Time) bool {
	return !it.ExpiresAt.IsZero() && now.After(it.ExpiresAt)
}

// Store is implemented by every backend.
type Store interface {
	Get(key string) (Item, error)
	Set(key string, value []byte, ttl time.Duration) error
	Delete(key string) error
	Len() int
}
