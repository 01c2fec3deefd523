// Package srp implements the SRP-6a variant that Amazon Cognito user pools
// speak (USER_SRP_AUTH, PASSWORD_VERIFIER, DEVICE_SRP_AUTH and
// DEVICE_PASSWORD_VERIFIER), bit for bit as amazon-cognito-identity-js,
// Amplify and pycognito compute it, plus the small pieces of cryptography the
// server needs around it. It is pure math: no store, no HTTP, no clock.
//
// Protocol (research/cognito-semantics.md §7):
//
//	group  RFC 5054 3072-bit N, g = 2, k = H(PadHex(N) || PadHex(g)), H = SHA-256
//	x      H(PadHex(salt) || H(poolName + userID + ":" + password))
//	v      g^x mod N                                  (Verifier, DeviceVerifier)
//	B      (k·v + g^b) mod N                          (NewChallenge)
//	u      H(PadHex(A) || PadHex(B))
//	S      server (A·v^u)^b mod N, client (B − k·g^x)^(a + u·x) mod N
//	K      HKDF-SHA256(ikm PadHex(S), salt PadHex(u), "Caldera Derived Key", 16)
//	claim  HMAC-SHA256(K, poolName || userID || SECRET_BLOCK bytes || TIMESTAMP)
//
// poolName is the user-pool ID without its region prefix; userID is
// USER_ID_FOR_SRP (the real username). Device SRP uses the same math with the
// DeviceGroupKey in place of poolName and the DeviceKey in place of userID.
//
// Big integers travel on the wire as unpadded lower-case hex (Hex); inside
// hashes they are PadHex bytes. Salts are handled as integers throughout
// (SaltHex, ParseSaltHex), so a salt whose first byte is zero keeps working.
//
// Around the protocol:
//
//   - ParseA bounds the client's SRP_A before any arithmetic and rejects
//     0 and values ≥ N.
//   - Challenge.MarshalBinary serialises the server's ephemeral state (it
//     contains the secret b: seal it before it leaves the process).
//   - Sealer is AES-256-GCM under a key kept outside the database, for SRP
//     verifiers (research/security.md §4.1): a database copy alone then does
//     not allow an offline dictionary attack against v.
//   - FakeSalt, FakeUserID and FakeVerifier let the server answer USER_SRP_AUTH
//     for unknown users with a stable, real-looking challenge when
//     PreventUserExistenceErrors is ENABLED (§7.5).
//   - Client is the client side, for tests and command-line sign-in.
//
// math/big is not constant-time. The secrets exponentiated here (b, and the
// client's a) are fresh per sign-in, and the long-term verifier is only ever
// used as a base, which is the usual trade-off for SRP servers in Go.
package srp
