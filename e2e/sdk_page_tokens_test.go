package e2e

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSDKPageTokensContinueTheirRequest: every list's pagination token is
// "an identifier that you can present in an additional API request with the
// same parameters" (the model's NextToken and PaginationToken members): a
// token of another pool, of another operation, or one Ninshou never made
// is "Invalid pagination token.", never a silently wrong or empty page.
func TestSDKPageTokensContinueTheirRequest(t *testing.T) {
	e := newSDKEnv(t)
	pools := []string{e.pool(), e.pool()}
	for _, pool := range pools {
		for i := range 4 {
			e.group(pool, fmt.Sprintf("group%d", i), nil, "")
			e.client(pool)
			must[*cip.CreateUserImportJobOutput](t, "CreateUserImportJob")(e.c.CreateUserImportJob(e.ctx, &cip.CreateUserImportJobInput{
				UserPoolId: aws.String(pool), JobName: aws.String(fmt.Sprintf("job%d", i)),
				CloudWatchLogsRoleArn: aws.String("arn:aws:iam::111111111111:role/CognitoImport")}))
		}
		e.user(pool, "kim", "kim@example.com", "Perm#Pass1")
		for i := range 4 {
			must[*cip.AdminAddUserToGroupOutput](t, "AdminAddUserToGroup")(e.c.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{
				UserPoolId: aws.String(pool), Username: aws.String("kim"), GroupName: aws.String(fmt.Sprintf("group%d", i))}))
		}
	}
	a, b := pools[0], pools[1]
	limit := aws.Int32(2)
	groupsB := must[*cip.ListGroupsOutput](t, "ListGroups")(e.c.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: &b, Limit: limit})).NextToken
	clientsB := must[*cip.ListUserPoolClientsOutput](t, "ListUserPoolClients")(e.c.ListUserPoolClients(e.ctx,
		&cip.ListUserPoolClientsInput{UserPoolId: &b, MaxResults: limit})).NextToken
	jobsB := must[*cip.ListUserImportJobsOutput](t, "ListUserImportJobs")(e.c.ListUserImportJobs(e.ctx,
		&cip.ListUserImportJobsInput{UserPoolId: &b, MaxResults: limit})).PaginationToken
	memberB := must[*cip.AdminListGroupsForUserOutput](t, "AdminListGroupsForUser")(e.c.AdminListGroupsForUser(e.ctx,
		&cip.AdminListGroupsForUserInput{UserPoolId: &b, Username: aws.String("kim"), Limit: limit})).NextToken
	if groupsB == nil || clientsB == nil || jobsB == nil || memberB == nil {
		t.Fatalf("a first page of 2 of 4 without a token: %v %v %v %v", groupsB, clientsB, jobsB, memberB)
	}
	for name, call := range map[string]func(token *string) error{
		"ListGroups": func(tok *string) error {
			_, err := e.c.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: &a, Limit: limit, NextToken: tok})
			return err
		},
		"ListUserPoolClients": func(tok *string) error {
			_, err := e.c.ListUserPoolClients(e.ctx, &cip.ListUserPoolClientsInput{UserPoolId: &a, MaxResults: limit, NextToken: tok})
			return err
		},
		"ListUserImportJobs": func(tok *string) error {
			_, err := e.c.ListUserImportJobs(e.ctx, &cip.ListUserImportJobsInput{UserPoolId: &a, MaxResults: limit, PaginationToken: tok})
			return err
		},
		"AdminListGroupsForUser": func(tok *string) error {
			_, err := e.c.AdminListGroupsForUser(e.ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &a, Username: aws.String("kim"), Limit: limit, NextToken: tok})
			return err
		},
		"ListUserPools": func(tok *string) error {
			_, err := e.c.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: limit, NextToken: tok})
			return err
		},
	} {
		for _, tok := range []*string{aws.String("zzzz"), aws.String("Zm9vYmFy"), groupsB, clientsB, jobsB, memberB} {
			if err := call(tok); err == nil {
				t.Errorf("%s accepted the token %q", name, *tok)
			} else {
				wantErr[*types.InvalidParameterException](t, err, "Invalid pagination token.")
			}
		}
	}
	// Its own token continues it.
	if _, err := e.c.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: &b, Limit: limit, NextToken: groupsB}); err != nil {
		t.Errorf("ListGroups with its own token: %v", err)
	}
}
