package idp

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// User pool groups: CRUD, membership, and the claims they put in tokens.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-user-groups.html
//
// A group's Precedence orders it among the user's other groups: the lowest
// value comes first, groups without one come last. Tokens list the user's
// groups in that order (then by name) as cognito:groups; the ID token also
// carries the groups' role ARNs (cognito:roles) and, when the best-placed
// groups with a role agree on one, cognito:preferred_role.

// Group is a user pool group (GroupType).
type Group struct {
	PoolID      string
	Name        string
	Description string
	RoleArn     string
	Precedence  *int // nil: none (after every group that has one)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupInput is CreateGroup's input, and UpdateGroup's: there a nil field
// keeps the group's current value.
type GroupInput struct {
	PoolID      string
	Name        string
	Description *string
	RoleArn     *string
	Precedence  *int
}

// Cognito's non-adjustable quotas on groups: "Maximum number of groups
// that each user can belong to" and "Maximum number of groups per user
// pool". Their error texts are not published.
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#resource-quotas
const (
	maxGroupsPerUser = 100
	maxGroupsPerPool = 10000
)

func groupView(g *store.Group) *Group {
	return &Group{PoolID: g.PoolID, Name: g.Name, Description: g.Description, RoleArn: g.RoleArn,
		Precedence: g.Precedence, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

func groupNotFound() error { return Errorf(ResourceNotFoundException, "Group not found.") }

// getGroup loads a group of the pool; unknown is ResourceNotFoundException.
func getGroup(tx store.Tx, poolID, name string) (*store.Group, error) {
	g, err := tx.Groups().Get(poolID, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, groupNotFound()
	}
	return g, err
}

// CreateGroup creates a group.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateGroup.html
func (s *Service) CreateGroup(ctx context.Context, in GroupInput) (*Group, error) {
	var out *Group
	err := s.update(ctx, func(tx store.Tx) error {
		// The pool's lock makes the count and the create one step on every
		// node.
		if err := lockPool(tx, in.PoolID); err != nil {
			return err
		}
		now := s.now()
		g := &store.Group{PoolID: in.PoolID, Name: in.Name, Precedence: in.Precedence, CreatedAt: now, UpdatedAt: now}
		if in.Description != nil {
			g.Description = *in.Description
		}
		if in.RoleArn != nil {
			g.RoleArn = *in.RoleArn
		}
		err := tx.Groups().Create(g)
		if errors.Is(err, store.ErrExists) {
			return Errorf(GroupExistsException, "A group with the name %s already exists.", in.Name)
		}
		if err != nil {
			return err
		}
		// Counted after the insert, which the error rolls back: the new
		// group is in the count exactly when the quota would be passed.
		if n, err := tx.Groups().Count(in.PoolID); err != nil {
			return err
		} else if n > maxGroupsPerPool {
			return Errorf(LimitExceededException, "A user pool has at most %d groups.", maxGroupsPerPool)
		}
		out = groupView(g)
		return nil
	})
	return out, err
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, poolID, name string) (*Group, error) {
	var out *Group
	err := s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		g, err := getGroup(tx, poolID, name)
		if err != nil {
			return err
		}
		out = groupView(g)
		return nil
	})
	return out, err
}

// UpdateGroup changes the description, role or precedence of a group; what
// the input leaves out stays as it was.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateGroup.html
func (s *Service) UpdateGroup(ctx context.Context, in GroupInput) (*Group, error) {
	var out *Group
	err := s.update(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, in.PoolID); err != nil {
			return err
		}
		g, err := getGroup(tx, in.PoolID, in.Name)
		if err != nil {
			return err
		}
		if in.Description != nil {
			g.Description = *in.Description
		}
		if in.RoleArn != nil {
			g.RoleArn = *in.RoleArn
		}
		if in.Precedence != nil {
			g.Precedence = in.Precedence
		}
		g.UpdatedAt = s.now()
		if err := tx.Groups().Update(g); err != nil {
			return err
		}
		out = groupView(g)
		return nil
	})
	return out, err
}

// DeleteGroup deletes a group and its memberships (not its users).
func (s *Service) DeleteGroup(ctx context.Context, poolID, name string) error {
	return s.update(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		if _, err := getGroup(tx, poolID, name); err != nil {
			return err
		}
		return tx.Groups().Delete(poolID, name)
	})
}

// ListGroups lists a pool's groups by name.
func (s *Service) ListGroups(ctx context.Context, poolID string, page store.Page) ([]*Group, string, error) {
	scope := "ListGroups\x00" + poolID
	page, err := s.boundPage(scope, page)
	if err != nil {
		return nil, "", err
	}
	var out []*Group
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		gs, n, err := tx.Groups().List(poolID, listPage(page))
		if err != nil {
			return badPage(err)
		}
		out, next = groupViews(gs), n
		return nil
	})
	return out, s.boundToken(scope, next), err
}

func groupViews(gs []*store.Group) []*Group {
	out := make([]*Group, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupView(g))
	}
	return out
}

// listPage applies the list operations' default page size (their Limit is
// 0-60 in the model; 0 or absent means 60).
func listPage(p store.Page) store.Page {
	if p.Limit <= 0 || p.Limit > 60 {
		p.Limit = 60
	}
	return p
}

// membership resolves the pool, group and user of a membership call, in
// that order of errors.
func membership(tx store.Tx, poolID, group, username string) (*Pool, *store.User, error) {
	p, err := getPool(tx, poolID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := getGroup(tx, poolID, group); err != nil {
		return nil, nil, err
	}
	u, err := mustFindUser(tx, p, username)
	if err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

// AdminAddUserToGroup adds a user to a group; adding a member again is a
// no-op. The user's next tokens (sign-in or refresh) carry the group.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminAddUserToGroup.html
func (s *Service) AdminAddUserToGroup(ctx context.Context, poolID, username, group string) error {
	return s.update(ctx, func(tx store.Tx) error {
		_, u, err := membership(tx, poolID, group, username)
		if err != nil {
			return err
		}
		before, err := tx.Groups().CountForUser(poolID, u.Sub)
		if err != nil {
			return err
		}
		err = tx.Groups().AddMember(poolID, group, u.Sub)
		if errors.Is(err, store.ErrNotFound) {
			return errConcurrentChange
		}
		if err != nil {
			return err
		}
		// Only a new membership counts against the quota (one added again
		// changes nothing, even for a user imported with more), and the
		// error rolls it back. No lock is taken: two adds for one user at
		// once on PostgreSQL could pass the quota by one, which is cheaper
		// than serialising a pool's group adds behind its sign-ins.
		after, err := tx.Groups().CountForUser(poolID, u.Sub)
		if err != nil {
			return err
		}
		if after > before && after > maxGroupsPerUser {
			return Errorf(LimitExceededException, "A user can belong to at most %d groups.", maxGroupsPerUser)
		}
		return nil
	})
}

// AdminRemoveUserFromGroup removes a user from a group (a no-op when it is
// not a member).
func (s *Service) AdminRemoveUserFromGroup(ctx context.Context, poolID, username, group string) error {
	return s.update(ctx, func(tx store.Tx) error {
		_, u, err := membership(tx, poolID, group, username)
		if err != nil {
			return err
		}
		return tx.Groups().RemoveMember(poolID, group, u.Sub)
	})
}

// AdminListGroupsForUser lists the groups of a user, by name.
func (s *Service) AdminListGroupsForUser(ctx context.Context, poolID, username string, page store.Page) ([]*Group, string, error) {
	var out []*Group
	var next, scope string
	err := s.view(ctx, func(tx store.Tx) error {
		p, err := getPool(tx, poolID)
		if err != nil {
			return err
		}
		u, err := mustFindUser(tx, p, username)
		if err != nil {
			return err
		}
		scope = "AdminListGroupsForUser\x00" + poolID + "\x00" + u.Sub
		page, err := s.boundPage(scope, page)
		if err != nil {
			return err
		}
		gs, n, err := tx.Groups().ListForUser(poolID, u.Sub, listPage(page))
		if err != nil {
			return badPage(err)
		}
		out, next = groupViews(gs), n
		return nil
	})
	return out, s.boundToken(scope, next), err
}

// ListUsersInGroup lists a group's members by username.
func (s *Service) ListUsersInGroup(ctx context.Context, poolID, group string, page store.Page) ([]*User, string, error) {
	scope := "ListUsersInGroup\x00" + poolID + "\x00" + group
	page, err := s.boundPage(scope, page)
	if err != nil {
		return nil, "", err
	}
	var out []*User
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		if _, err := getGroup(tx, poolID, group); err != nil {
			return err
		}
		us, n, err := tx.Groups().ListMembers(poolID, group, listPage(page))
		if err != nil {
			return badPage(err)
		}
		out, next = make([]*User, 0, len(us)), n
		for _, u := range us {
			out = append(out, userView(u))
		}
		return nil
	})
	return out, s.boundToken(scope, next), err
}

// userGroups reads the groups of a user in token order: by precedence,
// groups without one last, then by name. A user has at most
// maxGroupsPerUser, but one loaded by ninshou import may have more: the
// first maxGroupsPerUser in token order are kept, so that the claims name
// the groups that take precedence.
func userGroups(tx store.Tx, poolID, sub string) ([]*store.Group, error) {
	var all []*store.Group
	page := store.Page{Limit: maxGroupsPerUser}
	for {
		gs, next, err := tx.Groups().ListForUser(poolID, sub, page)
		if err != nil {
			return nil, err
		}
		all = append(all, gs...)
		if next == "" {
			break
		}
		page.After = next
	}
	sortGroups(all)
	return all[:min(len(all), maxGroupsPerUser)], nil
}

// sortGroups puts groups in token order.
func sortGroups(gs []*store.Group) {
	slices.SortStableFunc(gs, func(a, b *store.Group) int {
		if c := comparePrecedence(a.Precedence, b.Precedence); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// comparePrecedence orders precedences, nil (none) after every value.
func comparePrecedence(a, b *int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return *a - *b
}

// groupClaims are the token claims of a user's groups, given in token order:
// the names (cognito:groups), the distinct role ARNs (cognito:roles) and
// the preferred role. The preferred role is that of the groups with a role
// that rank first: when they name different roles there is none.
func groupClaims(gs []*store.Group) (names, roles []string, preferred string) {
	var best []*store.Group
	for _, g := range gs {
		names = append(names, g.Name)
		if g.RoleArn == "" {
			continue
		}
		if !slices.Contains(roles, g.RoleArn) {
			roles = append(roles, g.RoleArn)
		}
		if len(best) == 0 || comparePrecedence(g.Precedence, best[0].Precedence) == 0 {
			best = append(best, g)
		}
	}
	for i, g := range best {
		if i == 0 {
			preferred = g.RoleArn
		} else if g.RoleArn != preferred {
			return names, roles, ""
		}
	}
	return names, roles, preferred
}
