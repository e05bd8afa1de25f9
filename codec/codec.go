// Package codec owns the encryption of everything zhucan hands to
// Temporal: workflow inputs, Update arguments, Query results and activity
// payloads are sealed with AES-256-GCM before they leave the process, so
// that Temporal's history and web UI never show a bid's price or content
// (sealed bids) or anyone's personal data. Only processes holding the key
// (the API and the worker) can read them.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

const (
	// metaEncoding marks an encrypted payload.
	metaEncoding = "binary/encrypted"
	// metaKeyID names the key that sealed a payload (a hash prefix, not the key).
	metaKeyID = "encryption-key-id"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// Codec encrypts and decrypts payloads with one key.
type Codec struct {
	aead  cipher.AEAD
	keyID string
}

// New returns a codec for a 32-byte key.
func New(key []byte) (*Codec, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("payload key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("payload cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("payload cipher: %w", err)
	}
	sum := sha256.Sum256(key)
	return &Codec{aead: aead, keyID: hex.EncodeToString(sum[:4])}, nil
}

// ParseKey reads a key written as 64 hexadecimal digits.
func ParseKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("ZHUCAN_PAYLOAD_KEY must be %d hexadecimal digits (openssl rand -hex %d)", 2*KeySize, KeySize)
	}
	return key, nil
}

// LoadOrCreateKey reads the key kept in file, creating it (mode 0600) with
// a random key the first time. The development stack uses it; production
// passes ZHUCAN_PAYLOAD_KEY from its secret store.
func LoadOrCreateKey(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err == nil {
		return ParseKey(string(b))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read payload key %s: %w", file, err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate payload key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(file), err)
	}
	if err := os.WriteFile(file, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write payload key %s: %w", file, err)
	}
	return key, nil
}

// Encode seals each payload.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encode payload: %w", err)
		}
		nonce := make([]byte, c.aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encode payload: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(metaEncoding),
				metaKeyID:                  []byte(c.keyID),
			},
			Data: c.aead.Seal(nonce, nonce, plain, nil),
		}
	}
	return out, nil
}

// Decode opens each sealed payload; payloads that are not sealed pass as they are.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != metaEncoding {
			out[i] = p
			continue
		}
		if id := string(p.GetMetadata()[metaKeyID]); id != c.keyID {
			return nil, fmt.Errorf("payload sealed with key %s, this process holds key %s", id, c.keyID)
		}
		ns := c.aead.NonceSize()
		if len(p.Data) < ns {
			return nil, errors.New("decode payload: too short")
		}
		plain, err := c.aead.Open(nil, p.Data[:ns], p.Data[ns:], nil)
		if err != nil {
			return nil, fmt.Errorf("decode payload: %w", err)
		}
		var dec commonpb.Payload
		if err := proto.Unmarshal(plain, &dec); err != nil {
			return nil, fmt.Errorf("decode payload: %w", err)
		}
		out[i] = &dec
	}
	return out, nil
}

// DataConverter is Temporal's default converter with every payload sealed.
func DataConverter(key []byte) (converter.DataConverter, error) {
	c, err := New(key)
	if err != nil {
		return nil, err
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c), nil
}

// ConnectionOptions are the Temporal client connection options that go
// with sealed payloads: no gRPC compression. What travels is mostly
// ciphertext, which does not compress, and gzip on every request and
// response costs CPU in both the client and the server (compress/flate
// stood among the worker's and API's top functions under load; the whole
// stack used about 5 % less CPU without it).
func ConnectionOptions() client.ConnectionOptions {
	return client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}
}
