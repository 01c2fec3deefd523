package adapter

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/ninshou/ninshou/internal/throttle"
)

// ThrottleRequest is what internal/throttle counts of a request: its
// operation and the user it names, if any: the pool (or app client) with
// the username, or the subject of its access token. The token is not
// verified here (the operation does that); a forged one only fills a
// bucket of its own.
func ThrottleRequest(op string, body []byte) throttle.Request {
	r := throttle.Request{Operation: op}
	if !throttle.Counted(op) {
		return r
	}
	var in struct {
		UserPoolID         string            `json:"UserPoolId"`
		ClientID           string            `json:"ClientId"`
		Username           string            `json:"Username"`
		AccessToken        string            `json:"AccessToken"`
		AuthParameters     map[string]string `json:"AuthParameters"`
		ChallengeResponses map[string]string `json:"ChallengeResponses"`
		ChallengeName      string            `json:"ChallengeName"`
		ResourceArn        string            `json:"ResourceArn"`
	}
	if json.Unmarshal(body, &in) != nil {
		return r // the operation answers the malformed body
	}
	r.Challenge = in.ChallengeName
	r.Pool = in.UserPoolID
	if r.Pool == "" {
		r.Pool = in.ResourceArn
	}
	scope := in.UserPoolID
	if scope == "" {
		scope = in.ClientID
	}
	switch {
	case in.Username != "":
		r.User = scope + "/" + in.Username
	case in.AuthParameters["USERNAME"] != "":
		r.User = scope + "/" + in.AuthParameters["USERNAME"]
	case in.ChallengeResponses["USERNAME"] != "":
		r.User = scope + "/" + in.ChallengeResponses["USERNAME"]
	case in.AccessToken != "":
		if sub := tokenSubject(in.AccessToken); sub != "" {
			r.User = "sub/" + sub
		}
	}
	return r
}

// tokenSubject is the sub claim of a JWT's payload, unverified, or "".
func tokenSubject(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Sub
}
