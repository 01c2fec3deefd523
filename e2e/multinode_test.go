package e2e

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/go-jose/go-jose/v4"
)

// skipSecondPass: the tests of several nodes use PostgreSQL whatever
// NINSHOU_E2E_DB says, so make test's PostgreSQL pass of this package does
// not run them again.
func skipSecondPass(t *testing.T) {
	t.Helper()
	if onPostgres() {
		t.Skip("runs in the first pass of make test (it always uses PostgreSQL)")
	}
}

// TestMultiNode: three ninshou processes on one PostgreSQL database behave
// as one server.
func TestMultiNode(t *testing.T) {
	skipSecondPass(t)
	c := newCluster(t, freshDB(t), 3)
	n1, n2, n3 := c.env(0), c.env(1), c.env(2)

	// A pool made on node 1, its client on node 2 and a user on node 3 are
	// usable everywhere at once.
	pool := n1.pool()
	n1.emailMFA(pool, types.UserPoolMfaTypeOn)
	client := *n2.client(pool).ClientId
	n3.tempUser(pool, "kim", "kim@example.com", "Temp#Pass1")

	t.Run("sign-in across nodes", func(t *testing.T) {
		// Started on node 1...
		first, err := n1.signIn(client, "kim", "Temp#Pass1")
		if err != nil || first.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
			t.Fatalf("InitiateAuth on node 1: %v %v", err, first)
		}
		// ...answered on node 2...
		second, err := n2.respond(client, types.ChallengeNameTypeNewPasswordRequired, *first.Session,
			map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "N3w#Password"})
		if err != nil || second.ChallengeName != types.ChallengeNameTypeEmailOtp {
			t.Fatalf("NEW_PASSWORD_REQUIRED on node 2: %v %v", err, second)
		}
		code := codeIn(t, n2.mailTo(t, "kim@example.com", 1))
		// ...and on node 3...
		third, err := n3.respond(client, types.ChallengeNameTypeEmailOtp, *second.Session,
			map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code})
		if err != nil || third.AuthenticationResult == nil {
			t.Fatalf("EMAIL_OTP on node 3: %v %v", err, third)
		}
		// ...refreshed on node 3, used on node 1.
		out, err := n3.c.InitiateAuth(n3.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			ClientId: aws.String(client), AuthParameters: map[string]string{"REFRESH_TOKEN": *third.AuthenticationResult.RefreshToken}})
		if err != nil {
			t.Fatalf("REFRESH_TOKEN_AUTH on node 3: %v", err)
		}
		if _, err := n1.c.GetUser(n1.ctx, &cip.GetUserInput{AccessToken: out.AuthenticationResult.AccessToken}); err != nil {
			t.Fatalf("GetUser on node 1 with node 3's access token: %v", err)
		}
	})

	t.Run("one session answered on every node at once", func(t *testing.T) {
		const mail = "race@example.com"
		n1.user(pool, "race", mail, "Perm#Pass1")
		session, code := n1.emailOTP(client, "race", "Perm#Pass1", mail, 1)
		const perNode = 4
		var mu sync.Mutex
		var wins int
		var errs []error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 3 * perNode {
			e := c.env(i % 3)
			wg.Go(func() {
				<-start
				out, err := e.respond(client, types.ChallengeNameTypeEmailOtp, session,
					map[string]string{"USERNAME": "race", "EMAIL_OTP_CODE": code})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if out.AuthenticationResult != nil {
					wins++
				}
			})
		}
		close(start)
		wg.Wait()
		if wins != 1 || len(errs) != 3*perNode-1 {
			t.Errorf("%d successes and %d errors; want 1 and %d", wins, len(errs), 3*perNode-1)
		}
		for _, err := range errs {
			var na *types.NotAuthorizedException
			if !errors.As(err, &na) || na.ErrorMessage() != "Invalid session for the user, session can only be used once." {
				t.Errorf("loser: %v", err)
			}
		}
	})

	t.Run("lockout counted across nodes", func(t *testing.T) {
		noMFA := n2.pool()
		cl := *n3.client(noMFA).ClientId
		n1.user(noMFA, "lock", "lock@example.com", "Perm#Pass10")
		for i := range 5 {
			_, err := c.env(i%3).signIn(cl, "lock", "Wrong#Pass10")
			wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
		}
		// The sixth attempt, right password, on every node: locked.
		for i := range 3 {
			_, err := c.env(i).signIn(cl, "lock", "Perm#Pass10")
			wantErr[*types.NotAuthorizedException](t, err, "Password attempts exceeded")
		}
	})

	t.Run("sign-out and revocation everywhere at once", func(t *testing.T) {
		noMFA := n3.pool()
		cl := *n1.client(noMFA, func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows = append(in.ExplicitAuthFlows, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth)
		}).ClientId
		n2.user(noMFA, "out", "out@example.com", "Perm#Pass1")
		res := n1.tokens(cl, "out", "Perm#Pass1")
		for i := range 3 {
			if _, err := c.env(i).c.GetUser(n1.ctx, &cip.GetUserInput{AccessToken: res.AccessToken}); err != nil {
				t.Fatalf("GetUser on node %d before sign-out: %v", i+1, err)
			}
		}
		if _, err := n2.c.GlobalSignOut(n2.ctx, &cip.GlobalSignOutInput{AccessToken: res.AccessToken}); err != nil {
			t.Fatalf("GlobalSignOut on node 2: %v", err)
		}
		for i := range 3 {
			_, err := c.env(i).c.GetUser(n1.ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
			wantErr[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
			_, err = c.env(i).c.InitiateAuth(n1.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				ClientId: aws.String(cl), AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}})
			wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
		}
		// A disabled user is refused by every node at once.
		res = n3.tokens(cl, "out", "Perm#Pass1")
		if _, err := n1.c.AdminDisableUser(n1.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(noMFA), Username: aws.String("out")}); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			_, err := c.env(i).signIn(cl, "out", "Perm#Pass1")
			wantErr[*types.NotAuthorizedException](t, err, "User is disabled.")
		}
	})

	t.Run("one JWKS, rotated on one node, seen by all", func(t *testing.T) {
		noMFA := n1.pool()
		cl := *n2.client(noMFA).ClientId
		n3.user(noMFA, "jwk", "jwk@example.com", "Perm#Pass1")
		before := sameJWKS(t, c, noMFA)
		if len(before.Keys) != 2 {
			t.Fatalf("JWKS has %d keys; want 2", len(before.Keys))
		}
		old := n1.tokens(cl, "jwk", "Perm#Pass1")

		// The rotation is done by node 1's binary on node 1's store flags.
		runNinshou(t, "rotate-keys", "--pool", noMFA, "--db", c.DB, "--data", c.Nodes[0].Data, "--public-url", c.PublicURL)

		after := sameJWKS(t, c, noMFA)
		if len(after.Keys) != 4 {
			t.Fatalf("JWKS after rotation has %d keys; want 4 (2 new, 2 retired)", len(after.Keys))
		}
		oldKID := kidOf(t, *old.AccessToken)
		// Tokens issued before keep working on every node...
		for i := range 3 {
			if _, err := c.env(i).c.GetUser(n1.ctx, &cip.GetUserInput{AccessToken: old.AccessToken}); err != nil {
				t.Errorf("node %d: GetUser with a token signed before the rotation: %v", i+1, err)
			}
		}
		// ...and new ones, from any node, are signed with the new keys.
		for i := range 3 {
			res := c.env(i).tokens(cl, "jwk", "Perm#Pass1")
			if kid := kidOf(t, *res.AccessToken); kid == oldKID || len(after.Key(kid)) != 1 {
				t.Errorf("node %d signs with kid %s; old %s", i+1, kid, oldKID)
			}
		}
	})
}

// sameJWKS fetches the pool's JWKS from every node, requires them equal and
// returns it.
func sameJWKS(t *testing.T, c *cluster, pool string) jose.JSONWebKeySet {
	t.Helper()
	var first []byte
	var set jose.JSONWebKeySet
	for i, nd := range c.Nodes {
		resp, err := http.Get(nd.URL + "/" + pool + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("node %d JWKS: %s %s", i+1, resp.Status, body)
		}
		if i == 0 {
			first = body
			if err := json.Unmarshal(body, &set); err != nil {
				t.Fatal(err)
			}
		} else if string(body) != string(first) {
			t.Errorf("node %d serves another JWKS:\n%s\nnode 1:\n%s", i+1, body, first)
		}
	}
	return set
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}
