// Package notify delivers the messages of the persisted outbox
// (store.OutboxRepo): codes, invitations and temporary passwords by email
// and SMS (WebhookSender, SNSSender).
//
// The domain only enqueues a store.Message inside the transaction that
// created the code, so a message exists exactly when its code does. A
// Dispatcher (one per node; any number of nodes may share a store) claims
// due messages under a lease, so each is handled by one dispatcher at a
// time, and then for every message:
//
//  1. writes one log line with the recipient, subject, kind, pool and body
//     (LogSender) — on its first attempt only, whether or not a real
//     channel is configured. In local mode this line is how a developer
//     without a mail server reads the code; nothing else logs codes;
//  2. hands it to the Sender of its channel ("email": SMTPSender; "sms":
//     WebhookSender or SNSSender), if there is one; a channel without a
//     Sender is done once logged (the message stays readable in the outbox);
//  3. marks it sent, or failed with an exponential backoff, up to a final
//     attempt after which it stays "failed". An error wrapped by Permanent
//     (an SMTP 5xx reply) is final at once.
//
// Delivery is at least once: a node that dies between sending and marking
// leaves the message to be sent again when its lease runs out.
package notify
