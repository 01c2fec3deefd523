package idp

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ninshou/ninshou/internal/store"
)

func wantCode(t *testing.T, what string, err error, code Code) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

// Resource servers: created, read, paged, replaced and deleted; an
// identifier is unique in its pool, a pool has at most 25, and a client's
// AllowedOAuthScopes may name only standard scopes and those of the
// pool's resource servers.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
func TestResourceServers(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	p, err := svc.CreatePool(ctx, "apis", NewPoolSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.CreatePool(ctx, "other", NewPoolSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	api := ResourceServer{PoolID: p.ID, Identifier: "https://api.example.com/v1", Name: "Solar API",
		Scopes: []ResourceServerScope{{Name: "read", Description: "Read"}, {Name: "write", Description: "Write"}}}
	if _, err := svc.CreateResourceServer(ctx, api); err != nil {
		t.Fatal(err)
	}
	got, err := svc.DescribeResourceServer(ctx, p.ID, api.Identifier)
	if err != nil || fmt.Sprint(*got) != fmt.Sprint(api) {
		t.Errorf("DescribeResourceServer = %+v, %v; want %+v", got, err, api)
	}
	_, err = svc.CreateResourceServer(ctx, api)
	wantCode(t, "the same identifier again", err, InvalidParameterException)
	// The same identifier in another pool is another resource server.
	if _, err := svc.CreateResourceServer(ctx, ResourceServer{PoolID: other.ID, Identifier: api.Identifier, Name: "x"}); err != nil {
		t.Errorf("the same identifier in another pool: %v", err)
	}
	dup := ResourceServer{PoolID: p.ID, Identifier: "dup", Name: "d",
		Scopes: []ResourceServerScope{{Name: "a", Description: "1"}, {Name: "a", Description: "2"}}}
	_, err = svc.CreateResourceServer(ctx, dup)
	wantCode(t, "two scopes of one name", err, InvalidParameterException)
	_, err = svc.CreateResourceServer(ctx, ResourceServer{PoolID: "us-east-1_nope", Identifier: "x", Name: "x"})
	wantCode(t, "in a missing pool", err, ResourceNotFoundException)
	_, err = svc.DescribeResourceServer(ctx, p.ID, "nope")
	wantCode(t, "Describe a missing one", err, ResourceNotFoundException)

	// Clients: standard scopes and the server's own; a scope it lacks, or
	// another pool's server, is ScopeDoesNotExistException.
	in := ClientInput{Name: "m2m", ClientSettings: NewClientSettings()}
	in.AllowedOAuthScopes = []string{"openid", "aws.cognito.signin.user.admin", api.Identifier + "/read"}
	c, err := svc.CreateClient(ctx, p.ID, in)
	if err != nil {
		t.Fatalf("a client with the server's scope: %v", err)
	}
	for _, scope := range []string{api.Identifier + "/delete", "https://api.example.com/read", "read", "Cognito", "/read"} {
		in.AllowedOAuthScopes = []string{"email", scope}
		_, err := svc.CreateClient(ctx, p.ID, in)
		wantCode(t, "a client with the scope "+scope, err, ScopeDoesNotExistException)
		_, err = svc.UpdateClient(ctx, p.ID, c.ID, in)
		wantCode(t, "a client updated to the scope "+scope, err, ScopeDoesNotExistException)
	}
	in.AllowedOAuthScopes = []string{api.Identifier + "/write"}
	if _, err := svc.CreateClient(ctx, other.ID, in); err == nil {
		t.Error("a client of another pool took this pool's scope")
	}

	// Update replaces name and scopes; the client keeps the scope it lists.
	upd := api
	upd.Name, upd.Scopes = "Solar API v2", []ResourceServerScope{{Name: "admin", Description: "Everything"}}
	if _, err := svc.UpdateResourceServer(ctx, upd); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.DescribeResourceServer(ctx, p.ID, api.Identifier); err != nil || fmt.Sprint(*got) != fmt.Sprint(upd) {
		t.Errorf("after Update: %+v, %v; want %+v", got, err, upd)
	}
	if got, err := svc.GetClient(ctx, p.ID, c.ID); err != nil || len(got.AllowedOAuthScopes) != 3 {
		t.Errorf("the client after Update: %v, %v", got, err)
	}
	_, err = svc.UpdateResourceServer(ctx, ResourceServer{PoolID: p.ID, Identifier: "nope", Name: "x"})
	wantCode(t, "Update a missing one", err, ResourceNotFoundException)

	// Up to 25 in a pool, listed by identifier in pages.
	for i := 2; i <= MaxResourceServers; i++ {
		if _, err := svc.CreateResourceServer(ctx, ResourceServer{PoolID: p.ID, Identifier: fmt.Sprintf("api-%02d", i), Name: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = svc.CreateResourceServer(ctx, ResourceServer{PoolID: p.ID, Identifier: "one-too-many", Name: "n"})
	wantCode(t, "the 26th", err, LimitExceededException)
	var all []string
	for page := (store.Page{Limit: 7}); ; {
		rss, next, err := svc.ListResourceServers(ctx, p.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(rss) > 7 {
			t.Fatalf("a page of 7 held %d", len(rss))
		}
		for _, rs := range rss {
			all = append(all, rs.Identifier)
		}
		if next == "" {
			break
		}
		page.After = next
	}
	if len(all) != MaxResourceServers || all[0] != "api-02" || all[len(all)-1] != api.Identifier {
		t.Errorf("listed %d: %v", len(all), all)
	}

	// Delete; the client keeps its scope; the freed place takes another.
	if err := svc.DeleteResourceServer(ctx, p.ID, api.Identifier); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Delete again", svc.DeleteResourceServer(ctx, p.ID, api.Identifier), ResourceNotFoundException)
	_, err = svc.DescribeResourceServer(ctx, p.ID, api.Identifier)
	wantCode(t, "Describe after Delete", err, ResourceNotFoundException)
	if got, err := svc.GetClient(ctx, p.ID, c.ID); err != nil || len(got.AllowedOAuthScopes) != 3 {
		t.Errorf("the client after Delete: %v, %v", got, err)
	}
	if _, err := svc.CreateResourceServer(ctx, ResourceServer{PoolID: p.ID, Identifier: "replacement", Name: "n"}); err != nil {
		t.Errorf("a 25th after a Delete: %v", err)
	}
	_, _, err = svc.ListResourceServers(ctx, p.ID, store.Page{After: "!!"})
	wantCode(t, "a bad NextToken", err, InvalidParameterException)
}
