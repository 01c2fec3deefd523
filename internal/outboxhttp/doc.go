// Package outboxhttp serves the message outbox as JSON, for local mode:
// tests and developers read the codes, links and temporary passwords that
// Ninshou "sent" without a mail server. internal/app mounts Handler at
// /_ninshou/outbox only when --outbox is on (by default, when listening on
// a loopback address), because every message body is a secret.
//
//	GET /_ninshou/outbox?after=<id>&limit=<n>&to=<recipient>
//
//	{"messages":[{"id":1,"pool_id":"us-east-1_abc","channel":"email",
//	  "to":"kim@example.com","from":"no-reply@verificationemail.com",
//	  "subject":"Your verification code","body":"Your verification code is 123456. ",
//	  "kind":"signup","created_at":"2026-01-02T03:04:05Z","state":"sent"}]}
//
// Messages come oldest first. after (default 0) returns only messages with a
// greater id, so a poller passes the last id it saw; limit defaults to 100
// and may be at most 1000; to keeps only messages to exactly that
// recipient. A bad parameter is a 400 with {"error":"..."}.
package outboxhttp
