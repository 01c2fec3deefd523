# Ninshou: the two commands that matter are `go run ./cmd/ninshou` and `make test`.
GO ?= go

.PHONY: test purego bench bench-profile generate vet fmt chromium

# Every test: unit, store conformance (SQLite and PostgreSQL), crash
# durability, and the end-to-end scenarios with the AWS CLI and aws-sdk-go-v2
# over real HTTP and SMTP, on SQLite and again on PostgreSQL
# (NINSHOU_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/test).
#
# The two end-to-end passes mostly wait (on subprocesses, sockets, fsync),
# so the PostgreSQL one runs alongside the first command: its output is
# kept aside and printed when both are done, and the target fails if either
# failed.
test: vet purego e2e/js/node_modules/.installed chromium
	@pg=$$(mktemp); \
	echo "NINSHOU_E2E_DB=postgres $(GO) test -count=1 -timeout 20m ./e2e  (alongside; its output follows the other's)"; \
	NINSHOU_E2E_DB=postgres $(GO) test -count=1 -timeout 20m ./e2e >"$$pg" 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; rm -f "$$pg"' EXIT INT TERM; \
	echo "$(GO) test -count=1 -timeout 20m ./..."; \
	$(GO) test -count=1 -timeout 20m ./...; all=$$?; \
	wait $$pid; postgres=$$?; \
	echo "== NINSHOU_E2E_DB=postgres $(GO) test -count=1 -timeout 20m ./e2e"; cat "$$pg"; \
	test $$all -eq 0 && test $$postgres -eq 0

# Chromium, for the real-browser passkey test (e2e/webauthn_browser_test.go):
# the distribution's package, installed when missing and we are root. Without
# it the test is skipped, loudly, or fails when CI is set.
chromium:
	@command -v chromium >/dev/null 2>&1 || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	echo "note: chromium is not installed; TestBrowserPasskey will not run (apt-get install -y chromium)"

# The JavaScript clients the e2e tests drive, pinned by the lockfile.
e2e/js/node_modules/.installed: e2e/js/package.json e2e/js/package-lock.json
	npm ci --prefix e2e/js --no-audit --no-fund --loglevel=error
	touch $@

# Without cgo (or without libcrypto.so.3) RSA signatures and SRP fall back
# to Go's own code: test that build of the packages that use them too.
purego:
	CGO_ENABLED=0 $(GO) test -count=1 ./internal/primitives ./internal/idp/tokens ./internal/idp/srp ./internal/idp/password

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

# Benchmarks (never timed tests): Ninshou as its own process beside
# moto_server and cognito-local (npm-installed into .cache/peers), the same
# workloads on each, loopback only; then the hash- and signature-bound
# workloads again at the standard cost, against the crypto floor measured in
# the same run. Writes docs/performance.md (its measured sections) and its
# charts. BENCH_SIZES=10000,100000,1000000 adds the million-user pool (its
# import takes minutes); BENCH_IMPORT_JOB=1000000 loads a million through a
# user import job; BENCH_ROUNDS=3 measures the floor and every target three
# times in turn and reports the median round with the ratios' range;
# BENCH_FLAGS adds anything else (--duration 5s, ...).
BENCH_SIZES ?= 10000,100000
# Users loaded through CreateUserImportJob (a CSV file), timed.
BENCH_IMPORT_JOB ?= 100000
BENCH_ROUNDS ?= 1
BENCH_FLAGS ?= --duration 20s
CRYPTO_WORKLOADS := password-signin,refresh,admin-create-user,new-password-flow,founding-flow
bench:
	$(GO) run ./cmd/ninshou-bench --ninshou process --peers --password-cost low \
		--sizes $(BENCH_SIZES) --import-job-users $(BENCH_IMPORT_JOB) --rounds $(BENCH_ROUNDS) \
		--doc docs/performance.md --json .cache/bench/low.json $(BENCH_FLAGS)
	$(GO) run ./cmd/ninshou-bench --ninshou process --password-cost standard --workloads $(CRYPTO_WORKLOADS) \
		--sizes "" --rounds $(BENCH_ROUNDS) --doc docs/performance.md --json .cache/bench/standard.json $(BENCH_FLAGS)

# CPU and allocation profiles of every workload at each concurrency, Ninshou
# in-process (low cost, 100,000 users): `go tool pprof -top
# .cache/bench/profiles/password-signin-c16.cpu.pprof`.
bench-profile:
	$(GO) run ./cmd/ninshou-bench --password-cost low --sizes 100000 --duration 5s \
		--profile-dir .cache/bench/profiles $(BENCH_FLAGS)

generate:
	$(GO) generate ./internal/cognitoapi
