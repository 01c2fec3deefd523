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
// app), the choice of factor (SELECT_MFA_TYPE, and USER_AUTH's first factor:
// SELECT_CHALLENGE), setting up an authenticator app. A wrong code is asked
// again in the same session, as Cognito allows. It speaks
// the wire protocol only (aws-sdk-go-v2), so it signs in against this
// server, another Ninshou, or Amazon Cognito itself (--endpoint aws). The
// answers it needs are asked on the terminal (passwords without echo) or
// read line by line from standard input; the last answer is printed as
// the AWS CLI prints InitiateAuth's.

var loginCommand = command{
	name:    "login",
	summary: "sign a user in through the Cognito API and answer every challenge on the way; prints the tokens",
	flags: map[string]string{
		"endpoint":            "`URL` of the Cognito API, or aws for Amazon Cognito in --region (default: this server's --public-url)",
		"client-id":           "`ID` of the app client (required)",
		"client-secret":       "`secret` of a confidential app client (SECRET_HASH is computed from it)",
		"username":            "`name` to sign in as (asked when not given)",
		"flow":                "USER_PASSWORD_AUTH (default), USER_SRP_AUTH (which needs --pool-id), CUSTOM_AUTH (the pool's functions' challenges) or USER_AUTH (choice-based: the first factors the pool allows)",
		"pool-id":             "`ID` of the user pool (for USER_SRP_AUTH, and USER_AUTH's PASSWORD_SRP)",
		"preferred-challenge": "first factor to try with USER_AUTH (`NAME`: PASSWORD, PASSWORD_SRP, EMAIL_OTP or SMS_OTP), sent as PREFERRED_CHALLENGE; without it the factors offered are asked",
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
	flow := types.AuthFlowType(cmpOr(own["flow"], string(types.AuthFlowTypeUserPasswordAuth)))
	switch flow {
	case types.AuthFlowTypeUserPasswordAuth, types.AuthFlowTypeUserSrpAuth, types.AuthFlowTypeCustomAuth, types.AuthFlowTypeUserAuth:
	default:
		return usageError{"--flow must be USER_PASSWORD_AUTH, USER_SRP_AUTH, CUSTOM_AUTH or USER_AUTH"}
	}
	preferred := types.ChallengeNameType(own["preferred-challenge"])
	switch {
	case preferred == "":
	case flow != types.AuthFlowTypeUserAuth:
		return usageError{"--preferred-challenge goes with --flow USER_AUTH"}
	case preferred == types.ChallengeNameTypeWebAuthn:
		return usageError{webAuthnRefusal}
	case !slices.Contains(terminalFactors, preferred):
		return usageError{"--preferred-challenge must be PASSWORD, PASSWORD_SRP, EMAIL_OTP or SMS_OTP"}
	}
	poolID := own["pool-id"]
	if (flow == types.AuthFlowTypeUserSrpAuth || preferred == types.ChallengeNameTypePasswordSrp) && !strings.Contains(poolID, "_") {
		return usageError{"SRP needs --pool-id (region_id)"}
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
	last, err := w.signIn(ctx, username, flow, preferred)
	if err != nil {
		return cognitoMessage(err)
	}
	out, err := json.MarshalIndent(printedResult(last), "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}

// cognitoMessage is an API error as "ExceptionName: Cognito's message",
// without the SDK's operation, status and request ID around it.
func cognitoMessage(err error) error {
	var api interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if errors.As(err, &api) {
		return fmt.Errorf("%s: %s", api.ErrorCode(), api.ErrorMessage())
	}
	return err
}

// loginOutput is the last answer as the AWS CLI prints InitiateAuth's or
// RespondToAuthChallenge's: botocore parses a response into its model's
// member order (InitiateAuthResponse, AuthenticationResultType and
// NewDeviceMetadataType in api/cognito-idp/service-2.json) and the CLI's
// JSON output keeps that order; members absent from the answer are left out.
type loginOutput struct {
	ChallengeParameters  *map[string]string `json:",omitempty"`
	AuthenticationResult *loginTokens       `json:",omitempty"`
}

type loginTokens struct {
	AccessToken       string             `json:",omitempty"`
	ExpiresIn         int32              `json:",omitempty"`
	TokenType         string             `json:",omitempty"`
	RefreshToken      string             `json:",omitempty"`
	IdToken           string             `json:",omitempty"`
	NewDeviceMetadata *loginNewDeviceKey `json:",omitempty"`
}

type loginNewDeviceKey struct {
	DeviceKey      string `json:",omitempty"`
	DeviceGroupKey string `json:",omitempty"`
}

func printedResult(last step) loginOutput {
	var out loginOutput
	if last.params != nil {
		out.ChallengeParameters = &last.params
	}
	if r := last.result; r != nil {
		out.AuthenticationResult = &loginTokens{AccessToken: aws.ToString(r.AccessToken), ExpiresIn: r.ExpiresIn,
			TokenType: aws.ToString(r.TokenType), RefreshToken: aws.ToString(r.RefreshToken), IdToken: aws.ToString(r.IdToken)}
		if md := r.NewDeviceMetadata; md != nil {
			out.AuthenticationResult.NewDeviceMetadata = &loginNewDeviceKey{DeviceKey: aws.ToString(md.DeviceKey), DeviceGroupKey: aws.ToString(md.DeviceGroupKey)}
		}
	}
	return out
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
	// password is asked once and kept for SRP's PASSWORD_VERIFIER.
	password string
}

func (w *walker) secretHash(username string) *string {
	if w.secret == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(w.secret))
	m.Write([]byte(username + w.clientID))
	return aws.String(base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

func (w *walker) askPassword() error {
	if w.password != "" {
		return nil
	}
	var err error
	w.password, err = w.io.secret("Password: ")
	return err
}

// startSRP begins an SRP exchange: its SRP_A goes with the request.
func (w *walker) startSRP(params map[string]string) error {
	var err error
	if w.srp, err = srp.NewClient(rand.Reader); err != nil {
		return err
	}
	params["SRP_A"] = w.srp.A()
	return nil
}

// step is one answer of InitiateAuth or RespondToAuthChallenge.
type step struct {
	name      types.ChallengeNameType
	session   *string
	params    map[string]string
	available []types.ChallengeNameType
	result    *types.AuthenticationResultType
	// retry: an answer to this challenge was refused and is asked again.
	retry bool
}

// maxSteps bounds a chain of challenges: a pool never asks for more.
const maxSteps = 10

// signIn walks the challenges to the tokens and returns the last answer.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
func (w *walker) signIn(ctx context.Context, username string, flow types.AuthFlowType, preferred types.ChallengeNameType) (step, error) {
	params := map[string]string{"USERNAME": username}
	switch {
	case flow == types.AuthFlowTypeUserSrpAuth || preferred == types.ChallengeNameTypePasswordSrp:
		if err := w.startSRP(params); err != nil {
			return step{}, err
		}
		if err := w.askPassword(); err != nil {
			return step{}, err
		}
	case flow == types.AuthFlowTypeUserPasswordAuth || preferred == types.ChallengeNameTypePassword:
		if err := w.askPassword(); err != nil {
			return step{}, err
		}
		params["PASSWORD"] = w.password
	}
	// Custom authentication asks for what its functions want, and
	// choice-based authentication for what the chosen factor needs.
	if preferred != "" {
		params["PREFERRED_CHALLENGE"] = string(preferred)
	}
	if h := w.secretHash(username); h != nil {
		params["SECRET_HASH"] = *h
	}
	out, err := w.c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &w.clientID, AuthFlow: flow, AuthParameters: params})
	if err != nil {
		return step{}, err
	}
	s := step{name: out.ChallengeName, session: out.Session, params: out.ChallengeParameters,
		available: out.AvailableChallenges, result: out.AuthenticationResult}
	for range maxSteps {
		if s.result != nil {
			return s, nil
		}
		if s, err = w.respond(ctx, s, username); err != nil {
			return step{}, err
		}
	}
	return step{}, fmt.Errorf("more than %d challenges in a row", maxSteps)
}

// respond answers one challenge. A wrong code Cognito lets the user retry
// in the same session is asked again, until the session is spent (Cognito
// then answers NotAuthorizedException, which ends the sign-in).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
func (w *walker) respond(ctx context.Context, s step, username string) (step, error) {
	user := cmpOr(s.params["USERNAME"], cmpOr(s.params["USER_ID_FOR_SRP"], username))
	for {
		answers, next, err := w.answer(ctx, s, user)
		if err != nil {
			return step{}, err
		}
		session := s.session
		if next != nil {
			session = next
		}
		answers["USERNAME"] = user
		if h := w.secretHash(user); h != nil {
			answers["SECRET_HASH"] = *h
		}
		r, err := w.c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &w.clientID,
			ChallengeName: s.name, Session: session, ChallengeResponses: answers})
		var mismatch *types.CodeMismatchException
		if errors.As(err, &mismatch) && codeKeys[s.name] != "" {
			fmt.Fprintln(w.log, mismatch.ErrorMessage())
			s.retry = true
			continue
		}
		if err != nil {
			return step{}, err
		}
		return step{name: r.ChallengeName, session: r.Session, params: r.ChallengeParameters, result: r.AuthenticationResult}, nil
	}
}

// codeKeys are the answer keys of the code challenges.
var codeKeys = map[types.ChallengeNameType]string{
	types.ChallengeNameTypeSmsMfa:           "SMS_MFA_CODE",
	types.ChallengeNameTypeEmailOtp:         "EMAIL_OTP_CODE",
	types.ChallengeNameTypeSmsOtp:           "SMS_OTP_CODE",
	types.ChallengeNameTypeSoftwareTokenMfa: "SOFTWARE_TOKEN_MFA_CODE",
}

// terminalFactors are the first factors of choice-based sign-in that can
// be answered on a terminal.
var terminalFactors = []types.ChallengeNameType{types.ChallengeNameTypePassword, types.ChallengeNameTypePasswordSrp,
	types.ChallengeNameTypeEmailOtp, types.ChallengeNameTypeSmsOtp}

const webAuthnRefusal = "WEB_AUTHN (a passkey) needs a browser or a security key's platform API; ninshou login cannot use it on a terminal"

// chooseFirstFactor asks which of the offered first factors to use until
// the answer is one of them that a terminal can do.
func (w *walker) chooseFirstFactor(offered []types.ChallengeNameType) (types.ChallengeNameType, error) {
	names := make([]string, len(offered))
	usable := false
	for i, c := range offered {
		names[i] = string(c)
		usable = usable || (slices.Contains(terminalFactors, c) && (c != types.ChallengeNameTypePasswordSrp || w.poolID != ""))
	}
	if !usable {
		return "", fmt.Errorf("the pool offers %s; ninshou login can answer none of them (%s)", strings.Join(names, ", "), webAuthnRefusal)
	}
	for {
		a, err := w.io.ask("Choose how to sign in (" + strings.Join(names, ", ") + "): ")
		if err != nil {
			return "", err
		}
		choice := types.ChallengeNameType(strings.ToUpper(strings.TrimSpace(a)))
		switch {
		case !slices.Contains(offered, choice):
			fmt.Fprintf(w.log, "%q is not offered; choose one of %s.\n", choice, strings.Join(names, ", "))
		case choice == types.ChallengeNameTypeWebAuthn:
			fmt.Fprintln(w.log, webAuthnRefusal+"; choose another factor.")
		case choice == types.ChallengeNameTypePasswordSrp && w.poolID == "":
			fmt.Fprintln(w.log, "PASSWORD_SRP needs --pool-id; choose another factor.")
		default:
			return choice, nil
		}
	}
}

// answer is the response to one challenge, and the session to send it
// with when answering took calls of its own (setting up an app).
func (w *walker) answer(ctx context.Context, s step, user string) (map[string]string, *string, error) {
	name, session, cp := s.name, s.session, s.params
	switch name {
	case types.ChallengeNameTypeSelectChallenge:
		// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ChallengeResponseType.html
		choice, err := w.chooseFirstFactor(s.available)
		if err != nil {
			return nil, nil, err
		}
		a := map[string]string{"ANSWER": string(choice)}
		switch choice {
		case types.ChallengeNameTypePassword:
			if err := w.askPassword(); err != nil {
				return nil, nil, err
			}
			a["PASSWORD"] = w.password
		case types.ChallengeNameTypePasswordSrp:
			if err := w.startSRP(a); err != nil {
				return nil, nil, err
			}
			if err := w.askPassword(); err != nil {
				return nil, nil, err
			}
		}
		return a, nil, nil
	case types.ChallengeNameTypeWebAuthn:
		return nil, nil, errors.New(webAuthnRefusal)
	case types.ChallengeNameTypePasswordVerifier:
		if w.srp == nil {
			return nil, nil, errors.New("PASSWORD_VERIFIER without SRP")
		}
		poolName := w.poolID[strings.Index(w.poolID, "_")+1:]
		ts, sig, err := w.srp.Claim(poolName, cp["USER_ID_FOR_SRP"], w.password, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], time.Now())
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
	case types.ChallengeNameTypeSmsMfa, types.ChallengeNameTypeEmailOtp, types.ChallengeNameTypeSmsOtp, types.ChallengeNameTypeSoftwareTokenMfa:
		if d := cp["CODE_DELIVERY_DESTINATION"]; d != "" && !s.retry {
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
		for {
			a, err := w.io.ask("Choose a factor (" + strings.Join(options, ", ") + "): ")
			if err != nil {
				return nil, nil, err
			}
			// Checked here, so that a choice Cognito would refuse does not end the sign-in.
			if choice := strings.ToUpper(strings.TrimSpace(a)); slices.Contains(options, choice) {
				return map[string]string{"ANSWER": choice}, nil, nil
			}
			fmt.Fprintf(w.log, "%q is not offered; choose one of %s.\n", strings.TrimSpace(a), strings.Join(options, ", "))
		}
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
		// A wrong code is asked again on the same session, as Cognito allows
		// (until it ends the session), like every other code here.
		for {
			code, err := w.io.ask("Code from the app: ")
			if err != nil {
				return nil, nil, err
			}
			v, err := w.c.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String(strings.TrimSpace(code))})
			var mismatch *types.EnableSoftwareTokenMFAException
			if errors.As(err, &mismatch) {
				fmt.Fprintf(w.log, "%s\n", aws.ToString(mismatch.Message))
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			return map[string]string{}, v.Session, nil
		}
	}
	return nil, nil, fmt.Errorf("ninshou login cannot answer %s yet", name)
}
