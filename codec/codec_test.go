package codec

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/converter"
)

type bid struct {
	PriceFen int64
	Proposal string
}

func TestSealedPayloadsHideContentAndRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	dc, err := DataConverter(key)
	if err != nil {
		t.Fatal(err)
	}
	in := bid{PriceFen: 42_000_000, Proposal: "技术方案：上门康复"}
	p, err := dc.ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Data, []byte("42000000")) || bytes.Contains(p.Data, []byte("上门康复")) {
		t.Fatal("the sealed payload shows the bid")
	}
	if string(p.Metadata[converter.MetadataEncoding]) != metaEncoding {
		t.Fatalf("metadata %v", p.Metadata)
	}
	var out bid
	if err := dc.FromPayload(p, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip: %+v", out)
	}
	// Another key cannot open it.
	other, _ := DataConverter(bytes.Repeat([]byte{8}, KeySize))
	if err := other.FromPayload(p, &out); err == nil || !strings.Contains(err.Error(), "key") {
		t.Fatalf("another key opened the payload: %v", err)
	}
	// A tampered payload is refused.
	p.Data[len(p.Data)-1] ^= 1
	if err := dc.FromPayload(p, &out); err == nil {
		t.Fatal("a tampered payload was accepted")
	}
}

func TestKeys(t *testing.T) {
	if _, err := ParseKey("abc"); err == nil {
		t.Fatal("short key accepted")
	}
	file := filepath.Join(t.TempDir(), "k", "payload.key")
	k1, err := LoadOrCreateKey(file)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKey(file)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("the key changed between runs: %v", err)
	}
	if _, err := New(k1[:16]); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}
