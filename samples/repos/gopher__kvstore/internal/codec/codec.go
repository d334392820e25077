// Package codec encodes stored values for the wire.
package codec

import (
	"encoding/base64"
	"encoding/json"
	"errors"
)

// ErrEmpty is returned when decoding an empty payload.
var ErrEmpty = errors.New("codec: empty payload")

// Envelope is what the HTTP API sends for one key.
type Envelope struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Expires int64  `json:"expires,omitempty"`
}

// Encode wraps raw bytes as base64 inside a JSON envelope.
func Encode(key string, value []byte, expires int64) ([]byte, error) {
	return json.Marshal(Envelope{
		Key:     key,
		Value:   base64.StdEncoding.EncodeToString(value),
		Expires: expires,
	})
}

// Decode is the inverse of Encode.
func Decode(payload []byte) (Envelope, []byte, error) {
	if len(payload) == 0 {
		return Envelope{}, nil, ErrEmpty
	}
	var env Envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		return Envelope{}, nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(env.Value)
	return env, raw, err
}
