package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/ninshou/ninshou/internal/store"
)

// Linking external identities to users (AdminLinkProviderForUser) and
// undoing it (AdminDisableProviderForUser).
//
// A link says: when the identity <provider, attribute, value> signs in
// through the pool's identity provider, it is this user. The user shows its
// links in its identities attribute, as Cognito shows a user's identities;
// each link is also a pool object keyed by the identity, so that one
// identity belongs to at most one user. A link whose user was deleted since
// is void, and the identity may be linked again.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation-consolidate-users.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html

const kindProviderLink = "provider-link"

// cognitoUserProvider is the ProviderName of a user of the pool's own
// directory in ProviderUserIdentifierType.
const cognitoUserProvider = "Cognito"

// subjectAttribute is the ProviderAttributeName of an identity's own
// subject (the provider's unique user ID).
const subjectAttribute = "Cognito_Subject"

// MaxLinkedIdentities is how many external identities one user may have.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation-consolidate-users.html
const MaxLinkedIdentities = 5

// ProviderUser names a user by provider: the ProviderUserIdentifierType.
type ProviderUser struct {
	ProviderName   string
	AttributeName  string
	AttributeValue string
}

// linkedIdentity is one entry of the identities attribute.
type linkedIdentity struct {
	UserID       string  `json:"userId"`
	ProviderName string  `json:"providerName"`
	ProviderType string  `json:"providerType"`
	Issuer       *string `json:"issuer"`
	Primary      bool    `json:"primary"`
	DateCreated  int64   `json:"dateCreated"`
}

// providerLinkBody is what the store keeps of a link.
type providerLinkBody struct {
	Sub string `json:"sub"`
}

func linkKey(pu ProviderUser) string {
	return pu.ProviderName + "\n" + pu.AttributeName + "\n" + pu.AttributeValue
}

// federatedUsername is the username Cognito gives a user who signed in
// through a provider: "<provider>_<subject>".
func federatedUsername(pu ProviderUser) string {
	return pu.ProviderName + "_" + pu.AttributeValue
}

func userIdentities(u *store.User) []linkedIdentity {
	var ids []linkedIdentity
	if v := u.Attributes["identities"]; v != "" {
		_ = json.Unmarshal([]byte(v), &ids) // not ours (set by an administrator): start afresh
	}
	return ids
}

func setUserIdentities(u *store.User, ids []linkedIdentity) {
	if len(ids) == 0 {
		delete(u.Attributes, "identities")
		return
	}
	b, _ := json.Marshal(ids)
	if u.Attributes == nil {
		u.Attributes = map[string]string{}
	}
	u.Attributes["identities"] = string(b)
}

// linkedUser is the live user an identity is linked to, or nil.
func linkedUser(tx store.Tx, poolID string, pu ProviderUser) (*store.User, error) {
	o, err := tx.PoolObjects().Get(poolID, kindProviderLink, linkKey(pu))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var b providerLinkBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: provider link of %s: %w", poolID, err)
	}
	u, err := tx.Users().Get(poolID, b.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// destinationUser is the user a link attaches to: a user of the directory
// by username, or a federated user by provider and subject.
func destinationUser(tx store.Tx, p *Pool, d ProviderUser) (*store.User, error) {
	if d.ProviderName == cognitoUserProvider {
		return mustFindUser(tx, p, d.AttributeValue)
	}
	return mustFindUser(tx, p, federatedUsername(d))
}

// AdminLinkProviderForUser links the external identity src to the existing
// user dst, so that src's first sign-in through its provider signs in as
// dst.
func (s *Service) AdminLinkProviderForUser(ctx context.Context, poolID string, dst, src ProviderUser) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, err := lockedPool(tx, poolID)
		if err != nil {
			return err
		}
		if src.ProviderName == cognitoUserProvider {
			// The exception is modelled; its text is not published.
			return Errorf(InvalidParameterException, "SourceUser must be a user of an external identity provider, not of Cognito.")
		}
		ip, _, err := getIdentityProvider(tx, p.ID, src.ProviderName)
		if err != nil {
			return err
		}
		if slices.Contains(social, ip.Type) && src.AttributeName != subjectAttribute {
			return Errorf(InvalidParameterException, "ProviderAttributeName of a %s SourceUser must be %s.", ip.Type, subjectAttribute)
		}
		u, err := destinationUser(tx, p, dst)
		if err != nil {
			return err
		}
		for _, sa := range p.Schema {
			if isCustom(sa.Name) && !sa.Mutable && u.Attributes[sa.Name] != "" {
				// "All attributes in the DestinationUser profile must be mutable."
				return Errorf(InvalidParameterException, "DestinationUser has the immutable attribute %s and cannot be linked.", sa.Name)
			}
		}
		if src.AttributeName == subjectAttribute {
			// A SAML user of another NameID's case is another identity's
			// (otherNameID): this one has not signed up.
			// By username only: a federated username is never an alias.
			fed, err := tx.Users().GetByUsername(p.ID, p.usernameKey(federatedUsername(src)))
			switch {
			case err == nil && !otherNameID(ip, fed, federatedUsername(src)):
				// Text as Cognito has answered it (aws/aws-sdk-net#1000).
				return Errorf(InvalidParameterException, "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link")
			case err != nil && !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		owner, err := linkedUser(tx, p.ID, src)
		if err != nil {
			return err
		}
		if owner != nil {
			if owner.Sub == u.Sub {
				return nil // linked already
			}
			return Errorf(AliasExistsException, "The SourceUser is already linked to another user.")
		}
		ids := userIdentities(u)
		if len(ids) >= MaxLinkedIdentities {
			return Errorf(LimitExceededException, "A user can have at most %d linked identities.", MaxLinkedIdentities)
		}
		now := s.now()
		body, err := json.Marshal(providerLinkBody{Sub: u.Sub})
		if err != nil {
			return err
		}
		if _, err := putPoolObject(tx, p.ID, kindProviderLink, linkKey(src), body, now); err != nil {
			return err
		}
		setUserIdentities(u, append(ids, linkedIdentity{UserID: src.AttributeValue, ProviderName: ip.Name,
			ProviderType: ip.Type, DateCreated: now.UnixMilli()}))
		u.UpdatedAt = now
		return tx.Users().Update(u)
	})
}

// AdminDisableProviderForUser stops a user signing in through one provider:
// a user of the directory (ProviderName Cognito) can no longer sign in with
// a password (its password is removed; an administrator may set a new one);
// an external identity loses its link to a user, and a federated user of
// that identity is disabled.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableProviderForUser.html
func (s *Service) AdminDisableProviderForUser(ctx context.Context, poolID string, pu ProviderUser) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, err := lockedPool(tx, poolID)
		if err != nil {
			return err
		}
		now := s.now()
		if pu.ProviderName == cognitoUserProvider {
			if pu.AttributeName != subjectAttribute {
				return Errorf(InvalidParameterException, "ProviderAttributeName must be %s for a Cognito user.", subjectAttribute)
			}
			u, err := mustFindUser(tx, p, pu.AttributeValue)
			if err != nil {
				return err
			}
			if err := s.setPassword(u, &passwordRecord{}, now); err != nil {
				return err
			}
			u.UpdatedAt = now
			return tx.Users().Update(u)
		}
		ip, _, err := getIdentityProvider(tx, p.ID, pu.ProviderName)
		if err != nil {
			return err
		}
		if slices.Contains(social, ip.Type) && pu.AttributeName != subjectAttribute {
			return Errorf(InvalidParameterException, "ProviderAttributeName of a %s user must be %s.", ip.Type, subjectAttribute)
		}
		found := false
		owner, err := linkedUser(tx, p.ID, pu)
		if err != nil {
			return err
		}
		if err := tx.PoolObjects().Delete(p.ID, kindProviderLink, linkKey(pu)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if owner != nil {
			found = true
			ids := slices.DeleteFunc(userIdentities(owner), func(id linkedIdentity) bool {
				return id.ProviderName == pu.ProviderName && id.UserID == pu.AttributeValue
			})
			setUserIdentities(owner, ids)
			owner.UpdatedAt = now
			if err := tx.Users().Update(owner); err != nil {
				return err
			}
		}
		if pu.AttributeName == subjectAttribute {
			// By username only: a federated username is never an alias (a
			// native user's email might read "<provider>_<sub>").
			fed, err := tx.Users().GetByUsername(p.ID, p.usernameKey(federatedUsername(pu)))
			switch {
			case err == nil && otherNameID(ip, fed, federatedUsername(pu)):
				// Another NameID's user, of another case: not this identity's.
			case err == nil:
				found = true
				if fed.Enabled {
					fed.Enabled, fed.UpdatedAt = false, now
					if err := tx.Users().Update(fed); err != nil {
						return err
					}
				}
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		if !found {
			return userNotFound()
		}
		return nil
	})
}
