package feeds

import (
	"encoding/binary"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// TestDigestByteStream pins what Digest hashes: stored content hashes depend
// on it, so a change here would mark every stored story as edited.
func TestDigestByteStream(t *testing.T) {
	var want []byte
	want = binary.BigEndian.AppendUint64(want, uint64(len("Hà Giang")))
	want = append(want, "Hà Giang"...)
	want = binary.BigEndian.AppendUint64(want, 482133)
	want = binary.BigEndian.AppendUint64(want, 0)

	d := NewDigest()
	d.String("Hà Giang")
	d.Int(482133)
	d.String("")
	if got := d.Sum64(); got != xxhash.Sum64(want) {
		t.Fatalf("Digest = %x, want %x", got, xxhash.Sum64(want))
	}
}
