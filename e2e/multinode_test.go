package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/go-jose/go-jose/v4"

	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/postgres"
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
		wins, losers := c.race(4, func(e *sdkEnv, _ int) error {
			out, err := e.respond(client, types.ChallengeNameTypeEmailOtp, session,
				map[string]string{"USERNAME": "race", "EMAIL_OTP_CODE": code})
			if err == nil && out.AuthenticationResult == nil {
				return fmt.Errorf("no tokens: %+v", out)
			}
			return err
		})
		if len(wins) != 1 {
			t.Errorf("%d successes; want 1 (%d errors)", len(wins), len(losers))
		}
		for _, err := range losers {
			var na *types.NotAuthorizedException
			if !errors.As(err, &na) || na.ErrorMessage() != "Invalid session for the user, session can only be used once." {
				t.Errorf("loser: %v", err)
			}
		}
	})

	// Codes mailed by one node, sent by the user's client (and its
	// retries, and an attacker who read it) to every node at once: one
	// consumes it, the others see it used.
	verifyPool := n1.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	})
	verifyClient := *n2.client(verifyPool).ClientId

	t.Run("one sign-up code confirmed on every node at once", func(t *testing.T) {
		const mail = "signup@example.com"
		if _, err := n1.signUp(verifyClient, "newbie", "Perm#Pass1", mail); err != nil {
			t.Fatalf("SignUp on node 1: %v", err)
		}
		code := n2.code(mail, 1)
		wins, losers := c.race(3, func(e *sdkEnv, _ int) error {
			return e.confirm(verifyClient, "newbie", code)
		})
		if len(wins) != 1 {
			t.Errorf("%d successes; want 1 (%d errors: %v)", len(wins), len(losers), losers)
		}
		for _, err := range losers {
			// Depending on when it read: the user already confirmed, or
			// the code already used.
			var na *types.NotAuthorizedException
			var ex *types.ExpiredCodeException
			switch {
			case errors.As(err, &na) && na.ErrorMessage() == "User cannot be confirmed. Current status is CONFIRMED":
			case errors.As(err, &ex) && ex.ErrorMessage() == msgExpired:
			default:
				t.Errorf("loser: %v", err)
			}
		}
		if u := n3.getUser(verifyPool, "newbie"); u.UserStatus != types.UserStatusTypeConfirmed || attrMap(u.UserAttributes)["email_verified"] != "true" {
			t.Errorf("after the race: %s %v", u.UserStatus, attrMap(u.UserAttributes))
		}
		n3.tokens(verifyClient, "newbie", "Perm#Pass1")
	})

	t.Run("one recovery code confirmed on every node at once", func(t *testing.T) {
		const mail = "forgot@example.com"
		n1.verifiedUser(verifyPool, "forgot", mail, "Perm#Pass1")
		if _, err := n2.forgot(verifyClient, "forgot"); err != nil {
			t.Fatalf("ForgotPassword on node 2: %v", err)
		}
		code := n3.code(mail, 1)
		// Each request sets another password: the one that works after
		// the race names the winner.
		password := func(i int) string { return fmt.Sprintf("New#Pass%02d", i) }
		wins, losers := c.race(3, func(e *sdkEnv, i int) error {
			return e.confirmForgot(verifyClient, "forgot", code, password(i))
		})
		if len(wins) != 1 {
			t.Fatalf("%d successes; want 1 (%d errors: %v)", len(wins), len(losers), losers)
		}
		for _, err := range losers {
			wantErr[*types.ExpiredCodeException](t, err, msgExpired)
		}
		n1.tokens(verifyClient, "forgot", password(wins[0]))
		// Fewer wrong passwords than the lockout counts.
		for _, i := range []int{(wins[0] + 1) % 9, (wins[0] + 5) % 9} {
			_, err := c.env(i%3).signIn(verifyClient, "forgot", password(i))
			wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
		}
		_, err := n1.signIn(verifyClient, "forgot", "Perm#Pass1")
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
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

// race runs perNode calls of fn on every node of c, all released at once,
// and returns the indexes of the calls that succeeded and the errors of the
// others. Call i goes to node i%len(c.Nodes).
func (c *cluster) race(perNode int, fn func(e *sdkEnv, i int) error) (wins []int, losers []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range perNode * len(c.Nodes) {
		e := c.env(i % len(c.Nodes))
		wg.Go(func() {
			<-start
			err := fn(e, i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				losers = append(losers, err)
			} else {
				wins = append(wins, i)
			}
		})
	}
	close(start)
	wg.Wait()
	return wins, losers
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

// TestKeyRotationRace: nodes rotating one pool's keys at once, while
// others make sure it has keys, leave it exactly one active key per use.
// Every rotation's keys are kept, all but the last one's retired, so that
// any token signed meanwhile still verifies. Each node is a store of its
// own on the same database, so that rotations meet only in PostgreSQL.
func TestKeyRotationRace(t *testing.T) {
	skipSecondPass(t)
	db := freshDB(t)
	ctx := context.Background()
	const nodes, rounds = 3, 2
	type node struct {
		st  *postgres.Store
		svc *tokens.Service
	}
	var ns []node
	for range nodes {
		st, err := postgres.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		ns = append(ns, node{st, &tokens.Service{PublicURL: "http://ninshou.test"}})
	}
	const pool = "us-east-1_RaceR0tat"
	err := ns[0].st.Update(ctx, func(tx store.Tx) error {
		now := time.Now()
		if err := tx.Pools().Create(&store.Pool{ID: pool, Name: "race", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return ns[0].svc.EnsureKeys(tx, pool)
	})
	if err != nil {
		t.Fatal(err)
	}
	for round := range rounds {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2*nodes)
		for i, n := range ns {
			wg.Go(func() {
				<-start
				errs[i] = n.st.Update(ctx, func(tx store.Tx) error { return n.svc.RotateKeys(tx, pool) })
			})
			wg.Go(func() {
				<-start
				errs[nodes+i] = n.st.Update(ctx, func(tx store.Tx) error { return n.svc.EnsureKeys(tx, pool) })
			})
		}
		begun := time.Now()
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, call %d: %v", round+1, i, err)
			}
		}
		var keys []*store.SigningKey
		err := ns[0].st.View(ctx, func(tx store.Tx) (err error) {
			keys, err = tx.Keys().List(pool)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		active := map[string]int{}
		for _, k := range keys {
			switch {
			case k.Active && k.RetiredAt == nil:
				active[k.Use]++
			case k.Active || k.RetiredAt == nil:
				t.Errorf("key %s: active %v, retired at %v", k.KID, k.Active, k.RetiredAt)
			}
		}
		if want := map[string]int{tokens.UseID: 1, tokens.UseAccess: 1}; !maps.Equal(active, want) {
			t.Errorf("round %d: active keys per use %v; want %v", round+1, active, want)
		}
		// Two at creation, two per rotation; EnsureKeys adds none.
		if want := 2 + 2*nodes*(round+1); len(keys) != want {
			t.Errorf("round %d: %d keys; want %d", round+1, len(keys), want)
		}
		t.Logf("round %d: %d rotations and %d EnsureKeys at once took %v", round+1, nodes, nodes, time.Since(begun).Round(time.Millisecond))
	}
}
