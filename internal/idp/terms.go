package idp

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// Terms documents: the links to an app client's terms of use and privacy
// policy, by language, that managed login's sign-up page shows
// (Create/Describe/Update/Delete/ListTerms). A client has at most one of
// each name.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html

// Terms is one terms document as the API shows it.
type Terms struct {
	ID          string
	PoolID      string
	ClientID    string
	Name        string // terms-of-use or privacy-policy
	Source      string // LINK
	Enforcement string // NONE
	Links       map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const kindTerms = "terms"

type termsBody struct {
	ClientID    string            `json:"client"`
	Name        string            `json:"name"`
	Source      string            `json:"source"`
	Enforcement string            `json:"enforcement"`
	Links       map[string]string `json:"links"`
}

func termsFrom(o *store.PoolObject) (*Terms, error) {
	var b termsBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: terms %s of %s: %w", o.Key, o.PoolID, err)
	}
	return &Terms{ID: o.Key, PoolID: o.PoolID, ClientID: b.ClientID, Name: b.Name, Source: b.Source,
		Enforcement: b.Enforcement, Links: b.Links, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}, nil
}

func (t *Terms) body() ([]byte, error) {
	return json.Marshal(termsBody{ClientID: t.ClientID, Name: t.Name, Source: t.Source, Enforcement: t.Enforcement, Links: t.Links})
}

func termsNotFound(id string) error {
	return Errorf(ResourceNotFoundException, "Terms %s does not exist.", id)
}

// eachTerms calls fn for each of a pool's terms documents.
func eachTerms(tx store.Tx, poolID string, fn func(*Terms) error) error {
	return eachPoolObject(tx, poolID, kindTerms, termsFrom, fn)
}

// checkTermsName refuses a second document of one name for a client.
func checkTermsName(tx store.Tx, t *Terms) error {
	return eachTerms(tx, t.PoolID, func(other *Terms) error {
		if other.ID != t.ID && other.ClientID == t.ClientID && other.Name == t.Name {
			return Errorf(TermsExistsException, "Terms %s already exist for app client %s.", t.Name, t.ClientID)
		}
		return nil
	})
}

// CreateTerms adds a terms document to an app client.
func (s *Service) CreateTerms(ctx context.Context, in Terms) (*Terms, error) {
	now := s.now()
	t := in
	t.ID, t.CreatedAt, t.UpdatedAt = uuid.New().String(), now, now
	t.Links = maps.Clone(in.Links)
	if t.Links == nil {
		t.Links = map[string]string{}
	}
	body, err := t.body()
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if err := lockPool(tx, t.PoolID); err != nil {
			return err
		}
		if _, err := poolClient(tx, t.PoolID, t.ClientID); err != nil {
			return err
		}
		if err := checkTermsName(tx, &t); err != nil {
			return err
		}
		return tx.PoolObjects().Create(&store.PoolObject{PoolID: t.PoolID, Kind: kindTerms, Key: t.ID, Body: body,
			CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func getTerms(tx store.Tx, poolID, id string) (*Terms, *store.PoolObject, error) {
	o, err := namedObject(tx, poolID, kindTerms, id, termsNotFound)
	if err != nil {
		return nil, nil, err
	}
	t, err := termsFrom(o)
	return t, o, err
}

// DescribeTerms returns a terms document.
func (s *Service) DescribeTerms(ctx context.Context, poolID, id string) (*Terms, error) {
	var out *Terms
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		out, _, err = getTerms(tx, poolID, id)
		return err
	})
	return out, err
}

// TermsUpdate is what UpdateTerms changes; "" and nil leave a part as it is.
type TermsUpdate struct {
	Name, Source, Enforcement string
	Links                     map[string]string
}

// UpdateTerms changes a terms document.
func (s *Service) UpdateTerms(ctx context.Context, poolID, id string, in TermsUpdate) (*Terms, error) {
	var out *Terms
	err := s.update(ctx, func(tx store.Tx) error {
		if err := lockPool(tx, poolID); err != nil {
			return err
		}
		t, o, err := getTerms(tx, poolID, id)
		if err != nil {
			return err
		}
		if in.Name != "" {
			t.Name = in.Name
		}
		if in.Source != "" {
			t.Source = in.Source
		}
		if in.Enforcement != "" {
			t.Enforcement = in.Enforcement
		}
		if in.Links != nil {
			t.Links = maps.Clone(in.Links)
		}
		if err := checkTermsName(tx, t); err != nil {
			return err
		}
		t.UpdatedAt = s.now()
		if o.Body, err = t.body(); err != nil {
			return err
		}
		o.UpdatedAt = t.UpdatedAt
		out = t
		return tx.PoolObjects().Update(o)
	})
	return out, err
}

// DeleteTerms deletes a terms document.
func (s *Service) DeleteTerms(ctx context.Context, poolID, id string) error {
	return s.update(ctx, func(tx store.Tx) error {
		return deleteNamedObject(tx, poolID, kindTerms, id, termsNotFound)
	})
}

// ListTerms lists a pool's terms documents, at most 60 a page (the
// model's MaxResults), 60 when the request leaves it out.
func (s *Service) ListTerms(ctx context.Context, poolID string, page store.Page) ([]*Terms, string, error) {
	return listPoolObjects(s, ctx, poolID, kindTerms, page, 60, termsFrom)
}

// deleteClientTerms removes the terms documents of a client being deleted.
func deleteClientTerms(tx store.Tx, poolID, clientID string) error {
	var ids []string
	err := eachTerms(tx, poolID, func(t *Terms) error {
		if t.ClientID == clientID {
			ids = append(ids, t.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.PoolObjects().Delete(poolID, kindTerms, id); err != nil {
			return err
		}
	}
	return nil
}
