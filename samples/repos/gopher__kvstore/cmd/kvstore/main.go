// Command kvstore runs the key-value HTTP server.
package main

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/gopher/kvstore/server"
	"github.com/gopher/kvstore/store"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	ttl := flag.Duration("ttl", 0, "default time-to-live for keys (0 = forever)")
	flag.Parse()

	mem := store.NewMemory()
	go func() {
		for range time.Tick(time.Minute) {
			if n := mem.Sweep(); n > 0 {
				log.Printf("swept %d expired keys", n)
			}
		}
	}()

	mux := http.NewServeMux()
	mux.Handle("/kv/", &server.Handler{Store: mem, TTL: *ttl})
	log.Printf("kvstore %s listening on %s", uuid.NewString()[:8], *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
