package srp

import (
	"encoding/base64"
	"testing"
	"time"
)

func BenchmarkVerifier(b *testing.B) {
	salt := NewSalt(nil)
	for b.Loop() {
		Verifier("AbCdEf123", "johndoe", "P@ssw0rd!", salt)
	}
}

func BenchmarkNewChallenge(b *testing.B) {
	v := Verifier("AbCdEf123", "johndoe", "P@ssw0rd!", NewSalt(nil))
	for b.Loop() {
		if _, err := NewChallenge(v, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKey is the server's work at RespondToAuthChallenge.
func BenchmarkKey(b *testing.B) {
	v := Verifier("AbCdEf123", "johndoe", "P@ssw0rd!", NewSalt(nil))
	ch, _ := NewChallenge(v, nil)
	client, _ := NewClient(nil)
	A, _ := ParseA(client.A())
	for b.Loop() {
		if _, err := ch.Key(A, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignIn is the server's whole per-sign-in cost: parse A, B, K, check.
func BenchmarkSignIn(b *testing.B) {
	salt := NewSalt(nil)
	v := Verifier("AbCdEf123", "johndoe", "P@ssw0rd!", salt)
	client, _ := NewClient(nil)
	ch0, _ := NewChallenge(v, nil)
	block := []byte("block")
	ts, sig, _ := client.Claim("AbCdEf123", "johndoe", "P@ssw0rd!", SaltHex(salt), ch0.BHex(), base64.StdEncoding.EncodeToString(block), time.Now())
	for b.Loop() {
		A, _ := ParseA(client.A())
		ch, _ := NewChallenge(v, nil)
		K, _ := ch.Key(A, v)
		VerifyClaim(K, "AbCdEf123", "johndoe", block, ts, sig) // false: other B; same work
	}
}

// BenchmarkClientClaim is the client's cost (tests and `ninshou login`).
func BenchmarkClientClaim(b *testing.B) {
	salt := NewSalt(nil)
	v := Verifier("AbCdEf123", "johndoe", "P@ssw0rd!", salt)
	ch, _ := NewChallenge(v, nil)
	for b.Loop() {
		client, _ := NewClient(nil)
		if _, _, err := client.Claim("AbCdEf123", "johndoe", "P@ssw0rd!", SaltHex(salt), ch.BHex(), "YmxvY2s=", time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAHuge(b *testing.B) {
	huge := make([]byte, 10<<20)
	for i := range huge {
		huge[i] = 'f'
	}
	s := string(huge)
	for b.Loop() {
		ParseA(s)
	}
}
