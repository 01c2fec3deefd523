package e2e

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

func (e *sdkEnv) listUsers(pool, filter string) []string {
	e.t.Helper()
	out, err := e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool), Filter: aws.String(filter)})
	if err != nil {
		e.t.Fatalf("ListUsers %q: %v", filter, err)
	}
	if out.PaginationToken != nil {
		e.t.Errorf("ListUsers %q: a token on the only page", filter)
	}
	return userNames(out.Users)
}

// TestSDKListUsers: every searchable attribute, both operators, quoting,
// the status filters, AttributesToGet, Limit and Cognito's errors.
func TestSDKListUsers(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	create := func(name string, attrs map[string]string) {
		t.Helper()
		in := &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range attrs {
				if !yield(k) {
					return
				}
			}
		}) {
			in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(k), Value: aws.String(attrs[k])})
		}
		must[*cip.AdminCreateUserOutput](t, "AdminCreateUser "+name)(e.c.AdminCreateUser(e.ctx, in))
	}
	create("alice", map[string]string{"email": "alice@example.com", "given_name": "Alice", "family_name": "O\"Hara", "name": "Alice O'Hara", "phone_number": "+14155550100"})
	create("albert", map[string]string{"email": "albert@example.org", "given_name": "Albert", "family_name": `Back\slash`, "preferred_username": "bertie"})
	create("bob", map[string]string{"email": "bob@example.com", "given_name": "Bob", "phone_number": "+14155550199"})
	create("Carol", map[string]string{"email": "carol@example.com", "name": "Carol = \"C\""})
	e.setPassword(pool, "bob", "Perm#Pass1", true)
	must[*cip.AdminDisableUserOutput](t, "AdminDisableUser")(e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool), Username: aws.String("albert")}))
	bobSub := attrMap(e.getUser(pool, "bob").UserAttributes)["sub"]

	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{``, []string{"Carol", "albert", "alice", "bob"}},
		{`   `, []string{"Carol", "albert", "alice", "bob"}},
		{`email = "alice@example.com"`, []string{"alice"}},
		{`email^="al"`, []string{"albert", "alice"}},
		{`  email   ^=   "nobody"  `, []string{}},
		{`email ^= ""`, []string{"albert", "alice", "bob", "Carol"}}, // a prefix search is in value order
		{`given_name = "Bob"`, []string{"bob"}},
		// "All searches are case-insensitive" but username and status (the
		// developer guide's "Searching for users with the ListUsers API").
		{`given_name = "bob"`, []string{"bob"}},
		{`email ^= "ALICE@EXAMPLE"`, []string{"alice"}},
		{`"email"^="al"`, []string{"albert", "alice"}}, // the API reference's example form
		{`family_name = "O\"Hara"`, []string{"alice"}},
		{`family_name = "Back\\slash"`, []string{"albert"}},
		{`name = "Carol = \"C\""`, []string{"Carol"}},
		{`name ^= "Alice O'"`, []string{"alice"}},
		{`phone_number ^= "+1415555"`, []string{"alice", "bob"}},
		{`preferred_username = "bertie"`, []string{"albert"}},
		{`username = "Carol"`, []string{"Carol"}},
		{`username = "carol"`, []string{}},
		{`username ^= "al"`, []string{"albert", "alice"}},
		{`sub = "` + bobSub + `"`, []string{"bob"}},
		{`cognito:user_status = "CONFIRMED"`, []string{"bob"}},
		{`cognito:user_status = "force_change_password"`, []string{"Carol", "albert", "alice"}},
		{`status = "Disabled"`, []string{"albert"}},
		{`status = "Enabled"`, []string{"Carol", "alice", "bob"}},
		{`status = "enabled"`, []string{}},
	} {
		if diff := cmp.Diff(tc.want, e.listUsers(pool, tc.filter)); diff != "" {
			t.Errorf("ListUsers %q (-want +got):\n%s", tc.filter, diff)
		}
	}
	for _, bad := range []string{`email`, `email = alice@example.com`, `email == "x"`, `email = "x" and name = "y"`,
		`custom:role = "x"`, `email_verified = "true"`, `email = "unterminated`, `Email = "x"`} {
		_, err := e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool), Filter: aws.String(bad)})
		wantErr[*types.InvalidParameterException](t, err, "Error while parsing filter.")
	}
	_, err := e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String("us-east-1_nope12345")})
	wantErr[*types.ResourceNotFoundException](t, err, "User pool us-east-1_nope12345 does not exist.")
	_, err = e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool), Limit: aws.Int32(61)})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("Limit 61: %v; want InvalidParameterException", err)
	}
	_, err = e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool), PaginationToken: aws.String("not-a-token!")})
	wantErr[*types.InvalidParameterException](t, err, "Invalid pagination token.")

	// The output: UserType, with only the attributes asked for.
	out := must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
		Filter: aws.String(`username = "bob"`)}))
	full := e.getUser(pool, "bob")
	wantUser := types.UserType{Username: aws.String("bob"), Attributes: full.UserAttributes, Enabled: true,
		UserStatus: types.UserStatusTypeConfirmed, UserCreateDate: full.UserCreateDate, UserLastModifiedDate: full.UserLastModifiedDate}
	if diff := cmp.Diff([]types.UserType{wantUser}, out.Users, cmpSDK); diff != "" {
		t.Errorf("ListUsers user (-want +got):\n%s", diff)
	}
	out = must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
		Filter: aws.String(`email ^= "al"`), AttributesToGet: []string{"given_name", "email"}}))
	var got []map[string]string
	for _, u := range out.Users {
		got = append(got, attrMap(u.Attributes))
	}
	wantAttrs := []map[string]string{
		{"email": "albert@example.org", "given_name": "Albert"},
		{"email": "alice@example.com", "given_name": "Alice"},
	}
	if diff := cmp.Diff(wantAttrs, got); diff != "" {
		t.Errorf("AttributesToGet (-want +got):\n%s", diff)
	}
	// Every user listed must have a value for every attribute asked for
	// (albert has no phone_number), and the attribute must be in the schema.
	for _, names := range [][]string{{"given_name", "email", "phone_number"}, {"nickname"}, {"no_such_attribute"}} {
		_, err = e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
			Filter: aws.String(`email ^= "al"`), AttributesToGet: names})
		wantErr[*types.InvalidParameterException](t, err, "One or more requested attributes do not exist.")
	}
	// Only the users listed count: alice alone has a phone_number.
	out = must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
		Filter: aws.String(`username = "alice"`), AttributesToGet: []string{"phone_number"}}))
	if len(out.Users) != 1 || !cmp.Equal(attrMap(out.Users[0].Attributes), map[string]string{"phone_number": "+14155550100"}) {
		t.Errorf("AttributesToGet phone_number of alice: %+v", out.Users)
	}
	// An empty AttributesToGet is every attribute: "If the array is empty,
	// all attributes are returned" (the same guide).
	out = must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
		Filter: aws.String(`username = "bob"`), AttributesToGet: []string{}}))
	if len(out.Users) != 1 || !cmp.Equal(attrMap(out.Users[0].Attributes), attrMap(full.UserAttributes)) {
		t.Errorf("AttributesToGet [] of bob: %+v", out.Users)
	}
}

// TestSDKListUsersPaging: pages of Limit users, and a token that neither
// repeats nor skips a user while others are added and removed around it.
func TestSDKListUsersPaging(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	var all []string
	for i := range 7 {
		name := fmt.Sprintf("user%02d", i*10)
		all = append(all, name)
		must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool),
			Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}}}))
	}
	for _, filter := range []string{"", `email ^= "user"`, `cognito:user_status = "FORCE_CHANGE_PASSWORD"`} {
		var seen []string
		var token *string
		pages := 0
		for {
			out := must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
				Limit: aws.Int32(3), PaginationToken: token, Filter: aws.String(filter)}))
			pages++
			if len(out.Users) > 3 {
				t.Fatalf("%d users on a page of 3", len(out.Users))
			}
			seen = append(seen, userNames(out.Users)...)
			if token = out.PaginationToken; token == nil {
				break
			}
		}
		if diff := cmp.Diff(all, seen); diff != "" || pages != 3 {
			t.Errorf("filter %q: %d pages (-want +got):\n%s", filter, pages, diff)
		}
	}

	// A token continues the request that made it: another filter, none, a
	// pool of another request or a token Ninshou never made is refused
	// (aws/aws-sdk-js#3705: "Paging marker ... is invalid for request").
	filtered := must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
		Limit: aws.Int32(3), Filter: aws.String(`email ^= "user"`)}))
	other := e.pool()
	for what, in := range map[string]*cip.ListUsersInput{
		"without its filter":  {UserPoolId: aws.String(pool), PaginationToken: filtered.PaginationToken},
		"with another filter": {UserPoolId: aws.String(pool), PaginationToken: filtered.PaginationToken, Filter: aws.String(`email ^= "u"`)},
		"in another pool":     {UserPoolId: aws.String(other), PaginationToken: filtered.PaginationToken, Filter: aws.String(`email ^= "user"`)},
		"made up from a name": {UserPoolId: aws.String(pool), PaginationToken: aws.String("dXNlcjIw")},
		"made up with a dot":  {UserPoolId: aws.String(pool), PaginationToken: aws.String("dXNlcjIw.AAAAAAAAAAAA")},
	} {
		t.Run(what, func(t *testing.T) {
			_, err := e.c.ListUsers(e.ctx, in)
			wantErr[*types.InvalidParameterException](t, err, "Invalid pagination token.")
		})
	}

	// Mid-listing: a user added before the cursor is not shown (it sorts
	// before the page already read), one added after it is; a removed user
	// is not; no user that stayed is missed or repeated.
	first := must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool), Limit: aws.Int32(3)}))
	if diff := cmp.Diff(all[:3], userNames(first.Users)); diff != "" {
		t.Fatalf("first page (-want +got):\n%s", diff)
	}
	for _, name := range []string{"user05", "user25", "user55"} {
		must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool),
			Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress}))
	}
	for _, name := range []string{"user20", "user40"} { // the last of page one, and one ahead
		must[*cip.AdminDeleteUserOutput](t, "AdminDeleteUser")(e.c.AdminDeleteUser(e.ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(pool), Username: aws.String(name)}))
	}
	seen := userNames(first.Users)
	token := first.PaginationToken
	for token != nil {
		out := must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool), Limit: aws.Int32(3), PaginationToken: token}))
		seen = append(seen, userNames(out.Users)...)
		token = out.PaginationToken
	}
	want := []string{"user00", "user10", "user20", "user25", "user30", "user50", "user55", "user60"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("listing across changes (-want +got):\n%s", diff)
	}
}
