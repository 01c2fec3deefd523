package e2e

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/store"
)

// TestSDKSRPTurnedOffPerPool: a pool tagged ninshou:srp=disabled stores no
// SRP verifier for its users (so a copy of its database offers no offline
// guessing through one) and refuses USER_SRP_AUTH and PASSWORD_SRP, while
// password sign-in works. A pool without the tag keeps SRP.
func TestSDKSRPTurnedOffPerPool(t *testing.T) {
	e := newSDKEnv(t)
	flows := []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
		types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	for _, tc := range []struct {
		name      string
		tags      map[string]string
		srp       bool
		available []types.ChallengeNameType
	}{
		{name: "tagged off", tags: map[string]string{"ninshou:srp": "disabled"}, available: []types.ChallengeNameType{"PASSWORD"}},
		{name: "default", srp: true, available: []types.ChallengeNameType{"PASSWORD", "PASSWORD_SRP"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			poolID := e.pool(func(in *cip.CreateUserPoolInput) { in.UserPoolTags = tc.tags })
			clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.ExplicitAuthFlows = flows }).ClientId
			e.user(poolID, "kai", "kai@example.com", "Perm#Pass1")

			var extra struct {
				Verifier []byte `json:"srp_verifier"`
			}
			if err := e.App.Store.View(e.ctx, func(tx store.Tx) error {
				u, err := tx.Users().GetByUsername(poolID, "kai")
				if err != nil {
					return err
				}
				return json.Unmarshal(u.Extra, &extra)
			}); err != nil {
				t.Fatal(err)
			}
			if got := extra.Verifier != nil; got != tc.srp {
				t.Errorf("a sealed SRP verifier is stored: %v, want %v", got, tc.srp)
			}

			_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
				AuthParameters: map[string]string{"USERNAME": "kai", "SRP_A": "2"}})
			if tc.srp && err != nil {
				t.Fatalf("USER_SRP_AUTH on an SRP pool: %v", err)
			}
			if !tc.srp {
				wantErr[*types.InvalidParameterException](t, err, "USER_SRP_AUTH is not enabled for the client.")
			}

			choice, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserAuth,
				AuthParameters: map[string]string{"USERNAME": "kai"}})
			if err != nil {
				t.Fatalf("USER_AUTH: %v", err)
			}
			if diff := cmp.Diff(tc.available, choice.AvailableChallenges); diff != "" {
				t.Errorf("AvailableChallenges (-want +got):\n%s", diff)
			}
			if _, err := e.signIn(clientID, "kai", "Perm#Pass1"); err != nil {
				t.Errorf("password sign-in: %v", err)
			}
		})
	}
}
