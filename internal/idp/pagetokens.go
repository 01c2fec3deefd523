package idp

import (
	"crypto/hmac"
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
// So the tokens of the directory's lists carry a MAC, under the server's
// secret, of what they list (the pool, and the filter or the group) and of
// the position: a token of another request, or one Ninshou did not make, is
// refused like a malformed one. (The store's queries stay within the
// requested pool whatever a token says.)

// boundToken is the pagination token of cursor for the request scope.
func (s *Service) boundToken(scope, cursor string) string {
	if cursor == "" {
		return ""
	}
	return cursor + "." + s.pageMAC(scope, cursor)
}

// boundPage takes the store's cursor out of page's token for the request
// scope, or answers that the token is invalid.
func (s *Service) boundPage(scope string, page store.Page) (store.Page, error) {
	if page.After == "" {
		return page, nil
	}
	i := strings.LastIndexByte(page.After, '.')
	if i <= 0 || !hmac.Equal([]byte(page.After[i+1:]), []byte(s.pageMAC(scope, page.After[:i]))) {
		return page, badPage(store.ErrBadCursor)
	}
	page.After = page.After[:i]
	return page, nil
}

func (s *Service) pageMAC(scope, cursor string) string {
	m := hmac.New(sha256.New, s.FakeSRPSecret)
	m.Write([]byte("pagination\x00" + scope + "\x00" + cursor))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}
