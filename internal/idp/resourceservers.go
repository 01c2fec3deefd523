package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ninshou/ninshou/internal/store"
)

// Resource servers: the APIs of a pool whose custom scopes
// ("<identifier>/<scope name>") app clients may be allowed, and which the
// OAuth 2.0 token endpoint will grant.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html

// ResourceServer is a resource server as the API shows it.
type ResourceServer struct {
	PoolID     string
	Identifier string
	Name       string
	Scopes     []ResourceServerScope
}

// ResourceServerScope is a custom scope of a resource server.
type ResourceServerScope struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Cognito's quotas: resource servers per pool, and custom scopes per
// resource server (the model's own maximum of the list).
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
const (
	MaxResourceServers = 25
	maxCustomScopes    = 100
)

const kindResourceServer = "resource-server"

// resourceServerBody is what the store keeps of a resource server.
type resourceServerBody struct {
	Name   string                `json:"name"`
	Scopes []ResourceServerScope `json:"scopes"`
}

func resourceServerFrom(o *store.PoolObject) (*ResourceServer, error) {
	var b resourceServerBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: resource server %s of %s: %w", o.Key, o.PoolID, err)
	}
	return &ResourceServer{PoolID: o.PoolID, Identifier: o.Key, Name: b.Name, Scopes: b.Scopes}, nil
}

// checkScopes refuses two scopes of one name; the wire layer has checked
// each name and description against the model.
func checkScopes(scopes []ResourceServerScope) error {
	if len(scopes) > maxCustomScopes {
		return Errorf(LimitExceededException, "A resource server has at most %d custom scopes.", maxCustomScopes)
	}
	seen := map[string]bool{}
	for _, sc := range scopes {
		if seen[sc.Name] {
			return Errorf(InvalidParameterException, "The scope %s is listed more than once.", sc.Name)
		}
		seen[sc.Name] = true
	}
	return nil
}

func resourceServerNotFound(identifier string) error {
	return Errorf(ResourceNotFoundException, "Resource server %s does not exist.", identifier)
}

// CreateResourceServer adds a resource server to a pool.
func (s *Service) CreateResourceServer(ctx context.Context, in ResourceServer) (*ResourceServer, error) {
	if err := checkScopes(in.Scopes); err != nil {
		return nil, err
	}
	body, err := json.Marshal(resourceServerBody{Name: in.Name, Scopes: in.Scopes})
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.update(ctx, func(tx store.Tx) error {
		// The pool's lock makes the count and the create one step on every
		// node.
		if err := lockPool(tx, in.PoolID); err != nil {
			return err
		}
		n, err := tx.PoolObjects().Count(in.PoolID, kindResourceServer)
		if err != nil {
			return err
		}
		if n >= MaxResourceServers {
			return Errorf(LimitExceededException, "A user pool has at most %d resource servers.", MaxResourceServers)
		}
		err = tx.PoolObjects().Create(&store.PoolObject{PoolID: in.PoolID, Kind: kindResourceServer,
			Key: in.Identifier, Body: body, CreatedAt: now, UpdatedAt: now})
		if errors.Is(err, store.ErrExists) {
			return Errorf(InvalidParameterException, "A resource server with the identifier %s already exists in user pool %s.",
				in.Identifier, in.PoolID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := in
	return &out, nil
}

// DescribeResourceServer returns a resource server.
func (s *Service) DescribeResourceServer(ctx context.Context, poolID, identifier string) (*ResourceServer, error) {
	var out *ResourceServer
	err := s.view(ctx, func(tx store.Tx) error {
		o, err := namedObject(tx, poolID, kindResourceServer, identifier, resourceServerNotFound)
		if err != nil {
			return err
		}
		out, err = resourceServerFrom(o)
		return err
	})
	return out, err
}

// UpdateResourceServer replaces a resource server's name and scopes; scopes
// the request leaves out are gone (clients that list them keep them, as on
// AWS, and are granted them no more).
func (s *Service) UpdateResourceServer(ctx context.Context, in ResourceServer) (*ResourceServer, error) {
	if err := checkScopes(in.Scopes); err != nil {
		return nil, err
	}
	body, err := json.Marshal(resourceServerBody{Name: in.Name, Scopes: in.Scopes})
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		o, err := namedObject(tx, in.PoolID, kindResourceServer, in.Identifier, resourceServerNotFound)
		if err != nil {
			return err
		}
		o.Body, o.UpdatedAt = body, s.now()
		return tx.PoolObjects().Update(o)
	})
	if err != nil {
		return nil, err
	}
	out := in
	return &out, nil
}

// DeleteResourceServer deletes a resource server. Clients that list its
// scopes keep them, as on AWS.
func (s *Service) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	return s.update(ctx, func(tx store.Tx) error {
		return deleteNamedObject(tx, poolID, kindResourceServer, identifier, resourceServerNotFound)
	})
}

// ListResourceServers lists a pool's resource servers by identifier; a page
// holds at most 50 (the model's MaxResults), 50 when the request leaves it
// out.
func (s *Service) ListResourceServers(ctx context.Context, poolID string, page store.Page) ([]*ResourceServer, string, error) {
	return listPoolObjects(s, ctx, poolID, kindResourceServer, page, 50, resourceServerFrom)
}

// standardScopes are the OAuth scopes every pool has.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
var standardScopes = []string{"phone", "email", "openid", "profile", "aws.cognito.signin.user.admin"}

// checkOAuthScopes refuses a client's AllowedOAuthScopes entry that is
// neither a standard scope nor a custom scope of one of the pool's
// resource servers.
func checkOAuthScopes(tx store.Tx, poolID string, scopes []string) error {
	defined := scopeDefinitions(tx, poolID)
	for _, scope := range scopes {
		ok, err := defined(scope)
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(ScopeDoesNotExistException, "Invalid scope requested: %s", scope)
		}
	}
	return nil
}

// liveScopes is scopes less the custom scopes that no resource server of
// the pool defines any more. A client keeps such scopes in its
// AllowedOAuthScopes, but "After you delete a resource server, users can no
// longer generate access tokens with scopes that are associate with that
// resource server"
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteResourceServer.html),
// and a scope UpdateResourceServer removed is gone the same way.
func liveScopes(tx store.Tx, poolID string, scopes []string) ([]string, error) {
	defined := scopeDefinitions(tx, poolID)
	var live []string
	for _, scope := range scopes {
		ok, err := defined(scope)
		if err != nil {
			return nil, err
		}
		if ok {
			live = append(live, scope)
		}
	}
	return live, nil
}

// viewLiveScopes is liveScopes in a read of its own, skipped when no scope
// is a custom one.
func (s *Service) viewLiveScopes(ctx context.Context, poolID string, scopes []string) ([]string, error) {
	if !slices.ContainsFunc(scopes, func(sc string) bool { return strings.Contains(sc, "/") }) {
		return slices.Clone(scopes), nil
	}
	var live []string
	err := s.view(ctx, func(tx store.Tx) (err error) { live, err = liveScopes(tx, poolID, scopes); return err })
	return live, err
}

// scopeDefinitions returns a test of whether a scope is a standard scope or
// a custom scope of one of the pool's resource servers
// ("<identifier>/<scope name>"; an identifier may hold slashes itself, as a
// URL does), reading each resource server at most once.
func scopeDefinitions(tx store.Tx, poolID string) func(scope string) (bool, error) {
	servers := map[string]*ResourceServer{}
	return func(scope string) (bool, error) {
		if slices.Contains(standardScopes, scope) {
			return true, nil
		}
		for i := strings.LastIndexByte(scope, '/'); i > 0; i = strings.LastIndexByte(scope[:i], '/') {
			id, name := scope[:i], scope[i+1:]
			rs, seen := servers[id]
			if !seen {
				o, err := tx.PoolObjects().Get(poolID, kindResourceServer, id)
				switch {
				case err == nil:
					if rs, err = resourceServerFrom(o); err != nil {
						return false, err
					}
				case !errors.Is(err, store.ErrNotFound):
					return false, err
				}
				servers[id] = rs
			}
			if rs != nil && slices.ContainsFunc(rs.Scopes, func(sc ResourceServerScope) bool { return sc.Name == name }) {
				return true, nil
			}
		}
		return false, nil
	}
}
