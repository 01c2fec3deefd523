# Ninshou: the two commands that matter are `go run ./cmd/ninshou` and `make test`.
GO ?= go

.PHONY: test bench generate vet fmt

# Every test: unit, store conformance, crash durability, and the end-to-end
# scenarios with the AWS CLI and aws-sdk-go-v2 over real HTTP and SMTP.
test: vet
	$(GO) test -count=1 -timeout 20m ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

# Benchmarks (never timed tests): flows per second and latency percentiles.
bench:
	$(GO) run ./cmd/ninshou-bench

generate:
	$(GO) generate ./internal/cognitoapi
