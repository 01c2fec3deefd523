package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// CUSTOM_AUTH: a sign-in whose challenges the pool's functions decide.
// DefineAuthChallenge looks at the challenges answered so far and says
// what comes next (a CUSTOM_CHALLENGE, tokens, or failure);
// CreateAuthChallenge makes a challenge (its public parameters go to the
// client, its private ones stay in the session); VerifyAuthChallengeResponse
// judges an answer. Each answer's result joins the session's list, and
// Define decides again.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-challenge.html

const (
	TriggerDefineAuthChallenge = "DefineAuthChallenge"
	TriggerCreateAuthChallenge = "CreateAuthChallenge"
	TriggerVerifyAuthChallenge = "VerifyAuthChallengeResponse"

	ChallengeCustom = "CUSTOM_CHALLENGE"
)

// maxCustomChallenges bounds one sign-in's custom challenges.
const maxCustomChallenges = 10

// challengeResult is one entry of the session list the functions see.
type challengeResult struct {
	ChallengeName     string `json:"challengeName"`
	ChallengeResult   bool   `json:"challengeResult"`
	ChallengeMetadata string `json:"challengeMetadata"`
}

// MarshalJSON writes every element, challengeMetadata null when there is
// none, as AWS's events do ({"challengeName":"SRP_A","challengeResult":true,
// "challengeMetadata":null}, logged in aws-amplify/amplify-js#5834 and
// elsewhere): functions read the field without testing for it.
func (r challengeResult) MarshalJSON() ([]byte, error) {
	var meta *string
	if r.ChallengeMetadata != "" {
		meta = &r.ChallengeMetadata
	}
	return json.Marshal(struct {
		ChallengeName     string  `json:"challengeName"`
		ChallengeResult   bool    `json:"challengeResult"`
		ChallengeMetadata *string `json:"challengeMetadata"`
	}{r.ChallengeName, r.ChallengeResult, meta})
}

// customState is what a CUSTOM_CHALLENGE session keeps.
type customState struct {
	Results []challengeResult `json:"r"`
	Private map[string]string `json:"p,omitempty"`
	Meta    string            `json:"m,omitempty"`
	// NotFound: the sign-in names no user (PreventUserExistenceErrors
	// ENABLED), and the functions play it on with userNotFound true.
	NotFound bool `json:"nf,omitempty"`
}

// The custom challenge functions of a sign-in for a user that does not
// exist, where the client prevents user existence errors: "LambdaChallenge
// returns a boolean parameter named UserNotFound. Then it's passed in the
// request of DefineAuthChallenge, VerifyAuthChallenge, and
// CreateAuthChallenge Lambda triggers. You can use this trigger to simulate
// custom authorization challenges for a user that doesn't exist."
// (cognito-user-pool-managing-errors.html). Such a sign-in runs under a
// stand-in user with the name asked for and no sub (its sessions belong to
// nobody), and never ends in tokens.

// phantomUser stands in for the user a custom sign-in names but that does
// not exist.
func phantomUser(username string) *store.User {
	return &store.User{Username: username, Attributes: map[string]string{}}
}

var errCustomAuthFailed = Errorf(NotAuthorizedException, "Incorrect username or password.")

// customNext runs DefineAuthChallenge (and CreateAuthChallenge when it asks
// for a challenge) for u after results, and ends in the next step: a new
// CUSTOM_CHALLENGE session, or the sign-in's grant (MFA first, if due).
func (s *Service) customNext(ctx context.Context, p *Pool, c *Client, u *store.User, st sessionState, results []challengeResult, consumeHash []byte) (*Step, error) {
	if results == nil {
		results = []challengeResult{}
	}
	notFound := u.Sub == ""
	attrs := map[string]string{}
	if !notFound {
		attrs = triggerAttributes(p, u.Sub, u.Status, u.Attributes)
	}
	// The response's members start null, as in AWS's events.
	var def struct {
		ChallengeName      *string `json:"challengeName"`
		IssueTokens        *bool   `json:"issueTokens"`
		FailAuthentication *bool   `json:"failAuthentication"`
	}
	if _, err := s.runTrigger(ctx, p, TriggerDefineAuthChallenge, "DefineAuthChallenge_Authentication", u.Username, c.ID,
		map[string]any{"userAttributes": attrs, "session": results, "userNotFound": notFound}, &def); err != nil {
		return nil, err
	}
	challenge, issue, fail := deref(def.ChallengeName), deref(def.IssueTokens), deref(def.FailAuthentication)
	var cs customState
	switch {
	case fail, notFound && issue: // no tokens for nobody
		if consumeHash != nil {
			if err := s.update(ctx, func(tx store.Tx) error { return consume(tx, consumeHash, s.now()) }); err != nil && !errors.Is(err, errSessionUsed) {
				return nil, err
			}
		}
		return nil, errCustomAuthFailed
	case issue:
	case challenge == ChallengeCustom:
		if len(results) >= maxCustomChallenges {
			return nil, errCustomAuthFailed
		}
		var created struct {
			Public  map[string]string `json:"publicChallengeParameters"`
			Private map[string]string `json:"privateChallengeParameters"`
			Meta    *string           `json:"challengeMetadata"`
		}
		if _, err := s.runTrigger(ctx, p, TriggerCreateAuthChallenge, "CreateAuthChallenge_Authentication", u.Username, c.ID,
			map[string]any{"userAttributes": attrs, "challengeName": ChallengeCustom, "session": results, "userNotFound": notFound}, &created); err != nil {
			return nil, err
		}
		cs = customState{Results: results, Private: created.Private, Meta: deref(created.Meta), NotFound: notFound}
		return s.customStep(ctx, p, c, u, st, cs, created.Public, consumeHash)
	case challenge == ChallengePasswordSRP && customSRPFrom(ctx) != nil && consumeHash == nil && !notFound:
		// SRP's own challenge, its state marked as custom: srpVerify
		// returns to Define with the verifier's result.
		return s.srpStart(withCustomState(ctx, &customState{Results: results}), p, c, customSRPFrom(ctx), nil)
	default:
		// Define asked for something this server does not run, or for
		// nothing.
		return nil, Errorf(InvalidLambdaResponseException, "Invalid lambda response.")
	}
	// Tokens (or MFA first, if the pool asks for it).
	var step *Step
	var pending *pendingTokens
	err := s.updateGrant(ctx, p, c, &pending, func(tx store.Tx) error {
		if consumeHash != nil {
			if err := consume(tx, consumeHash, s.now()); err != nil {
				return err
			}
		}
		fresh, err := tx.Users().Get(p.ID, u.Sub)
		if err != nil {
			return err
		}
		if err := s.accountState(c, fresh); err != nil {
			return err
		}
		st.Custom = nil
		// MFA follows a custom sign-in that checked the password; one that
		// did not is passwordless, and "MFA is not supported when using
		// passwordless authentication flows within a Custom Auth Flow, as MFA
		// generation is dependent on the password verifier challenge being
		// triggered" (the Cognito team, through aws-amplify/amplify-js#12887).
		if slices.ContainsFunc(results, func(r challengeResult) bool { return r.ChallengeName == ChallengePasswordSRP && r.ChallengeResult }) {
			step, pending, err = s.mfaOrTokens(tx, p, c, fresh, st)
		} else {
			step, pending, err = s.deviceOrTokens(tx, p, c, fresh, st)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.finish(ctx, p, c, step, pending)
}

// customStep stores the CUSTOM_CHALLENGE session and answers the challenge.
func (s *Service) customStep(ctx context.Context, p *Pool, c *Client, u *store.User, st sessionState, cs customState, public map[string]string, consumeHash []byte) (*Step, error) {
	var session string
	err := s.update(ctx, func(tx store.Tx) error {
		if consumeHash != nil {
			if err := consume(tx, consumeHash, s.now()); err != nil {
				return err
			}
		}
		st.Custom = &cs
		var err error
		session, err = s.newSession(tx, c, u, ChallengeCustom, st)
		return err
	})
	if err != nil {
		return nil, err
	}
	params := map[string]string{}
	for k, v := range public {
		params[k] = v
	}
	params["USERNAME"] = u.Username
	return &Step{ChallengeName: ChallengeCustom, Session: session, Parameters: params}, nil
}

// customStart is InitiateAuth's CUSTOM_AUTH.
func (s *Service) customStart(ctx context.Context, p *Pool, c *Client, params map[string]string) (*Step, error) {
	if f, _ := triggerFunction(p, TriggerDefineAuthChallenge); f == "" || s.Invoke == nil {
		// InvalidParameterException, as Amplify's sign-in code expects of
		// Cognito (aws-amplify/amplify-js#7401).
		return nil, Errorf(InvalidParameterException, "Custom auth lambda trigger is not configured for the user pool.")
	}
	username := params["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if err := checkSecretHash(c, []string{username}, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	var u *store.User
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		u, err = findUser(tx, p, username)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		if c.PreventUserExistenceErrors == "ENABLED" {
			if params["SRP_A"] != "" {
				// CUSTOM_WITH_SRP for nobody is refused at once, not played
				// on: an existing user's sign-in gets a challenge first, so
				// this answer tells the two apart. Playing it on would need
				// Define's SRP steps against the fake verifier (not built).
				return nil, errIncorrect
			}
			st := sessionState{Username: username, EventID: uuid.New().String(), AuthTime: s.now().Unix(), Admin: isAdminFlow(ctx)}
			return s.customNext(ctx, p, c, phantomUser(username), st, nil, nil)
		}
		return nil, errUserNotFoundAuth
	}
	if err != nil {
		return nil, err
	}
	if err := s.accountState(c, u); err != nil {
		return nil, err
	}
	if err := s.preAuthentication(ctx, p, c, u); err != nil {
		return nil, err
	}
	st := sessionState{Username: u.Username, EventID: uuid.New().String(), AuthTime: s.now().Unix(), Admin: isAdminFlow(ctx)}
	var results []challengeResult
	if params["SRP_A"] != "" {
		// Custom authentication that starts with SRP (Amplify's
		// CUSTOM_WITH_SRP): Define sees SRP_A and may ask for
		// PASSWORD_VERIFIER, whose result it then sees too.
		results = []challengeResult{{ChallengeName: "SRP_A", ChallengeResult: true}}
		ctx = withCustomSRP(ctx, params)
	}
	return s.customNext(ctx, p, c, u, st, results, nil)
}

type customSRPKey struct{}

// withCustomSRP carries InitiateAuth's parameters (SRP_A) to a Define that
// asks for PASSWORD_VERIFIER.
func withCustomSRP(ctx context.Context, params map[string]string) context.Context {
	return context.WithValue(ctx, customSRPKey{}, params)
}

func customSRPFrom(ctx context.Context) map[string]string {
	p, _ := ctx.Value(customSRPKey{}).(map[string]string)
	return p
}

// respondCustom answers a CUSTOM_CHALLENGE: VerifyAuthChallengeResponse
// judges the ANSWER, and DefineAuthChallenge decides what follows.
func (s *Service) respondCustom(ctx context.Context, p *Pool, c *Client, hash []byte, username string, r map[string]string) (*Step, error) {
	answer, ok := r["ANSWER"]
	if !ok {
		return nil, missing("ANSWER")
	}
	var u *store.User
	var st sessionState
	err := s.view(ctx, func(tx store.Tx) error {
		sess, su, err := s.loadSession(tx, p, c, hash, ChallengeCustom, username)
		if errors.Is(err, errSimulatedSession) {
			// A sign-in for nobody: only under the name it began with.
			if err := json.Unmarshal(sess.State, &st); err != nil {
				return err
			}
			if st.Custom == nil || !st.Custom.NotFound || st.Username != username {
				return errSessionInvalid
			}
			u = phantomUser(username)
			return nil
		}
		if err != nil {
			return err
		}
		u = su
		return json.Unmarshal(sess.State, &st)
	})
	if err != nil {
		return nil, err
	}
	if st.Custom == nil {
		return nil, fmt.Errorf("idp: custom challenge session without its state")
	}
	attrs := map[string]string{}
	if !st.Custom.NotFound {
		attrs = triggerAttributes(p, u.Sub, u.Status, u.Attributes)
	}
	var verdict struct {
		AnswerCorrect *bool `json:"answerCorrect"`
	}
	if _, err := s.runTrigger(ctx, p, TriggerVerifyAuthChallenge, "VerifyAuthChallengeResponse_Authentication", u.Username, c.ID,
		map[string]any{"userAttributes": attrs, "privateChallengeParameters": nonNilMap(st.Custom.Private),
			"challengeAnswer": answer, "userNotFound": st.Custom.NotFound}, &verdict); err != nil {
		return nil, err
	}
	results := append(st.Custom.Results, challengeResult{ChallengeName: ChallengeCustom, ChallengeResult: deref(verdict.AnswerCorrect),
		ChallengeMetadata: st.Custom.Meta})
	return s.customNext(ctx, p, c, u, st, results, hash)
}

type customStateKey struct{}

func withCustomState(ctx context.Context, cs *customState) context.Context {
	return context.WithValue(ctx, customStateKey{}, cs)
}

func customStateFrom(ctx context.Context) *customState {
	cs, _ := ctx.Value(customStateKey{}).(*customState)
	return cs
}

// deref is *v, or v's zero value when v is nil.
func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}
