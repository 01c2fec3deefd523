package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// newImportJob returns a job of pool with every field set, not started.
func newImportJob(poolID, id string, createdAt time.Time) *store.ImportJob {
	return &store.ImportJob{
		PoolID:            poolID,
		ID:                id,
		Name:              "import " + id + " ✓",
		RoleArn:           "arn:aws:iam::123456789012:role/CognitoImport",
		Status:            "Created",
		UploadSecret:      []byte{0, 1, 2, 0xfe, 0xff, 0},
		Imported:          1,
		Skipped:           2,
		Failed:            3,
		CompletionMessage: "",
		CreatedAt:         createdAt,
	}
}

func testImportJobs(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	j := newImportJob("A", "import-1", t0)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Create(j) })
	if j.Version != 1 {
		t.Errorf("Create set Version = %d, want 1", j.Version)
	}
	var got *store.ImportJob
	f.view(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().Get("A", "import-1"); return err })
	same(t, "Get after Create", got, j)
	if !got.StartedAt.IsZero() || !got.CompletedAt.IsZero() {
		t.Errorf("zero StartedAt, CompletedAt read back as %v, %v", got.StartedAt, got.CompletedAt)
	}

	// Every field set, times included; and every field empty.
	full := newImportJob("A", "import-full", at(time.Minute))
	full.Status, full.Uploaded, full.CompletionMessage = "Succeeded", true, "Import Job Completed Successfully."
	full.Imported, full.Skipped, full.Failed = 1<<40, 0, 7
	full.StartedAt, full.CompletedAt = at(2*time.Minute), at(3*time.Minute)
	empty := &store.ImportJob{PoolID: "A", ID: "import-empty"}
	f.update(func(tx store.Tx) error {
		if err := tx.ImportJobs().Create(full); err != nil {
			return err
		}
		return tx.ImportJobs().Create(empty)
	})
	f.view(func(tx store.Tx) error {
		for _, want := range []*store.ImportJob{full, empty} {
			got, err := tx.ImportJobs().Get("A", want.ID)
			if err != nil {
				return err
			}
			same(t, "Get "+want.ID, got, want)
		}
		return nil
	})

	err := f.try(func(tx store.Tx) error { return tx.ImportJobs().Create(newImportJob("A", "import-1", t0)) })
	wantExists(t, "Create duplicate import job", err, "import job")
	err = f.try(func(tx store.Tx) error { return tx.ImportJobs().Create(newImportJob("nope", "import-1", t0)) })
	wantErr(t, "Create in missing pool", err, store.ErrNotFound)
	// The same ID in another pool is another job.
	other := newImportJob("B", "import-1", t0)
	other.Name = "B's"
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Create(other) })

	for _, k := range [][2]string{{"A", "nope"}, {"nope", "import-1"}, {"B", "import-full"}} {
		err = f.peek(func(tx store.Tx) error { _, err := tx.ImportJobs().Get(k[0], k[1]); return err })
		wantErr(t, fmt.Sprintf("Get missing %v", k), err, store.ErrNotFound)
	}

	// Update writes every field but the key and CreatedAt, and bumps the
	// version.
	up := *got
	up.Name, up.RoleArn, up.Status, up.UploadSecret = "renamed", "arn:other", "InProgress", []byte("new secret")
	up.Uploaded, up.Imported, up.Skipped, up.Failed = true, 10, 20, 30
	up.CompletionMessage, up.StartedAt, up.CompletedAt = "halfway", at(time.Hour), at(2*time.Hour)
	up.CreatedAt = at(-time.Hour)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Update(&up) })
	if up.Version != 2 {
		t.Errorf("Update set Version = %d, want 2", up.Version)
	}
	want := up
	want.CreatedAt = j.CreatedAt
	f.view(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().Get("A", "import-1"); return err })
	same(t, "Get after Update", got, &want)
	// Times go back to zero.
	up.StartedAt, up.CompletedAt = time.Time{}, time.Time{}
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Update(&up) })
	want = up
	want.CreatedAt = j.CreatedAt
	f.view(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().Get("A", "import-1"); return err })
	same(t, "Get after Update to zero times", got, &want)
	if got.Version != 3 {
		t.Errorf("Version after two Updates = %d, want 3", got.Version)
	}

	// A stale version loses, and changes nothing.
	stale := *got
	stale.Version, stale.Status = 2, "Stopped"
	err = f.try(func(tx store.Tx) error { return tx.ImportJobs().Update(&stale) })
	wantErr(t, "Update with stale version", err, store.ErrConflict)
	if errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update with stale version: %v is also ErrNotFound", err)
	}
	if stale.Version != 2 {
		t.Errorf("failed Update changed Version to %d", stale.Version)
	}
	f.view(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().Get("A", "import-1"); return err })
	same(t, "Get after stale Update", got, &want)

	// The other pool's job of the same ID is untouched.
	f.view(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().Get("B", "import-1"); return err })
	same(t, "other pool's job", got, other)

	missing := newImportJob("A", "nope", t0)
	missing.Version = 1
	err = f.try(func(tx store.Tx) error { return tx.ImportJobs().Update(missing) })
	wantErr(t, "Update missing", err, store.ErrNotFound)
	missing.PoolID, missing.ID = "nope", "import-1"
	err = f.try(func(tx store.Tx) error { return tx.ImportJobs().Update(missing) })
	wantErr(t, "Update in missing pool", err, store.ErrNotFound)

	// No write works inside View, and none writes anything.
	writes := map[string]func(tx store.Tx) error{
		"Create": func(tx store.Tx) error { return tx.ImportJobs().Create(newImportJob("A", "import-v", t0)) },
		"Update": func(tx store.Tx) error {
			u := want
			u.Status = "Failed"
			return tx.ImportJobs().Update(&u)
		},
		"PutCSV":    func(tx store.Tx) error { return tx.ImportJobs().PutCSV("A", "import-1", []byte("a,b\n")) },
		"DeleteCSV": func(tx store.Tx) error { return tx.ImportJobs().DeleteCSV("A", "import-1") },
	}
	for name, w := range writes {
		var inner error
		err := f.peek(func(tx store.Tx) error { inner = w(tx); return nil })
		if inner == nil {
			t.Errorf("ImportJobs.%s inside View succeeded, want an error", name)
		}
		if err != nil {
			t.Errorf("View after a failed ImportJobs.%s: %v", name, err)
		}
	}
	f.view(func(tx store.Tx) error {
		got, err := tx.ImportJobs().Get("A", "import-1")
		if err != nil {
			return err
		}
		same(t, "Get after writes in View", got, &want)
		_, err = tx.ImportJobs().Get("A", "import-v")
		wantErr(t, "Get of a job created in View", err, store.ErrNotFound)
		_, err = tx.ImportJobs().CSV("A", "import-1")
		wantErr(t, "CSV stored in View", err, store.ErrNotFound)
		return nil
	})
}

// testImportJobsList: a pool's jobs by CreatedAt, then ID, every one exactly
// once with small pages, and none of another pool.
func testImportJobsList(t *testing.T, f *fixture) {
	f.seedPools("A", "B", "C")
	var want []*store.ImportJob
	f.update(func(tx store.Tx) error {
		// Create out of order; pairs share a creation time.
		for _, i := range []int{6, 2, 9, 0, 4, 7, 1, 8, 3, 5} {
			for _, pool := range []string{"A", "B"} {
				j := newImportJob(pool, fmt.Sprintf("import-%02d", i), at(time.Duration(i/2)*time.Minute))
				j.Name = pool + " " + j.Name
				if err := tx.ImportJobs().Create(j); err != nil {
					return err
				}
				if pool == "A" {
					want = append(want, j)
				}
			}
		}
		return nil
	})
	// Sort want by (CreatedAt, ID): i/2 then i.
	byIndex := map[string]*store.ImportJob{}
	for _, j := range want {
		byIndex[j.ID] = j
	}
	want = want[:0]
	for i := range 10 {
		want = append(want, byIndex[fmt.Sprintf("import-%02d", i)])
	}
	// A file does not change what List returns.
	f.update(func(tx store.Tx) error { return tx.ImportJobs().PutCSV("A", "import-03", []byte("x,y\n")) })
	want[3].Uploaded = true

	for _, limit := range []int{1, 3, 4, 10, 11} {
		var got []*store.ImportJob
		f.view(func(tx store.Tx) error {
			got = pages(t, func(p store.Page) ([]*store.ImportJob, string, error) {
				return tx.ImportJobs().List("A", p)
			}, limit)
			return nil
		})
		same(t, fmt.Sprintf("List limit %d", limit), got, want)
	}

	f.view(func(tx store.Tx) error {
		jobs, next, err := tx.ImportJobs().List("A", store.Page{Limit: 4})
		if err != nil {
			return err
		}
		same(t, "first page", jobs, want[:4])
		if next == "" {
			t.Fatal("first page of 4 out of 10: no next cursor")
		}
		jobs, next, err = tx.ImportJobs().List("A", store.Page{Limit: 4, After: next})
		if err != nil {
			return err
		}
		same(t, "second page", jobs, want[4:8])
		jobs, next, err = tx.ImportJobs().List("A", store.Page{Limit: 4, After: next})
		if err != nil {
			return err
		}
		same(t, "last page", jobs, want[8:])
		if next != "" {
			t.Errorf("last page: next = %q, want \"\"", next)
		}
		jobs, next, err = tx.ImportJobs().List("A", store.Page{})
		if err != nil || len(jobs) != 10 || next != "" {
			t.Errorf("List with no limit: %d jobs, next %q, %v; want 10, \"\", nil", len(jobs), next, err)
		}

		for _, pool := range []string{"C", "nope"} {
			jobs, next, err = tx.ImportJobs().List(pool, store.Page{})
			if err != nil || len(jobs) != 0 || next != "" {
				t.Errorf("List(%s) = %d jobs, %q, %v; want none", pool, len(jobs), next, err)
			}
		}
		b, _, err := tx.ImportJobs().List("B", store.Page{Limit: 20})
		if err != nil {
			return err
		}
		if len(b) != 10 {
			t.Errorf("List(B) returned %d jobs, want 10", len(b))
		}
		for _, j := range b {
			if j.PoolID != "B" {
				t.Errorf("List(B) returned a job of pool %s", j.PoolID)
			}
		}
		_, _, err = tx.ImportJobs().List("A", store.Page{After: "!!not a cursor!!"})
		if !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("List with a bad cursor: %v, want ErrBadCursor", err)
		}
		return nil
	})
}

// csvBytes returns n bytes of a CSV-looking file that holds NUL bytes and
// every other byte value too.
func csvBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
		if i%1000 == 0 {
			b[i] = 0
		}
	}
	return b
}

// testImportJobsCSV: PutCSV, CSV and DeleteCSV.
func testImportJobsCSV(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	j := newImportJob("A", "import-1", t0)
	f.update(func(tx store.Tx) error {
		if err := tx.ImportJobs().Create(j); err != nil {
			return err
		}
		return tx.ImportJobs().Create(newImportJob("B", "import-1", t0))
	})

	csvErr := func(pool, id string) error {
		return f.peek(func(tx store.Tx) error { _, err := tx.ImportJobs().CSV(pool, id); return err })
	}
	wantErr(t, "CSV before upload", csvErr("A", "import-1"), store.ErrNotFound)
	wantErr(t, "CSV of a missing job", csvErr("A", "nope"), store.ErrNotFound)
	err := f.try(func(tx store.Tx) error { return tx.ImportJobs().PutCSV("A", "nope", []byte("a\n")) })
	wantErr(t, "PutCSV on a missing job", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.ImportJobs().PutCSV("nope", "import-1", []byte("a\n")) })
	wantErr(t, "PutCSV in a missing pool", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.ImportJobs().DeleteCSV("A", "nope") })
	wantErr(t, "DeleteCSV on a missing job", err, store.ErrNotFound)

	check := func(what string, want []byte, uploaded bool) {
		t.Helper()
		f.view(func(tx store.Tx) error {
			got, err := tx.ImportJobs().CSV("A", "import-1")
			if err != nil {
				t.Errorf("%s: CSV: %v", what, err)
			} else if got == nil || !bytes.Equal(got, want) {
				t.Errorf("%s: CSV returned %d bytes (nil: %t), want %d bytes equal to those stored",
					what, len(got), got == nil, len(want))
			}
			g, err := tx.ImportJobs().Get("A", "import-1")
			if err != nil {
				return err
			}
			if g.Uploaded != uploaded || g.Version != j.Version {
				t.Errorf("%s: Uploaded %t, Version %d; want %t, %d", what, g.Uploaded, g.Version, uploaded, j.Version)
			}
			return nil
		})
	}

	big := csvBytes(3<<20+17, 0x5a)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().PutCSV("A", "import-1", big) })
	check("after PutCSV", big, true)
	// The other pool's job of the same ID has no file.
	wantErr(t, "CSV of the other pool's job", csvErr("B", "import-1"), store.ErrNotFound)

	// A second upload replaces the first; Update leaves the file alone.
	small := csvBytes(1<<20, 0xa5)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().PutCSV("A", "import-1", small) })
	check("after a second PutCSV", small, true)
	up := *j
	up.Uploaded, up.Status = true, "Pending"
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Update(&up) })
	j.Version = up.Version
	check("after Update", small, true)

	// An empty file is a file.
	f.update(func(tx store.Tx) error { return tx.ImportJobs().PutCSV("A", "import-1", nil) })
	check("after PutCSV of an empty file", []byte{}, true)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().PutCSV("A", "import-1", big) })
	check("after PutCSV again", big, true)

	// DeleteCSV drops the file, keeps Uploaded, and may be repeated.
	f.update(func(tx store.Tx) error { return tx.ImportJobs().DeleteCSV("A", "import-1") })
	wantErr(t, "CSV after DeleteCSV", csvErr("A", "import-1"), store.ErrNotFound)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().DeleteCSV("A", "import-1") })
	f.view(func(tx store.Tx) error {
		g, err := tx.ImportJobs().Get("A", "import-1")
		if err != nil {
			return err
		}
		if !g.Uploaded || g.Version != j.Version {
			t.Errorf("after DeleteCSV: Uploaded %t, Version %d; want true, %d", g.Uploaded, g.Version, j.Version)
		}
		return nil
	})

	// A failed write of the file in a transaction that rolls back leaves nothing.
	errRollback := errors.New("roll back")
	err = f.try(func(tx store.Tx) error {
		if err := tx.ImportJobs().PutCSV("A", "import-1", small); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "rolled back PutCSV", err, errRollback)
	wantErr(t, "CSV after a rolled back PutCSV", csvErr("A", "import-1"), store.ErrNotFound)
}

// testImportJobsListActive: Pending and InProgress jobs of every pool,
// oldest first, at most limit.
func testImportJobsListActive(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	statuses := []string{"Created", "Pending", "InProgress", "Stopping", "Expired", "Stopped", "Failed",
		"Succeeded"}
	var want []*store.ImportJob
	f.update(func(tx store.Tx) error {
		n := 0
		// Newest first, so the order of creation is not the order wanted.
		for i := len(statuses) - 1; i >= 0; i-- {
			for _, pool := range []string{"B", "A"} {
				n++
				j := newImportJob(pool, fmt.Sprintf("import-%s-%d", pool, i), at(time.Duration(100-n)*time.Second))
				j.Status = statuses[i]
				if err := tx.ImportJobs().Create(j); err != nil {
					return err
				}
				if j.Status == "Pending" || j.Status == "InProgress" {
					want = append([]*store.ImportJob{j}, want...)
				}
			}
		}
		return nil
	})
	// A tie in creation time with the oldest: broken by pool, then ID.
	tie := newImportJob("A", "import-tie", want[0].CreatedAt)
	tie.Status = "InProgress"
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Create(tie) })
	// want is A/import-A-1, B/import-B-1, A/import-A-2, B/import-B-2; the
	// tie sorts after A/import-A-1.
	if len(want) != 4 || want[0].PoolID != "A" || want[0].ID != "import-A-1" {
		t.Fatalf("test setup: active jobs %v", want)
	}
	want = append([]*store.ImportJob{want[0], tie}, want[1:]...)

	listActive := func(limit int) []*store.ImportJob {
		t.Helper()
		var got []*store.ImportJob
		f.view(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().ListActive(limit); return err })
		return got
	}
	same(t, "ListActive(10)", listActive(10), want)
	same(t, "ListActive(5)", listActive(5), want)
	same(t, "ListActive(2)", listActive(2), want[:2])
	same(t, "ListActive(1)", listActive(1), want[:1])
	// Inside Update too.
	var got []*store.ImportJob
	f.update(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().ListActive(10); return err })
	same(t, "ListActive(10) in Update", got, want)

	// A job that finishes leaves the list; one that starts joins it.
	done := *want[1]
	done.Status, done.CompletedAt = "Succeeded", at(time.Hour)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Update(&done) })
	var started *store.ImportJob
	f.update(func(tx store.Tx) (err error) {
		if started, err = tx.ImportJobs().Get("B", "import-B-0"); err != nil { // Created
			return err
		}
		started.Status, started.StartedAt = "Pending", at(time.Hour)
		return tx.ImportJobs().Update(started)
	})
	// started is the oldest job of all; done (the tie) is gone.
	next := append([]*store.ImportJob{started, want[0]}, want[2:]...)
	same(t, "ListActive after Updates", listActive(10), next)

	// None at all.
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("B") })
	if got := listActive(10); len(got) != 0 {
		t.Errorf("ListActive with no pools returned %d jobs", len(got))
	}
}

// testImportJobsPoolDelete: deleting a pool deletes its jobs and their
// files, and nothing of another pool.
func testImportJobsPoolDelete(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	seed := func(pool string) {
		f.update(func(tx store.Tx) error {
			for i, status := range []string{"Created", "Pending", "InProgress"} {
				j := newImportJob(pool, fmt.Sprintf("import-%d", i), at(time.Duration(i)*time.Second))
				j.Status = status
				if err := tx.ImportJobs().Create(j); err != nil {
					return err
				}
			}
			return tx.ImportJobs().PutCSV(pool, "import-1", []byte(pool+",file\n"))
		})
	}
	seed("A")
	seed("B")
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })
	f.view(func(tx store.Tx) error {
		for _, pool := range []string{"A", "B"} {
			jobs, _, err := tx.ImportJobs().List(pool, store.Page{})
			if err != nil {
				return err
			}
			if want := map[string]int{"A": 0, "B": 3}[pool]; len(jobs) != want {
				t.Errorf("pool A deleted: pool %s has %d jobs, want %d", pool, len(jobs), want)
			}
		}
		_, err := tx.ImportJobs().Get("A", "import-1")
		wantErr(t, "pool A deleted: Get its job", err, store.ErrNotFound)
		_, err = tx.ImportJobs().CSV("A", "import-1")
		wantErr(t, "pool A deleted: CSV of its job", err, store.ErrNotFound)
		data, err := tx.ImportJobs().CSV("B", "import-1")
		if err != nil || string(data) != "B,file\n" {
			t.Errorf("pool A deleted: CSV of pool B's job = %q, %v", data, err)
		}
		active, err := tx.ImportJobs().ListActive(10)
		if err != nil {
			return err
		}
		if len(active) != 2 {
			t.Errorf("pool A deleted: ListActive returned %d jobs, want pool B's 2", len(active))
		}
		for _, j := range active {
			if j.PoolID != "B" {
				t.Errorf("pool A deleted: ListActive returned a job of pool %s", j.PoolID)
			}
		}
		return nil
	})
	// The keys are free again.
	f.seedPools("A")
	seed("A")
}
