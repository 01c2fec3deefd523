# Ninshou: the two commands that matter are `go run ./cmd/ninshou` and `make test`.
GO ?= go

.PHONY: test bench generate vet fmt

# Every test: unit, store conformance (SQLite and PostgreSQL), crash
# durability, and the end-to-end scenarios with the AWS CLI and aws-sdk-go-v2
# over real HTTP and SMTP, on SQLite and then again on PostgreSQL
# (NINSHOU_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/test).
test: vet e2e/js/node_modules/.installed
	$(GO) test -count=1 -timeout 20m ./...
	NINSHOU_E2E_DB=postgres $(GO) test -count=1 -timeout 20m ./e2e

# The JavaScript clients the e2e tests drive, pinned by the lockfile.
e2e/js/node_modules/.installed: e2e/js/package.json e2e/js/package-lock.json
	npm ci --prefix e2e/js --no-audit --no-fund --loglevel=error
	touch $@

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

# Benchmarks (never timed tests): flows per second and latency percentiles.
bench:
	$(GO) run ./cmd/ninshou-bench

generate:
	$(GO) generate ./internal/cognitoapi
