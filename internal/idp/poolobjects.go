package idp

import (
	"context"
	"errors"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// namedObject reads the object a request names in a pool that exists;
// notFound is the kind's own error for a name the pool lacks.
func namedObject(tx store.Tx, poolID, kind, key string, notFound func(string) error) (*store.PoolObject, error) {
	if err := requirePool(tx, poolID); err != nil {
		return nil, err
	}
	o, err := tx.PoolObjects().Get(poolID, kind, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(key)
	}
	return o, err
}

// deleteNamedObject deletes the object a request names, as namedObject
// reads it.
func deleteNamedObject(tx store.Tx, poolID, kind, key string, notFound func(string) error) error {
	if err := requirePool(tx, poolID); err != nil {
		return err
	}
	err := tx.PoolObjects().Delete(poolID, kind, key)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(key)
	}
	return err
}

// putPoolObject stores body as the pool's object of kind and key, creating
// it or replacing its body, and returns what is stored.
func putPoolObject(tx store.Tx, poolID, kind, key string, body []byte, now time.Time) (*store.PoolObject, error) {
	o, err := tx.PoolObjects().Get(poolID, kind, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		o = &store.PoolObject{PoolID: poolID, Kind: kind, Key: key, Body: body, CreatedAt: now, UpdatedAt: now}
		err = tx.PoolObjects().Create(o)
	case err == nil:
		o.Body, o.UpdatedAt = body, now
		err = tx.PoolObjects().Update(o)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Helpers shared by the kinds of pool objects (resource servers, identity
// providers, terms, ...): each kind decodes its own bodies.

// listPoolObjects answers a List operation of one kind: a page of at most
// max objects (max too when the request gives no limit or more), decoded.
func listPoolObjects[T any](s *Service, ctx context.Context, poolID, kind string, page store.Page, max int,
	decode func(*store.PoolObject) (T, error)) ([]T, string, error) {
	if page.Limit <= 0 || page.Limit > max {
		page.Limit = max
	}
	// The store's cursor is the last key read, which a made-up token would
	// pass for: tokens are bound to their list (pagetokens.go).
	scope := "PoolObjects\x00" + kind + "\x00" + poolID
	page, err := s.boundPage(scope, page)
	if err != nil {
		return nil, "", err
	}
	var out []T
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
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
	return out, s.boundToken(scope, next), err
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
