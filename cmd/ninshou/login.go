package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/term"

	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/idp/srp"
)

// `ninshou login` signs a user in through the Cognito API, the way an app
// does, and walks whatever chain of challenges the pool asks for: SRP's
// password verifier, a new password, MFA codes (SMS, email, authenticator
// app), the choice of factor, setting up an authenticator app. It speaks
// the wire protocol only (aws-sdk-go-v2), so it signs in against this
// server, another Ninshou, or Amazon Cognito itself (--endpoint aws). The
// answers it needs are asked on the terminal (passwords without echo) or
// read line by line from standard input; the tokens are printed as the
// AWS CLI prints InitiateAuth's answer.

var loginCommand = command{
	name:    "login",
	summary: "sign a user in through the Cognito API and answer every challenge on the way; prints the tokens",
	flags: map[string]string{
		"endpoint":      "`URL` of the Cognito API, or aws for Amazon Cognito in --region (default: this server's --public-url)",
		"client-id":     "`ID` of the app client (required)",
		"client-secret": "`secret` of a confidential app client (SECRET_HASH is computed from it)",
		"username":      "`name` to sign in as (asked when not given)",
		"flow":          "USER_PASSWORD_AUTH (default), USER_SRP_AUTH (which needs --pool-id) or CUSTOM_AUTH (the pool's functions' challenges)",
		"pool-id":       "`ID` of the user pool (for USER_SRP_AUTH)",
	},
	noStore: true,
	run:     runLogin,
}

// loginIO asks for answers: on a terminal, passwords are read without echo.
type loginIO struct {
	in     *bufio.Reader
	prompt io.Writer
	tty    bool
}

func (l *loginIO) ask(question string) (string, error) {
	fmt.Fprint(l.prompt, question)
	line, err := l.in.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("no answer to %q: %w", strings.TrimSpace(question), err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (l *loginIO) secret(question string) (string, error) {
	if !l.tty {
		return l.ask(question)
	}
	fmt.Fprint(l.prompt, question)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(l.prompt)
	return string(b), err
}

func runLogin(ctx context.Context, cfg config.Config, own map[string]string, stdout, stderr io.Writer) error {
	clientID := own["client-id"]
	if clientID == "" {
		return usageError{"--client-id is required"}
	}
	flow := cmpOr(own["flow"], string(types.AuthFlowTypeUserPasswordAuth))
	switch types.AuthFlowType(flow) {
	case types.AuthFlowTypeUserPasswordAuth, types.AuthFlowTypeUserSrpAuth, types.AuthFlowTypeCustomAuth:
	default:
		return usageError{"--flow must be USER_PASSWORD_AUTH, USER_SRP_AUTH or CUSTOM_AUTH"}
	}
	poolID := own["pool-id"]
	if flow == string(types.AuthFlowTypeUserSrpAuth) && !strings.Contains(poolID, "_") {
		return usageError{"USER_SRP_AUTH needs --pool-id (region_id)"}
	}
	opts := cip.Options{Region: cfg.Region, Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}
	switch endpoint := cmpOr(own["endpoint"], cfg.PublicURL); endpoint {
	case "aws":
	default:
		if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return usageError{"--endpoint must be an http(s) URL or aws"}
		}
		opts.BaseEndpoint = aws.String(endpoint)
	}
	l := &loginIO{in: bufio.NewReader(os.Stdin), prompt: stderr, tty: term.IsTerminal(int(os.Stdin.Fd()))}
	w := &walker{c: cip.New(opts), io: l, clientID: clientID, secret: own["client-secret"], poolID: poolID, log: stderr}
	username := own["username"]
	var err error
	if username == "" {
		if username, err = l.ask("Username: "); err != nil {
			return err
		}
	}
	result, err := w.signIn(ctx, username, flow)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(map[string]any{"ChallengeParameters": map[string]string{}, "AuthenticationResult": map[string]any{
		"AccessToken": aws.ToString(result.AccessToken), "ExpiresIn": result.ExpiresIn, "TokenType": aws.ToString(result.TokenType),
		"RefreshToken": aws.ToString(result.RefreshToken), "IdToken": aws.ToString(result.IdToken)}}, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// walker answers one sign-in's challenges.
type walker struct {
	c                        *cip.Client
	io                       *loginIO
	clientID, secret, poolID string
	log                      io.Writer
	srp                      *srp.Client
}

func (w *walker) secretHash(username string) *string {
	if w.secret == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(w.secret))
	m.Write([]byte(username + w.clientID))
	return aws.String(base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

// maxSteps bounds a chain of challenges: a pool never asks for more.
const maxSteps = 10

func (w *walker) signIn(ctx context.Context, username, flow string) (*types.AuthenticationResultType, error) {
	params := map[string]string{"USERNAME": username}
	var password string
	var err error
	if flow == string(types.AuthFlowTypeUserSrpAuth) {
		if w.srp, err = srp.NewClient(rand.Reader); err != nil {
			return nil, err
		}
		params["SRP_A"] = w.srp.A()
	}
	if flow != string(types.AuthFlowTypeCustomAuth) {
		// Custom authentication asks for what its functions want.
		if password, err = w.io.secret("Password: "); err != nil {
			return nil, err
		}
	}
	if flow == string(types.AuthFlowTypeUserPasswordAuth) {
		params["PASSWORD"] = password
	}
	if h := w.secretHash(username); h != nil {
		params["SECRET_HASH"] = *h
	}
	out, err := w.c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &w.clientID, AuthFlow: types.AuthFlowType(flow), AuthParameters: params})
	if err != nil {
		return nil, err
	}
	name, session, cp, result := out.ChallengeName, out.Session, out.ChallengeParameters, out.AuthenticationResult
	for range maxSteps {
		if result != nil {
			return result, nil
		}
		user := cmpOr(cp["USERNAME"], cmpOr(cp["USER_ID_FOR_SRP"], username))
		answers, next, err := w.answer(ctx, name, session, cp, user, password)
		if err != nil {
			return nil, err
		}
		if next != nil {
			session = next
		}
		answers["USERNAME"] = user
		if h := w.secretHash(user); h != nil {
			answers["SECRET_HASH"] = *h
		}
		r, err := w.c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &w.clientID,
			ChallengeName: name, Session: session, ChallengeResponses: answers})
		if err != nil {
			return nil, err
		}
		name, session, cp, result = r.ChallengeName, r.Session, r.ChallengeParameters, r.AuthenticationResult
	}
	return nil, fmt.Errorf("more than %d challenges in a row", maxSteps)
}

// codeKeys are the answer keys of the code challenges.
var codeKeys = map[types.ChallengeNameType]string{
	types.ChallengeNameTypeSmsMfa:           "SMS_MFA_CODE",
	types.ChallengeNameTypeEmailOtp:         "EMAIL_OTP_CODE",
	types.ChallengeNameTypeSoftwareTokenMfa: "SOFTWARE_TOKEN_MFA_CODE",
}

// answer is the response to one challenge, and the session to send it
// with when answering took calls of its own (setting up an app).
func (w *walker) answer(ctx context.Context, name types.ChallengeNameType, session *string, cp map[string]string, user, password string) (map[string]string, *string, error) {
	switch name {
	case types.ChallengeNameTypePasswordVerifier:
		if w.srp == nil {
			return nil, nil, errors.New("PASSWORD_VERIFIER outside USER_SRP_AUTH")
		}
		poolName := w.poolID[strings.Index(w.poolID, "_")+1:]
		ts, sig, err := w.srp.Claim(poolName, cp["USER_ID_FOR_SRP"], password, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], time.Now())
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{"PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}, nil, nil
	case types.ChallengeNameTypeNewPasswordRequired:
		fmt.Fprintln(w.log, "A new password is required.")
		pw, err := w.io.secret("New password: ")
		if err != nil {
			return nil, nil, err
		}
		a := map[string]string{"NEW_PASSWORD": pw}
		var required []string
		json.Unmarshal([]byte(cp["requiredAttributes"]), &required)
		for _, attr := range required {
			v, err := w.io.ask(strings.TrimPrefix(attr, "userAttributes.") + ": ")
			if err != nil {
				return nil, nil, err
			}
			a[attr] = v
		}
		return a, nil, nil
	case types.ChallengeNameTypeSmsMfa, types.ChallengeNameTypeEmailOtp, types.ChallengeNameTypeSoftwareTokenMfa:
		if d := cp["CODE_DELIVERY_DESTINATION"]; d != "" {
			fmt.Fprintf(w.log, "A code was sent to %s.\n", d)
		}
		code, err := w.io.ask(string(name) + " code: ")
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{codeKeys[name]: strings.TrimSpace(code)}, nil, nil
	case types.ChallengeNameTypeCustomChallenge:
		// The public challenge parameters the pool's function made.
		for k, v := range cp {
			if k != "USERNAME" {
				fmt.Fprintf(w.log, "%s: %s\n", k, v)
			}
		}
		a, err := w.io.ask("Answer: ")
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{"ANSWER": a}, nil, nil
	case types.ChallengeNameTypeSelectMfaType:
		var options []string
		json.Unmarshal([]byte(cp["MFAS_CAN_CHOOSE"]), &options)
		choice, err := w.io.ask("Choose a factor (" + strings.Join(options, ", ") + "): ")
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{"ANSWER": strings.TrimSpace(choice)}, nil, nil
	case types.ChallengeNameTypeMfaSetup:
		var options []string
		json.Unmarshal([]byte(cp["MFAS_CAN_SETUP"]), &options)
		if !slices.Contains(options, string(types.ChallengeNameTypeSoftwareTokenMfa)) {
			return nil, nil, fmt.Errorf("MFA_SETUP offers %v; ninshou login sets up an authenticator app only", options)
		}
		assoc, err := w.c.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: session})
		if err != nil {
			return nil, nil, err
		}
		secret := aws.ToString(assoc.SecretCode)
		fmt.Fprintf(w.log, "Set up an authenticator app with this key: %s\n(otpauth://totp/%s?secret=%s)\n",
			secret, url.PathEscape(user), secret)
		code, err := w.io.ask("Code from the app: ")
		if err != nil {
			return nil, nil, err
		}
		v, err := w.c.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String(strings.TrimSpace(code))})
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{}, v.Session, nil
	}
	return nil, nil, fmt.Errorf("ninshou login cannot answer %s yet", name)
}
