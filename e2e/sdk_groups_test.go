package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func (e *sdkEnv) group(pool, name string, precedence *int32, role string) {
	e.t.Helper()
	in := &cip.CreateGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String(name), Precedence: precedence}
	if role != "" {
		in.RoleArn = aws.String(role)
	}
	if _, err := e.c.CreateGroup(e.ctx, in); err != nil {
		e.t.Fatalf("CreateGroup %s: %v", name, err)
	}
}

func (e *sdkEnv) addToGroup(pool, username, group string) error {
	_, err := e.c.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(pool),
		Username: aws.String(username), GroupName: aws.String(group)})
	return err
}

func groupNames(gs []types.GroupType) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, aws.ToString(g.GroupName))
	}
	return out
}

func userNames(us []types.UserType) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, aws.ToString(u.Username))
	}
	return out
}

// ignoreDates leaves out the timestamps of groups and users.
var ignoreDates = cmpopts.IgnoreFields(types.GroupType{}, "CreationDate", "LastModifiedDate")

// TestSDKGroups: group CRUD with Cognito's errors, paging, membership and
// both listings of it.
func TestSDKGroups(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	before := time.Now().Add(-time.Second)
	created, err := e.c.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("admins"),
		Description: aws.String("People who run things"), RoleArn: aws.String("arn:aws:iam::123456789012:role/Admin"), Precedence: aws.Int32(1)})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	want := types.GroupType{GroupName: aws.String("admins"), UserPoolId: aws.String(pool), Description: aws.String("People who run things"),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/Admin"), Precedence: aws.Int32(1)}
	if diff := cmp.Diff(want, *created.Group, cmpSDK, ignoreDates); diff != "" {
		t.Errorf("CreateGroup (-want +got):\n%s", diff)
	}
	if d := created.Group.CreationDate; d == nil || d.Before(before) || !d.Equal(*created.Group.LastModifiedDate) {
		t.Errorf("dates = %v %v", d, created.Group.LastModifiedDate)
	}
	_, err = e.c.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("admins")})
	wantErr[*types.GroupExistsException](t, err, "A group with the name admins already exists.")
	_, err = e.c.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: aws.String("us-east-1_nope12345"), GroupName: aws.String("x")})
	wantErr[*types.ResourceNotFoundException](t, err, "User pool us-east-1_nope12345 does not exist.")
	_, err = e.c.GetGroup(e.ctx, &cip.GetGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("nobody")})
	wantErr[*types.ResourceNotFoundException](t, err, "Group not found.")

	// UpdateGroup changes only what it is given.
	e.Clock.Advance(time.Minute)
	updated := must[*cip.UpdateGroupOutput](t, "UpdateGroup")(e.c.UpdateGroup(e.ctx, &cip.UpdateGroupInput{UserPoolId: aws.String(pool),
		GroupName: aws.String("admins"), Precedence: aws.Int32(0)}))
	want.Precedence = aws.Int32(0)
	if diff := cmp.Diff(want, *updated.Group, cmpSDK, ignoreDates); diff != "" {
		t.Errorf("UpdateGroup (-want +got):\n%s", diff)
	}
	if !updated.Group.LastModifiedDate.After(*updated.Group.CreationDate) {
		t.Errorf("LastModifiedDate %v not after CreationDate %v", updated.Group.LastModifiedDate, updated.Group.CreationDate)
	}
	got := must[*cip.GetGroupOutput](t, "GetGroup")(e.c.GetGroup(e.ctx, &cip.GetGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("admins")}))
	if diff := cmp.Diff(want, *got.Group, cmpSDK, ignoreDates); diff != "" {
		t.Errorf("GetGroup (-want +got):\n%s", diff)
	}
	_, err = e.c.UpdateGroup(e.ctx, &cip.UpdateGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("nobody"), Description: aws.String("x")})
	wantErr[*types.ResourceNotFoundException](t, err, "Group not found.")

	// ListGroups pages by name.
	e.group(pool, "users", nil, "")
	e.group(pool, "editors", aws.Int32(5), "")
	var names []string
	var token *string
	for pages := 0; ; pages++ {
		out := must[*cip.ListGroupsOutput](t, "ListGroups")(e.c.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: aws.String(pool), Limit: aws.Int32(2), NextToken: token}))
		names = append(names, groupNames(out.Groups)...)
		if token = out.NextToken; token == nil {
			if pages != 1 {
				t.Errorf("%d pages; want 2", pages+1)
			}
			break
		}
	}
	if diff := cmp.Diff([]string{"admins", "editors", "users"}, names); diff != "" {
		t.Errorf("ListGroups (-want +got):\n%s", diff)
	}
	_, err = e.c.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: aws.String(pool), NextToken: aws.String("garbage!")})
	wantErr[*types.InvalidParameterException](t, err, "Invalid pagination token.")
	empty := must[*cip.ListGroupsOutput](t, "ListGroups")(e.c.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: aws.String(e.pool())}))
	if empty.Groups == nil || len(empty.Groups) != 0 || empty.NextToken != nil {
		t.Errorf("ListGroups of an empty pool = %+v", empty)
	}

	// Membership.
	e.user(pool, "ann", "ann@example.com", "Perm#Pass1")
	e.user(pool, "bob", "bob@example.com", "Perm#Pass1")
	e.user(pool, "cy", "cy@example.com", "Perm#Pass1")
	wantErr[*types.ResourceNotFoundException](t, e.addToGroup(pool, "ann", "nobody"), "Group not found.")
	wantErr[*types.UserNotFoundException](t, e.addToGroup(pool, "ghost", "admins"), "User does not exist.")
	for _, m := range [][2]string{{"ann", "admins"}, {"ann", "users"}, {"ann", "users"}, {"cy", "users"}, {"bob", "users"}, {"ann", "editors"}} {
		if err := e.addToGroup(pool, m[0], m[1]); err != nil {
			t.Fatalf("AdminAddUserToGroup %v: %v", m, err)
		}
	}
	forAnn := must[*cip.AdminListGroupsForUserOutput](t, "AdminListGroupsForUser")(e.c.AdminListGroupsForUser(e.ctx,
		&cip.AdminListGroupsForUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann")}))
	if diff := cmp.Diff([]string{"admins", "editors", "users"}, groupNames(forAnn.Groups)); diff != "" || forAnn.NextToken != nil {
		t.Errorf("AdminListGroupsForUser (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, forAnn.Groups[0], cmpSDK, ignoreDates); diff != "" {
		t.Errorf("AdminListGroupsForUser group (-want +got):\n%s", diff)
	}
	_, err = e.c.AdminListGroupsForUser(e.ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(pool), Username: aws.String("ghost")})
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
	first := must[*cip.ListUsersInGroupOutput](t, "ListUsersInGroup")(e.c.ListUsersInGroup(e.ctx,
		&cip.ListUsersInGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("users"), Limit: aws.Int32(2)}))
	rest := must[*cip.ListUsersInGroupOutput](t, "ListUsersInGroup")(e.c.ListUsersInGroup(e.ctx,
		&cip.ListUsersInGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("users"), NextToken: first.NextToken}))
	if diff := cmp.Diff([]string{"ann", "bob", "cy"}, append(userNames(first.Users), userNames(rest.Users)...)); diff != "" || rest.NextToken != nil {
		t.Errorf("ListUsersInGroup (-want +got):\n%s", diff)
	}
	// The token is the group's: another group's listing refuses it.
	_, err = e.c.ListUsersInGroup(e.ctx, &cip.ListUsersInGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("admins"), NextToken: first.NextToken})
	wantErr[*types.InvalidParameterException](t, err, "Invalid pagination token.")
	if u := first.Users[0]; !u.Enabled || u.UserStatus != types.UserStatusTypeConfirmed || attrMap(u.Attributes)["email"] != "ann@example.com" || u.UserCreateDate == nil {
		t.Errorf("ListUsersInGroup user = %+v", u)
	}
	_, err = e.c.ListUsersInGroup(e.ctx, &cip.ListUsersInGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("nobody")})
	wantErr[*types.ResourceNotFoundException](t, err, "Group not found.")

	// Removal is idempotent; deleting a group or a user ends memberships.
	for range 2 {
		must[*cip.AdminRemoveUserFromGroupOutput](t, "AdminRemoveUserFromGroup")(e.c.AdminRemoveUserFromGroup(e.ctx,
			&cip.AdminRemoveUserFromGroupInput{UserPoolId: aws.String(pool), Username: aws.String("bob"), GroupName: aws.String("users")}))
	}
	must[*cip.DeleteGroupOutput](t, "DeleteGroup")(e.c.DeleteGroup(e.ctx, &cip.DeleteGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("editors")}))
	_, err = e.c.DeleteGroup(e.ctx, &cip.DeleteGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("editors")})
	wantErr[*types.ResourceNotFoundException](t, err, "Group not found.")
	must[*cip.AdminDeleteUserOutput](t, "AdminDeleteUser")(e.c.AdminDeleteUser(e.ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(pool), Username: aws.String("cy")}))
	members := must[*cip.ListUsersInGroupOutput](t, "ListUsersInGroup")(e.c.ListUsersInGroup(e.ctx,
		&cip.ListUsersInGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("users")}))
	if diff := cmp.Diff([]string{"ann"}, userNames(members.Users)); diff != "" {
		t.Errorf("members after removals (-want +got):\n%s", diff)
	}
	forAnn = must[*cip.AdminListGroupsForUserOutput](t, "AdminListGroupsForUser")(e.c.AdminListGroupsForUser(e.ctx,
		&cip.AdminListGroupsForUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann")}))
	if diff := cmp.Diff([]string{"admins", "users"}, groupNames(forAnn.Groups)); diff != "" {
		t.Errorf("groups after DeleteGroup (-want +got):\n%s", diff)
	}
}

// TestSDKGroupClaims: cognito:groups in both tokens in precedence order,
// cognito:roles and cognito:preferred_role in the ID token only, read anew
// at every sign-in and refresh.
func TestSDKGroupClaims(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	e.user(pool, "ann", "ann@example.com", "Perm#Pass1")

	// No groups: no claims.
	res := e.tokens(client, "ann", "Perm#Pass1")
	for _, tok := range []string{*res.IdToken, *res.AccessToken} {
		claims := verifyJWT(t, e.server, pool, tok)
		for _, c := range []string{"cognito:groups", "cognito:roles", "cognito:preferred_role"} {
			if v, ok := claims[c]; ok {
				t.Errorf("%s = %v for a user without groups", c, v)
			}
		}
	}

	const adminRole, readerRole = "arn:aws:iam::123456789012:role/Admin", "arn:aws:iam::123456789012:role/Reader"
	e.group(pool, "zeta", nil, "")
	e.group(pool, "readers", aws.Int32(10), readerRole)
	e.group(pool, "admins", aws.Int32(1), adminRole)
	for _, g := range []string{"zeta", "readers", "admins"} {
		if err := e.addToGroup(pool, "ann", g); err != nil {
			t.Fatal(err)
		}
	}
	res = e.tokens(client, "ann", "Perm#Pass1")
	id := verifyJWT(t, e.server, pool, *res.IdToken)
	access := verifyJWT(t, e.server, pool, *res.AccessToken)
	wantGroups := []any{"admins", "readers", "zeta"}
	if diff := cmp.Diff(wantGroups, id["cognito:groups"]); diff != "" {
		t.Errorf("ID cognito:groups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantGroups, access["cognito:groups"]); diff != "" {
		t.Errorf("access cognito:groups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{adminRole, readerRole}, id["cognito:roles"]); diff != "" {
		t.Errorf("cognito:roles (-want +got):\n%s", diff)
	}
	if id["cognito:preferred_role"] != adminRole {
		t.Errorf("cognito:preferred_role = %v; want %s", id["cognito:preferred_role"], adminRole)
	}
	if _, ok := access["cognito:roles"]; ok {
		t.Errorf("access token has cognito:roles")
	}

	// A refresh reads the groups again: a tie at the top leaves no
	// preferred role.
	must[*cip.UpdateGroupOutput](t, "UpdateGroup")(e.c.UpdateGroup(e.ctx, &cip.UpdateGroupInput{UserPoolId: aws.String(pool),
		GroupName: aws.String("readers"), Precedence: aws.Int32(1)}))
	must[*cip.AdminRemoveUserFromGroupOutput](t, "AdminRemoveUserFromGroup")(e.c.AdminRemoveUserFromGroup(e.ctx,
		&cip.AdminRemoveUserFromGroupInput{UserPoolId: aws.String(pool), Username: aws.String("ann"), GroupName: aws.String("zeta")}))
	refreshed := must[*cip.InitiateAuthOutput](t, "refresh")(e.refresh(client, *res.RefreshToken))
	id = verifyJWT(t, e.server, pool, *refreshed.AuthenticationResult.IdToken)
	if diff := cmp.Diff([]any{"admins", "readers"}, id["cognito:groups"]); diff != "" {
		t.Errorf("refreshed cognito:groups (-want +got):\n%s", diff)
	}
	if v, ok := id["cognito:preferred_role"]; ok {
		t.Errorf("cognito:preferred_role = %v with two roles tied", v)
	}
	if id["event_id"] == verifyJWT(t, e.server, pool, *res.IdToken)["event_id"] {
		t.Errorf("refresh kept the event_id")
	}
}
