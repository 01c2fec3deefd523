package idp

import (
	"fmt"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// A client stored before secrets could rotate holds its secret alone; read
// back, it has that one secret, named after the client's creation.
func TestClientWithOneStoredSecretReadsAsOne(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	c, err := clientFromRecord(&store.Client{ID: "abc123", PoolID: "us-east-1_x", CreatedAt: created,
		Settings: []byte(`{"secret":"s3cret-value-of-some-length","refresh_validity":30}`)})
	if err != nil {
		t.Fatal(err)
	}
	want := []ClientSecret{{ID: "abc123--1767323045006", Value: "s3cret-value-of-some-length", CreatedMillis: created.UnixMilli()}}
	if fmt.Sprint(c.Secrets) != fmt.Sprint(want) || c.Secret != want[0].Value {
		t.Errorf("secrets %+v (Secret %q), want %+v", c.Secrets, c.Secret, want)
	}
	if err := checkSecretHash(c, []string{"kim"}, ""); err == nil {
		t.Error("no SECRET_HASH accepted for a client with a secret")
	}
}
