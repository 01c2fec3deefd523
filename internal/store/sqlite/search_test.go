package sqlite

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

// TestSearchPlan: every Search statement is a range of the covering index
// user_search_value, then a lookup of each page's users by primary key:
// never a scan of users or user_search, whose cost would grow with the pool.
func TestSearchPlan(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	seedSearch(t, s, 2000)
	if _, err := s.writer.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]struct {
		sql  string
		args []any
	}{
		"exact":       {qSearchExact, []any{"pool", "email", "a", 61}},
		"exact after": {qSearchExactAfter, []any{"pool", "email", "a", "k", 61}},
		"range":       {qSearchRange, []any{"pool", "email", "a", "b", 61}},
		"range after": {qSearchRangeAfter, []any{"pool", "email", "a1", "b", "a1", "k", 61}},
		"from":        {qSearchFrom, []any{"pool", "email", "a", 61}},
		"from after":  {qSearchFromAfter, []any{"pool", "email", "a1", "a1", "k", 61}},
	} {
		plan := explain(t, s, q.sql, q.args...)
		if !strings.Contains(plan, "SEARCH user_search USING COVERING INDEX user_search_value (pool_id=? AND field=? AND ") {
			t.Errorf("%s: the page is not a range of user_search_value:\n%s", name, plan)
		}
		if !strings.Contains(plan, "SEARCH u USING INDEX sqlite_autoindex_users_1 (pool_id=? AND sub=?)") {
			t.Errorf("%s: users are not read by primary key:\n%s", name, plan)
		}
		for _, line := range strings.Split(plan, "\n") {
			if strings.Contains(line, "SCAN") && !strings.Contains(line, "SCAN s") {
				t.Errorf("%s: the plan scans: %s\n%s", name, line, plan)
			}
		}
		// Every search reads the index in its own order (exact:
		// username_key; prefix: value, username_key): no sort of the
		// matches inside the subquery, so a page costs a page.
		if strings.Count(plan, "USE TEMP B-TREE FOR ORDER BY") > 1 {
			t.Errorf("%s: the search sorts its matches:\n%s", name, plan)
		}
		t.Logf("%s:\n%s", name, plan)
	}
}

func explain(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.writer.Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// searchUser is user i of the benchmark pool: emails are unique
// (user0001234@example.com), family names repeat every 1000 users.
func searchUser(i int) *store.User {
	u := benchUser(i)
	u.Attributes["family_name"] = fmt.Sprintf("family%03d", i%1000)
	return u
}

func seedSearch(tb testing.TB, s *Store, users int) {
	tb.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Pools().Create(&store.Pool{ID: "pool", Name: "bench"})
	}); err != nil {
		tb.Fatal(err)
	}
	const batch = 10000
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
}

// BenchmarkSearchPrefix reads the first page (60 users) of searches in a
// pool of -search.users users (default 100,000), and reports the 99th
// percentile besides the mean. Exact searches read 61 index entries
// whatever the pool; a prefix search sorts its matches by username key, so
// its cost follows the number of matches (in the sub-benchmark's name).
func BenchmarkSearchPrefix(b *testing.B) {
	n := *searchUsers
	s := openTemp(b)
	b.Cleanup(func() { s.Close() })
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
