// Package tokens issues and verifies the JSON Web Tokens of a user pool, and
// owns the pool's signing keys.
//
// It is the domain side of Cognito's tokens: no HTTP, no wire shapes. The
// domain (authflow, sign-out, GetUser, ...) calls it inside a store
// transaction; the HTTP adapters serve the bytes that JWKS and Discovery
// return at /<poolId>/.well-known/jwks.json and
// /<poolId>/.well-known/openid-configuration.
//
// What it promises, after Cognito's guides
// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-with-identity-providers.html):
//
//   - ID and access tokens are compact JWS signed with RS256 under two
//     different RSA-2048 keys of the pool, one per token use. The protected
//     header is exactly {"kid":...,"alg":"RS256"}, and a kid is the standard
//     base64 of the SHA-256 of the public key's DER (44 characters, like
//     Cognito's).
//   - The claims are Cognito's: see IssueID and IssueAccess. exp - iat is the
//     validity the client configured.
//   - Keys live in the store (store.KeyRepo) so every node signs and verifies
//     with the same keyring. RotateKeys makes new active keys and keeps the
//     old ones verify-only and published in the JWKS, so tokens issued before
//     a rotation stay valid until they expire.
//   - VerifyAccess trusts nothing but its own keyring: RS256 only, the kid is
//     looked up among the keys of the pool named by a well-formed issuer of
//     this server, jku/x5u/jwk headers are ignored, token_use, exp and iat
//     are checked. Revocation (origin_jti families, global sign-out) is the
//     caller's job.
//   - Refresh tokens are opaque random handles shaped like Cognito's
//     five-segment JWE; only their SHA-256 is meant to be stored
//     (NewRefreshToken, HashRefreshToken). They carry no user state.
//
// Parsed private keys are cached by pool and kid: keys never change once
// created, so the cache never needs invalidating, only the store's list of
// keys (read once per call) decides which key is active.
package tokens
