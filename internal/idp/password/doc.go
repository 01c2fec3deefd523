// Package password hashes and checks user passwords.
//
// Hashes are argon2id (RFC 9106) in the PHC string format
//
//	$argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<key>
//
// with unpadded standard base64, a 16-byte random salt and a 32-byte key.
// Verify takes the parameters from the stored string, so hashes made under
// one cost profile keep verifying after the profile changes; it refuses
// parameters outside sane bounds instead of allocating what a corrupted or
// hostile row asks for. DummyVerify spends the same time for unknown users,
// so response times do not reveal which usernames exist.
//
// Policy implements a user pool's password policy with Cognito's character
// classes and error texts (research/cognito-semantics.md §10.1), and
// Generate makes temporary passwords that satisfy one.
//
// Parameter choice: Standard is OWASP's and ASVS 5.0's argon2id minimum
// (19 MiB, t=2, p=1; research/security.md §2.1). Low exists only so tests
// that create many users run fast; it must never serve real users.
package password
