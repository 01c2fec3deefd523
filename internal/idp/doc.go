// Package idp is Ninshou's domain: user pools, app clients, users and the
// sign-in state machine, with Cognito's rules. It knows nothing of HTTP, JSON
// wire shapes or SQL: adapters call it, and it talks to storage only through
// the store interfaces.
package idp
