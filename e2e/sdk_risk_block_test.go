package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSDKAlwaysBlockedAddresses: with threat protection in full-function
// mode (ENFORCED), a sign-in from an address in the risk configuration's
// BlockedIPRangeList (the client's own, else the pool's) is refused:
// "Overrides the risk decision and always blocks authentication requests"
// (API_RiskExceptionConfigurationType), with Cognito's "Request not allowed
// due to security reasons."; AdminInitiateAuth's ContextData states the end
// user's address; audit mode and refreshes are not blocked.
func TestSDKAlwaysBlockedAddresses(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool(func(in *cip.CreateUserPoolInput) {
		in.UserPoolTier = types.UserPoolTierTypePlus
		in.UserPoolAddOns = &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeEnforced}
	})
	clientID := *e.client(poolID).ClientId
	other := *e.client(poolID).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	refreshToken := *e.tokens(clientID, "kim", "Perm#Pass1").RefreshToken
	setBlocked := func(client *string, ranges ...string) {
		t.Helper()
		must[*cip.SetRiskConfigurationOutput](t, "SetRiskConfiguration")(e.c.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{
			UserPoolId: aws.String(poolID), ClientId: client,
			RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: ranges}}))
	}
	adminSignIn := func(client, ip string) error {
		_, err := e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(poolID), ClientId: aws.String(client),
			AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"},
			ContextData: &types.ContextDataType{IpAddress: aws.String(ip), ServerName: aws.String("app.example"),
				ServerPath: aws.String("/login"), HttpHeaders: []types.HttpHeader{}}})
		return err
	}

	setBlocked(nil, "127.0.0.0/8") // the pool's: this test's own address
	_, err := e.signIn(clientID, "kim", "Perm#Pass1")
	wantErr[*types.NotAuthorizedException](t, err, "Request not allowed due to security reasons.")
	_, err = e.signIn(clientID, "kim", "Wrong#Pass1") // before any password is checked
	wantErr[*types.NotAuthorizedException](t, err, "Request not allowed due to security reasons.")
	if _, err := e.refresh(clientID, refreshToken); err != nil {
		t.Errorf("a refresh from a blocked address: %v", err)
	}
	// The administrator's request states the user's address.
	if err := adminSignIn(clientID, "198.51.100.7"); err != nil {
		t.Errorf("AdminInitiateAuth for an address not blocked: %v", err)
	}
	setBlocked(nil, "198.51.100.0/24")
	wantErr[*types.NotAuthorizedException](t, adminSignIn(clientID, "198.51.100.7"), "Request not allowed due to security reasons.")
	if _, err := e.signIn(clientID, "kim", "Perm#Pass1"); err != nil {
		t.Errorf("a sign-in from an address no longer blocked: %v", err)
	}
	// A client's own configuration replaces the pool's.
	setBlocked(aws.String(other), "10.0.0.0/8")
	if err := adminSignIn(other, "198.51.100.7"); err != nil {
		t.Errorf("a client whose own list does not block the address: %v", err)
	}
	wantErr[*types.NotAuthorizedException](t, adminSignIn(other, "10.1.2.3"), "Request not allowed due to security reasons.")

	// The sign-in page too: its browser's address is blocked.
	const callback = "https://app.example/callback"
	pageClient := *e.client(poolID, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"})).ClientId
	setBlocked(nil, "127.0.0.0/8")
	b := newBrowser(t, e.URL)
	_, page := b.get(e.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {pageClient},
		"redirect_uri": {callback}, "scope": {"openid"}}.Encode())
	resp, page := b.submit(e.URL, page, url.Values{"username": {"kim"}, "password": {"Perm#Pass1"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Request not allowed due to security reasons.") {
		t.Errorf("the sign-in page from a blocked address: %d, Location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}

	// Audit mode gathers metrics and blocks nothing.
	must[*cip.UpdateUserPoolOutput](t, "UpdateUserPool")(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(poolID),
		UserPoolTier: types.UserPoolTierTypePlus, UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit}}))
	if err := adminSignIn(clientID, "198.51.100.7"); err != nil {
		t.Errorf("audit mode blocked a sign-in: %v", err)
	}
}
