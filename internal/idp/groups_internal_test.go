package idp

import (
	"context"
	"fmt"
	"testing"

	"github.com/ninshou/ninshou/internal/store"
)

// Cognito's non-adjustable group quotas: 100 groups a user may belong to,
// 10,000 groups a pool may hold; beyond, LimitExceededException and
// nothing written.
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#resource-quotas
func TestGroupQuotas(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	p, err := svc.CreatePool(ctx, "groups", NewPoolSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AdminCreateUser(ctx, CreateUserInput{PoolID: p.ID, Username: "kim", MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	for i := range maxGroupsPerUser + 1 {
		name := fmt.Sprintf("g%03d", i)
		if _, err := svc.CreateGroup(ctx, GroupInput{PoolID: p.ID, Name: name}); err != nil {
			t.Fatal(err)
		}
		if i < maxGroupsPerUser {
			if err := svc.AdminAddUserToGroup(ctx, p.ID, "kim", name); err != nil {
				t.Fatalf("membership %d: %v", i+1, err)
			}
		}
	}
	err = svc.AdminAddUserToGroup(ctx, p.ID, "kim", fmt.Sprintf("g%03d", maxGroupsPerUser))
	wantCode(t, "membership 101", err, LimitExceededException)
	// A group the user is in already may be added again.
	if err := svc.AdminAddUserToGroup(ctx, p.ID, "kim", "g000"); err != nil {
		t.Errorf("an existing membership again: %v", err)
	}
	var n int
	err = svc.view(ctx, func(tx store.Tx) error {
		u, err := mustFindUser(tx, mustPool(t, tx, p.ID), "kim")
		if err != nil {
			return err
		}
		n, err = tx.Groups().CountForUser(p.ID, u.Sub)
		return err
	})
	if err != nil || n != maxGroupsPerUser {
		t.Errorf("memberships after the refusal: %d, %v; want %d", n, err, maxGroupsPerUser)
	}

	// The pool's quota: fill it through the store, then one more.
	err = svc.update(ctx, func(tx store.Tx) error {
		for i := maxGroupsPerUser + 1; i < maxGroupsPerPool; i++ {
			if err := tx.Groups().Create(&store.Group{PoolID: p.ID, Name: fmt.Sprintf("h%05d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateGroup(ctx, GroupInput{PoolID: p.ID, Name: "one-too-many"})
	wantCode(t, "group 10,001", err, LimitExceededException)
	if _, err := svc.GetGroup(ctx, p.ID, "one-too-many"); err == nil {
		t.Error("the refused group was kept")
	}
	// Another pool has its own quota.
	other, err := svc.CreatePool(ctx, "other", NewPoolSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateGroup(ctx, GroupInput{PoolID: other.ID, Name: "one-too-many"}); err != nil {
		t.Errorf("a group in another pool: %v", err)
	}
}

// A user loaded with more groups than the quota (ninshou import does not
// refuse them) gets the claims of the groups that take precedence, not of
// the first by name.
func TestUserGroupsKeepsPrecedence(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	p, err := svc.CreatePool(ctx, "groups", NewPoolSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AdminCreateUser(ctx, CreateUserInput{PoolID: p.ID, Username: "kim", MessageAction: "SUPPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	const total = maxGroupsPerUser + 5
	err = svc.update(ctx, func(tx store.Tx) error {
		for i := range total {
			// g000 has the worst precedence, g104 the best.
			prec := total - i
			name := fmt.Sprintf("g%03d", i)
			if err := tx.Groups().Create(&store.Group{PoolID: p.ID, Name: name, Precedence: &prec}); err != nil {
				return err
			}
			if err := tx.Groups().AddMember(p.ID, name, u.Sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var gs []*store.Group
	err = svc.view(ctx, func(tx store.Tx) (err error) { gs, err = userGroups(tx, p.ID, u.Sub); return err })
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != maxGroupsPerUser || gs[0].Name != "g104" || gs[len(gs)-1].Name != "g005" {
		t.Errorf("userGroups: %d groups, first %s, last %s; want %d, g104 .. g005",
			len(gs), gs[0].Name, gs[len(gs)-1].Name, maxGroupsPerUser)
	}
	// Over the quota, a group the user is in may be added again; a new one not.
	if err := svc.AdminAddUserToGroup(ctx, p.ID, "kim", "g000"); err != nil {
		t.Errorf("an existing membership of a user over the quota: %v", err)
	}
	if _, err := svc.CreateGroup(ctx, GroupInput{PoolID: p.ID, Name: "new"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a new membership over the quota", svc.AdminAddUserToGroup(ctx, p.ID, "kim", "new"), LimitExceededException)
}

func mustPool(t *testing.T, tx store.Tx, id string) *Pool {
	t.Helper()
	p, err := getPool(tx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
