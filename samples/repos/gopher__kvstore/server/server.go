// Package server exposes a store over HTTP: GET/PUT/DELETE /kv/{key}.
package server

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gopher/kvstore/internal/codec"
	kv "github.com/gopher/kvstore/store"
)

const maxValueBytes = 1 << 20

// Handler serves the key-value API for one store.
type Handler struct {
	Store kv.Store
	TTL   time.Duration
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/kv/")
	if key == "" || key == r.URL.Path {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		item, err := h.Store.Get(key)
		if errors.Is(err, kv.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		var expires int64
		if !item.ExpiresAt.IsZero() {
			expires = item.ExpiresAt.Unix()
		}
		body, err := codec.Encode(key, item.Value, expires)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	case http.MethodPut:
		value, err := io.ReadAll(io.LimitReader(r.Body, maxValueBytes))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.Store.Set(key, value, h.TTL)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		if err := h.Store.Delete(key); err != nil {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
