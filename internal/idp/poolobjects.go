package idp

import (
	"context"

	"github.com/ninshou/ninshou/internal/store"
)

// Helpers shared by the kinds of pool objects (resource servers, identity
// providers, terms, ...): each kind decodes its own bodies.

// listPoolObjects answers a List operation of one kind: a page of at most
// max objects (max too when the request gives no limit or more), decoded.
func listPoolObjects[T any](s *Service, ctx context.Context, poolID, kind string, page store.Page, max int,
	decode func(*store.PoolObject) (T, error)) ([]T, string, error) {
	if page.Limit <= 0 || page.Limit > max {
		page.Limit = max
	}
	var out []T
	var next string
	err := s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		objs, n, err := tx.PoolObjects().List(poolID, kind, page)
		if err != nil {
			return badPage(err)
		}
		for _, o := range objs {
			v, err := decode(o)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		next = n
		return nil
	})
	return out, next, err
}

// eachPoolObject calls fn for each object of a kind in a pool, a page at a
// time.
func eachPoolObject[T any](tx store.Tx, poolID, kind string, decode func(*store.PoolObject) (T, error), fn func(T) error) error {
	page := store.Page{Limit: 100}
	for {
		objs, next, err := tx.PoolObjects().List(poolID, kind, page)
		if err != nil {
			return err
		}
		for _, o := range objs {
			v, err := decode(o)
			if err != nil {
				return err
			}
			if err := fn(v); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.After = next
	}
}
