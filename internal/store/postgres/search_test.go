package postgres

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

var searchUsers = flag.Int("search.users", 100000, "users in the pool of the Search benchmarks")

func searchUser(i int) *store.User {
	name := fmt.Sprintf("user%07d", i)
	return &store.User{
		PoolID: "pool", Sub: fmt.Sprintf("sub-%07d", i), Username: name, UsernameKey: name,
		Status: "CONFIRMED", Enabled: true,
		Attributes: map[string]string{"email": name + "@example.com", "family_name": fmt.Sprintf("family%03d", i%1000)},
		Aliases:    []store.Alias{{Kind: "email", Key: name + "@example.com"}},
		CreatedAt:  time.Now(), UpdatedAt: time.Now(),
	}
}

func seedSearch(tb testing.TB, s *Store, users int) {
	tb.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Pools().Create(&store.Pool{ID: "pool", Name: "bench"})
	}); err != nil {
		tb.Fatal(err)
	}
	const batch = 5000
	for from := 0; from < users; from += batch {
		err := s.Update(ctx, func(tx store.Tx) error {
			for i := from; i < min(from+batch, users); i++ {
				if err := tx.Users().Create(searchUser(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	// The test's own tables only: a bare ANALYZE walks every schema of the
	// shared database, and waits on those that tests running alongside
	// (the e2e suite on PostgreSQL) create and drop, past the statement
	// timeout.
	if _, err := s.pool.Exec(ctx, `ANALYZE users, user_search`); err != nil {
		tb.Fatal(err)
	}
}

// TestSearchPlan: every Search shape picks its page from user_search_value
// (never a scan of user_search or users), in the custom plans of given
// values and in the generic plan a cached statement may switch to; no
// search sorts its matches.
func TestSearchPlan(t *testing.T) {
	s := openIn(t, freshSchema(t))
	seedSearch(t, s, 3000)
	ctx := context.Background()
	long := strings.Repeat("x", searchKeyChars+1)
	for _, mode := range []string{"auto", "force_generic_plan"} {
		for name, c := range map[string]struct {
			q    query
			args []any
		}{
			"exact":       {searchExact.first, []any{"pool", "email", "user0000001@example.com", 61}},
			"exact after": {searchExact.after, []any{"pool", "email", "user0000001@example.com", "k", 61}},
			"range":       {searchRange.first, []any{"pool", "email", "user00001", "user00002", 61}},
			"range after": {searchRange.after, []any{"pool", "email", "user00001", "user00002", "user00001x", "k", 61}},
			"from":        {searchFrom.first, []any{"pool", "email", "user00001", 61}},
			"from after":  {searchFrom.after, []any{"pool", "email", "user00001", "user00001x", "k", 61}},
			"long":        {searchLong.first, []any{"pool", "email", long, 61}},
			"long after":  {searchLong.after, []any{"pool", "email", long, long, "k", 61}},
		} {
			for _, write := range []bool{false, true} {
				q := c.q.view
				if write {
					q = c.q.update
				}
				plan := explainPG(t, s, ctx, mode, q, c.args...)
				if !strings.Contains(plan, "Index Scan using user_search_value on user_search") &&
					!strings.Contains(plan, "Index Only Scan using user_search_value on user_search") &&
					!strings.Contains(plan, "Bitmap Index Scan on user_search_value") {
					t.Errorf("%s %s: the page is not read from user_search_value:\n%s", mode, name, plan)
				}
				if strings.Contains(plan, "Seq Scan") {
					t.Errorf("%s %s: the plan scans a table:\n%s", mode, name, plan)
				}
				// Every shape reads the index in its own order (exact:
				// username_key; prefix: value, username_key), so no sort
				// of the matches: a page costs a page.
				if strings.Count(plan, "Sort Key") > 1 {
					t.Errorf("%s %s: the search sorts its matches:\n%s", mode, name, plan)
				}
				if name == "range" && !write {
					t.Logf("%s %s:\n%s", mode, name, plan)
				}
			}
		}
	}
}

// explainPG returns the plan of q with args under plan_cache_mode mode, as
// a prepared statement (PREPARE, then EXPLAIN EXECUTE), so that
// force_generic_plan shows the plan a cached statement may switch to.
func explainPG(t *testing.T, s *Store, ctx context.Context, mode, q string, args ...any) string {
	t.Helper()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	conn := tx.Conn()
	// A prepared statement outlives the transaction: drop it after.
	defer conn.Exec(context.WithoutCancel(ctx), `DEALLOCATE explained`)
	if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = `+mode); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `PREPARE explained AS `+q); err != nil {
		t.Fatal(err)
	}
	lits := make([]string, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case string:
			lits[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
		default:
			lits[i] = fmt.Sprint(a)
		}
	}
	rows, err := tx.Query(ctx, `EXPLAIN EXECUTE explained (`+strings.Join(lits, ", ")+`)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// BenchmarkSearchPrefix: as the SQLite backend's, over one server
// connection per search (a View is BEGIN, the search and its aliases,
// ROLLBACK).
func BenchmarkSearchPrefix(b *testing.B) {
	n := *searchUsers
	s := openIn(b, freshSchema(b))
	start := time.Now()
	seedSearch(b, s, n)
	b.Logf("seeded %d users in %v", n, time.Since(start))
	ctx := context.Background()
	for _, c := range []struct {
		name string
		flt  store.UserFilter
	}{
		{"exact-email/1-match", store.UserFilter{Field: "email", Value: "user0001234@example.com"}},
		{"exact-family/n÷1000-matches", store.UserFilter{Field: "family_name", Value: "family123"}},
		{"exact-status/all-match", store.UserFilter{Field: "status", Value: "Enabled"}},
		{"prefix-email/100-matches", store.UserFilter{Field: "email", Value: "user00012", Prefix: true}},
		{"prefix-email/10000-matches", store.UserFilter{Field: "email", Value: "user001", Prefix: true}},
		{"prefix-status/all-match", store.UserFilter{Field: "status", Value: "En", Prefix: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				t := time.Now()
				err := s.View(ctx, func(tx store.Tx) error {
					users, _, err := tx.Users().Search("pool", c.flt, store.Page{Limit: 60})
					if err == nil && len(users) == 0 {
						err = fmt.Errorf("no users found")
					}
					return err
				})
				took = append(took, time.Since(t))
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}
