// Package primitives computes the cryptographic operations that dominate
// Ninshou's CPU: RSA PKCS #1 v1.5 SHA-256 signatures (two per token issue)
// and the modular exponentiations of SRP (one per password set, two per SRP
// sign-in).
//
// Where the process can load OpenSSL 3's libcrypto at run time (dlopen, so
// neither its headers nor a link-time dependency are needed), both go
// through it: on the 2-core benchmark machine it signs about three times
// faster than Go's crypto/rsa, and its exponentiation is constant-time in the
// secret exponent, where math/big's is not. Without cgo, without
// libcrypto.so.3, or with the backend set to "go", Go's own implementations
// are used. The two give byte-identical results: PKCS #1 v1.5 signatures are
// deterministic, and the package's tests compare them.
//
// argon2id, the password hash, goes through the reference library
// libargon2.so.1 on the same terms (Auto or OpenSSL, where it loads), else
// golang.org/x/crypto/argon2: the keys are the same, and the tests compare
// them. See Argon2ID for why.
package primitives
