package idp

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/ninshou/ninshou/internal/store"
)

// A pagination token continues the request that made it: "an identifier
// that you can present in an additional API request with the same
// parameters" (ListUsers' PaginationToken). Cognito refuses a token
// presented with other parameters (aws/aws-sdk-js#3705: a ListUsers token
// of a filtered request used without the filter is "invalid for request").
// So the tokens of the directory's lists carry a digest of what they list
// (the pool, and the filter or the group), and a token whose digest does
// not match, or that Ninshou did not make, is refused like a malformed one.

// boundToken is the pagination token of cursor for the request scope.
func boundToken(scope, cursor string) string {
	if cursor == "" {
		return ""
	}
	return cursor + "." + scopeDigest(scope)
}

// boundPage takes the store's cursor out of page's token for the request
// scope, or answers that the token is invalid.
func boundPage(scope string, page store.Page) (store.Page, error) {
	if page.After == "" {
		return page, nil
	}
	i := strings.LastIndexByte(page.After, '.')
	if i <= 0 || page.After[i+1:] != scopeDigest(scope) {
		return page, badPage(store.ErrBadCursor)
	}
	page.After = page.After[:i]
	return page, nil
}

func scopeDigest(scope string) string {
	h := sha256.Sum256([]byte(scope))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}
