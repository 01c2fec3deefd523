package tokens

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/ninshou/ninshou/internal/store"
)

// jwk is one public key as Cognito publishes it; members in Cognito's
// (alphabetical) order.
type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	KID string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// JWKS returns the pool's public keys as served at
// <iss>/.well-known/jwks.json: {"keys":[{"alg":"RS256","e":"AQAB","kid":...,
// "kty":"RSA","n":...,"use":"sig"}, ...]}. Every stored key is listed, active
// and retired, oldest first, so tokens signed before a rotation still verify
// elsewhere.
func (s *Service) JWKS(tx store.Tx, poolID string) ([]byte, error) {
	keys, err := tx.Keys().List(poolID)
	if err != nil {
		return nil, fmt.Errorf("tokens: list keys: %w", err)
	}
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		priv, err := s.private(k)
		if err != nil {
			return nil, err
		}
		pub := priv.Private().PublicKey
		set.Keys = append(set.Keys, jwk{
			Alg: "RS256",
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			KID: k.KID,
			Kty: "RSA",
			N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			Use: "sig",
		})
	}
	return json.Marshal(set)
}

// discovery is the OpenID Provider metadata (OpenID Connect Discovery 1.0
// §3) that Cognito serves for a pool.
type discovery struct {
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	Issuer                            string   `json:"issuer"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
}

// Discovery returns the pool's OpenID configuration, as served at
// <iss>/.well-known/openid-configuration. The OAuth endpoints live under
// PublicURL/oauth2/ until pools get domains of their own. The keys are
// Cognito's, in its order (localstack#12914 shows a real document, with
// end_session_endpoint and revocation_endpoint).
func (s *Service) Discovery(poolID string) ([]byte, error) {
	iss := s.Issuer(poolID)
	return json.Marshal(discovery{
		AuthorizationEndpoint:             s.PublicURL + "/oauth2/authorize",
		EndSessionEndpoint:                s.PublicURL + "/logout",
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		Issuer:                            iss,
		JWKSURI:                           iss + "/.well-known/jwks.json",
		ResponseTypesSupported:            []string{"code", "token"},
		RevocationEndpoint:                s.PublicURL + "/oauth2/revoke",
		ScopesSupported:                   []string{"openid", "email", "phone", "profile"},
		SubjectTypesSupported:             []string{"public"},
		TokenEndpoint:                     s.PublicURL + "/oauth2/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		UserinfoEndpoint:                  s.PublicURL + "/oauth2/userInfo",
	})
}
