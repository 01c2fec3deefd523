package idp

import (
	"context"
	"slices"
	"strings"

	"github.com/ninshou/ninshou/internal/store"
)

// ListUsers: the pool's users by username, optionally filtered on one
// searchable attribute.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-manage-user-accounts.html#cognito-user-pools-searching-for-users-using-listusers-api
//
// Users come by username, except for prefix filters (^=), which list them
// by the filtered attribute's value, then username: the order of one index
// range (store.UserRepo.Search). Pages come from the store's keyset cursors
// (the last key of a page), so a page token stays valid while users are added or removed: the
// next page starts after the last user shown, never repeating or skipping
// one that existed throughout.

// errBadFilter is Cognito's answer to every filter it cannot use.
var errBadFilter = Errorf(InvalidParameterException, "Error while parsing filter.")

// searchable are the attributes a filter may name, as ListUsers spells them.
var searchable = map[string]bool{
	store.FieldUsername: true, store.FieldEmail: true, store.FieldPhoneNumber: true, store.FieldName: true,
	store.FieldGivenName: true, store.FieldFamilyName: true, store.FieldPreferredUsername: true,
	store.FieldStatus: true, store.FieldEnabled: true, store.FieldSub: true,
}

// ParseFilter reads a ListUsers filter, `name = "value"` or `name ^= "value"`
// (prefix), with blanks allowed around each part and \" and \\ escaped in the
// value; the name may be quoted too, as in the API reference's example
// `"email"^="testuser"`. An empty (or blank) filter is ok == false: every
// user.
func ParseFilter(filter string) (f store.UserFilter, ok bool, err error) {
	rest := strings.TrimLeft(filter, " \t\r\n")
	if rest == "" {
		return store.UserFilter{}, false, nil
	}
	if name, ok := strings.CutPrefix(rest, `"`); ok {
		end := strings.IndexByte(name, '"')
		if end <= 0 {
			return store.UserFilter{}, false, errBadFilter
		}
		f.Field, rest = name[:end], strings.TrimLeft(name[end+1:], " \t\r\n")
	} else {
		end := strings.IndexAny(rest, " \t\r\n^=\"")
		if end <= 0 {
			return store.UserFilter{}, false, errBadFilter
		}
		f.Field, rest = rest[:end], strings.TrimLeft(rest[end:], " \t\r\n")
	}
	switch {
	case strings.HasPrefix(rest, "^="):
		f.Prefix, rest = true, rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return store.UserFilter{}, false, errBadFilter
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	if !strings.HasPrefix(rest, `"`) {
		return store.UserFilter{}, false, errBadFilter
	}
	var value strings.Builder
	closed := false
	i := 1
	for ; i < len(rest); i++ {
		c := rest[i]
		if c == '\\' {
			if i+1 == len(rest) || rest[i+1] != '"' && rest[i+1] != '\\' {
				return store.UserFilter{}, false, errBadFilter
			}
			i++
			value.WriteByte(rest[i])
			continue
		}
		if c == '"' {
			closed = true
			break
		}
		value.WriteByte(c)
	}
	if !closed || strings.TrimSpace(rest[i+1:]) != "" {
		return store.UserFilter{}, false, errBadFilter
	}
	if !searchable[f.Field] {
		return store.UserFilter{}, false, errBadFilter
	}
	f.Value = value.String()
	if f.Field == store.FieldStatus {
		// cognito:user_status is matched case-insensitively; statuses are
		// stored in upper case.
		f.Value = strings.ToUpper(f.Value)
	}
	return f, true, nil
}

// ListUsersInput is ListUsers' input.
type ListUsersInput struct {
	PoolID string
	Filter string
	Page   store.Page
	// AttributesToGet: only the attributes named; none named (nil or an
	// empty list) means every attribute: "If the array is empty, all
	// attributes are returned" (the developer guide's "Searching for users
	// with the ListUsers API").
	AttributesToGet []string
}

// ListUsers lists users, filtered, a page at a time.
func (s *Service) ListUsers(ctx context.Context, in ListUsersInput) ([]*User, string, error) {
	f, filtered, err := ParseFilter(in.Filter)
	if err != nil {
		return nil, "", err
	}
	scope := "ListUsers\x00" + in.PoolID + "\x00" + in.Filter
	page, err := s.boundPage(scope, in.Page)
	if err != nil {
		return nil, "", err
	}
	var out []*User
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		var p *Pool
		var err error
		if len(in.AttributesToGet) > 0 {
			p, err = getPool(tx, in.PoolID) // its schema
		} else {
			err = requirePool(tx, in.PoolID)
		}
		if err != nil {
			return err
		}
		var us []*store.User
		if filtered {
			us, next, err = tx.Users().Search(in.PoolID, f, listPage(page))
		} else {
			us, next, err = tx.Users().List(in.PoolID, listPage(page))
		}
		if err != nil {
			return badPage(err)
		}
		if len(in.AttributesToGet) > 0 {
			if err := checkAttributesToGet(p, us, in.AttributesToGet); err != nil {
				return err
			}
		}
		out = make([]*User, 0, len(us))
		for _, u := range us {
			v := userView(u)
			if len(in.AttributesToGet) > 0 {
				v.Attributes = onlyAttributes(v.Attributes, in.AttributesToGet)
			}
			out = append(out, v)
		}
		return nil
	})
	return out, s.boundToken(scope, next), err
}

// errNoSuchAttribute is Cognito's answer to an AttributesToGet naming an
// attribute that is not in the schema or that a user listed has no value
// for, as reported from real responses in aws/aws-sdk-js#2570 and #3091.
var errNoSuchAttribute = Errorf(InvalidParameterException, "One or more requested attributes do not exist.")

// checkAttributesToGet refuses names outside the pool's schema and names
// some user of the page has no value for: "Amazon Cognito returns an error
// if not all users in the results have set a value for the attribute you
// request."
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html#CognitoUserPools-ListUsers-request-AttributesToGet
func checkAttributesToGet(p *Pool, us []*store.User, names []string) error {
	for _, n := range names {
		if !slices.ContainsFunc(p.Schema, func(s SchemaAttribute) bool { return s.Name == n }) {
			return errNoSuchAttribute
		}
		if n == "sub" {
			continue // every user has one
		}
		for _, u := range us {
			if u.Attributes[n] == "" {
				return errNoSuchAttribute
			}
		}
	}
	return nil
}

// onlyAttributes keeps the attributes named, in their order in attrs.
func onlyAttributes(attrs []Attribute, names []string) []Attribute {
	out := make([]Attribute, 0, len(names))
	for _, a := range attrs {
		for _, n := range names {
			if a.Name == n {
				out = append(out, a)
				break
			}
		}
	}
	return out
}
