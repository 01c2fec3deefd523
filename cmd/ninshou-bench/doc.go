// Command ninshou-bench is a load generator for the Cognito User Pools API.
// It measures operations per second and per-operation latency (p50, p90, p99,
// max) of whole sign-in flows, as a client sees them over HTTP. It is a
// benchmark to read, never a test that passes or fails on timing; it exits
// non-zero only when a workload cannot be set up or more than 1% of its
// operations fail.
//
//	make bench                                   # both workloads, concurrency 1 and 16, standard cost
//	go run ./cmd/ninshou-bench --password-cost low --duration 2s
//	go run ./cmd/ninshou-bench --target http://127.0.0.1:9229 --json bench.json
//
// By default it starts Ninshou in its own process (internal/app on a
// loopback port, store in a temporary directory) and reports, beside the
// numbers, the time from start until GET /health answered 200, the argon2id
// parameters in force, and the process RSS. Because the load generator and
// the server then share one process, the RSS includes the generator (a few
// MiB) and both compete for the same CPUs, as they would on one machine
// anyway. --target [name=]URL instead drives a server that is already
// running (repeatable, loopback only); the workloads run against each target
// in turn, so other Cognito emulators can be measured in the same run.
//
// The client is plain net/http with keep-alive: hand-built JSON bodies with
// X-Amz-Target: AWSCognitoIdentityProviderService.<Op> and Content-Type:
// application/x-amz-json-1.1. Operations that AWS signs (the Admin* and
// pool-management ones) carry a real SigV4 signature with the credentials
// local/local, made by the AWS SDK's signer; InitiateAuth and
// RespondToAuthChallenge are sent unsigned, as the SDKs do.
//
// # Workloads
//
// Each workload creates its own pool, app client and users through the API
// before the timed window, checks that one operation succeeds, then runs
// each concurrency level for --duration or --max-ops operations, whichever
// comes first. An operation that fails is counted, the first few are
// printed, and its latency is left out of the percentiles. A target that
// lacks what a workload needs (an operation, the outbox, ListUsers paging)
// shows it as n/a, with the reason, rather than as a failure.
//
// On every target the usernames are email addresses, each user's own
// email (signin-0000042-<tag>@bench.example.com), because cognito-local
// accepts no other username by default. With --peers, cognito-local runs
// with UserPoolDefaults.UsernameAttributes [] in its .cognito/config.json,
// so that its pools, like Ninshou's and moto's, are the plain-username
// pools CreateUserPool asks for.
//
// password-signin: one operation is one InitiateAuth USER_PASSWORD_AUTH
// that returns tokens, for a CONFIRMED user with a permanent password
// (AdminSetUserPassword Permanent=true) in a pool with MFA OFF. The users
// (--users, default 64) are taken round-robin so that one user's lockout
// bookkeeping is not what is measured. The cost is dominated by one argon2id
// verification, one store transaction and signing an ID and an access token.
//
// founding-flow: one operation is the whole founding scenario for a new,
// unique user in a pool with MFA ON by email: AdminCreateUser (SUPPRESS, email
// and email_verified) -> AdminSetUserPassword (temporary) -> InitiateAuth
// (NEW_PASSWORD_REQUIRED) -> RespondToAuthChallenge NEW_PASSWORD_REQUIRED
// (EMAIL_OTP) -> read the code from GET /_ninshou/outbox?to=<email> ->
// RespondToAuthChallenge EMAIL_OTP_CODE -> tokens. That is six API calls,
// at least one outbox read, and three argon2id computations (hash the
// temporary password, verify it, hash the new one). The outbox is polled
// with after=<highest message id seen before the code was requested>, so a
// poll reads only the recent messages however long the run is.
//
// # Bulk loading
//
// --sizes loads Ninshou's directory pools with `ninshou import` (the export
// format). --import-job-users N also loads a fresh Ninshou with N users
// through Cognito's own bulk path, a user import job: GetCSVHeader,
// CreateUserImportJob, the CSV file PUT to its PreSignedUrl,
// StartUserImportJob, then DescribeUserImportJob until Succeeded; the time
// is from the upload to Succeeded.
package main
