package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
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
		"PutCSVChunk": func(tx store.Tx) error {
			return tx.ImportJobs().PutCSVChunk("A", "import-1", "upload-v", 0, []byte("a,b\n"))
		},
		"SetCSV":    func(tx store.Tx) error { return tx.ImportJobs().SetCSV("A", "import-1", "upload-v") },
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
		_, err = tx.ImportJobs().CSVChunk("A", "import-1", 0)
		wantErr(t, "CSV chunk stored in View", err, store.ErrNotFound)
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
	f.update(func(tx store.Tx) error {
		if err := tx.ImportJobs().PutCSVChunk("A", "import-03", "upload-1", 0, []byte("x,y\n")); err != nil {
			return err
		}
		return tx.ImportJobs().SetCSV("A", "import-03", "upload-1")
	})
	// An upload in progress neither.
	f.update(func(tx store.Tx) error {
		return tx.ImportJobs().PutCSVChunk("A", "import-04", "upload-1", 0, []byte("x,y\n"))
	})
	want[3].Uploaded = true
	slices.Reverse(want) // newest first

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

// testImportJobsCSV: PutCSVChunk, SetCSV, CSVChunk and DeleteCSV.
func testImportJobsCSV(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	j := newImportJob("A", "import-1", t0)
	f.update(func(tx store.Tx) error {
		if err := tx.ImportJobs().Create(j); err != nil {
			return err
		}
		return tx.ImportJobs().Create(newImportJob("B", "import-1", t0))
	})

	put := func(upload string, chunks [][]byte) func(store.Tx) error {
		return func(tx store.Tx) error {
			for seq, data := range chunks {
				if err := tx.ImportJobs().PutCSVChunk("A", "import-1", upload, seq, data); err != nil {
					return err
				}
			}
			return nil
		}
	}
	setCSV := func(upload string) func(store.Tx) error {
		return func(tx store.Tx) error { return tx.ImportJobs().SetCSV("A", "import-1", upload) }
	}
	chunkErr := func(pool, id string, seq int) error {
		return f.peek(func(tx store.Tx) error { _, err := tx.ImportJobs().CSVChunk(pool, id, seq); return err })
	}
	// checkJob: the job's Uploaded, and a Version that the CSV methods
	// never bump.
	checkJob := func(tx store.Tx, what string, uploaded bool) error {
		t.Helper()
		g, err := tx.ImportJobs().Get("A", "import-1")
		if err != nil {
			return err
		}
		if g.Uploaded != uploaded || g.Version != j.Version {
			t.Errorf("%s: Uploaded %t, Version %d; want %t, %d", what, g.Uploaded, g.Version, uploaded, j.Version)
		}
		return nil
	}
	// checkFile: the job's file is want, chunk by chunk, and has no chunk
	// past the last.
	checkFile := func(what string, want [][]byte) {
		t.Helper()
		f.view(func(tx store.Tx) error {
			for seq, w := range want {
				got, err := tx.ImportJobs().CSVChunk("A", "import-1", seq)
				if err != nil {
					t.Errorf("%s: CSVChunk(%d): %v", what, seq, err)
				} else if got == nil || !bytes.Equal(got, w) {
					t.Errorf("%s: CSVChunk(%d) returned %d bytes (nil: %t), want %d bytes equal to those stored",
						what, seq, len(got), got == nil, len(w))
				}
			}
			_, err := tx.ImportJobs().CSVChunk("A", "import-1", len(want))
			wantErr(t, fmt.Sprintf("%s: CSVChunk(%d), past the last", what, len(want)), err, store.ErrNotFound)
			return checkJob(tx, what, true)
		})
	}
	// checkNone: the job has no file (n chunks looked for).
	checkNone := func(what string, n int, uploaded bool) {
		t.Helper()
		for seq := range n {
			wantErr(t, fmt.Sprintf("%s: CSVChunk(%d)", what, seq), chunkErr("A", "import-1", seq), store.ErrNotFound)
		}
		f.view(func(tx store.Tx) error { return checkJob(tx, what, uploaded) })
	}

	// One upload: chunks of about 1 MB, an empty one among them, a short
	// last one; written in any order, each in a transaction of its own.
	u1 := [][]byte{csvBytes(1<<20, 1), csvBytes(1<<20+3, 2), {}, csvBytes(1<<20-5, 3), csvBytes(17, 4)}
	for seq := len(u1) - 1; seq >= 0; seq-- {
		f.update(func(tx store.Tx) error {
			return tx.ImportJobs().PutCSVChunk("A", "import-1", "upload-1", seq, u1[seq])
		})
	}
	// They are not the job's file before SetCSV.
	checkNone("before SetCSV", len(u1), false)
	f.update(setCSV("upload-1"))
	checkFile("after SetCSV", u1)
	// The other pool's job of the same ID has no file.
	wantErr(t, "CSVChunk of the other pool's job", chunkErr("B", "import-1", 0), store.ErrNotFound)

	// PutCSVChunk replaces a chunk of the same key, even of the job's file.
	u1[4] = csvBytes(40, 5)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().PutCSVChunk("A", "import-1", "upload-1", 4, u1[4]) })
	checkFile("after replacing a chunk", u1)

	// A second upload does not show until its SetCSV; Update leaves the
	// file alone.
	u2 := [][]byte{csvBytes(1<<20, 6), csvBytes(100, 7)}
	f.update(put("upload-2", u2))
	checkFile("during a second upload", u1)
	up := *j
	up.Uploaded, up.Status = true, "Pending"
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Update(&up) })
	j.Version = up.Version
	checkFile("after Update", u1)
	f.update(setCSV("upload-2"))
	checkFile("after the second SetCSV", u2)
	// The first upload's chunks are gone: made the file again, it has none.
	f.update(setCSV("upload-1"))
	checkNone("first upload after the second SetCSV", len(u1), true)

	// A rolled back PutCSVChunk leaves nothing; a rolled back SetCSV leaves
	// the file as it was.
	f.update(put("upload-3", u2))
	f.update(setCSV("upload-3"))
	errRollback := errors.New("roll back")
	err := f.try(func(tx store.Tx) error {
		if err := put("upload-4", u1)(tx); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "rolled back PutCSVChunk", err, errRollback)
	checkFile("after a rolled back PutCSVChunk", u2)
	err = f.try(func(tx store.Tx) error {
		if err := setCSV("upload-1")(tx); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "rolled back SetCSV", err, errRollback)
	checkFile("after a rolled back SetCSV", u2)
	f.update(setCSV("upload-4"))
	checkNone("rolled back upload", len(u1), true)
	// That SetCSV dropped upload-3's chunks, as any SetCSV of another upload.
	f.update(setCSV("upload-3"))
	checkNone("upload-3 after SetCSV of upload-4", len(u2), true)
	f.update(put("upload-3", u2))
	f.update(setCSV("upload-3"))
	checkFile("after upload-3 again", u2)

	// DeleteCSV drops every chunk of the job, of any upload (here the
	// file's and one in progress), keeps Uploaded, and may be repeated.
	f.update(put("upload-5", u1[:2]))
	f.update(func(tx store.Tx) error { return tx.ImportJobs().DeleteCSV("A", "import-1") })
	checkNone("after DeleteCSV", len(u2), true)
	f.update(func(tx store.Tx) error { return tx.ImportJobs().DeleteCSV("A", "import-1") })
	checkNone("after a second DeleteCSV", len(u2), true)
	for _, upload := range []string{"upload-3", "upload-5"} {
		f.update(setCSV(upload))
		checkNone("after DeleteCSV, "+upload, 2, true)
	}

	// Every method on a missing job (or pool) is ErrNotFound, DeleteCSV
	// included: there is no job whose file to drop.
	for _, k := range [][2]string{{"A", "nope"}, {"nope", "import-1"}} {
		err = f.try(func(tx store.Tx) error { return tx.ImportJobs().PutCSVChunk(k[0], k[1], "upload-1", 0, []byte("a\n")) })
		wantErr(t, fmt.Sprintf("PutCSVChunk on missing %v", k), err, store.ErrNotFound)
		err = f.try(func(tx store.Tx) error { return tx.ImportJobs().SetCSV(k[0], k[1], "upload-1") })
		wantErr(t, fmt.Sprintf("SetCSV on missing %v", k), err, store.ErrNotFound)
		wantErr(t, fmt.Sprintf("CSVChunk of missing %v", k), chunkErr(k[0], k[1], 0), store.ErrNotFound)
		err = f.try(func(tx store.Tx) error { return tx.ImportJobs().DeleteCSV(k[0], k[1]) })
		wantErr(t, fmt.Sprintf("DeleteCSV on missing %v", k), err, store.ErrNotFound)
	}
	// The transaction goes on after a PutCSVChunk on a missing job.
	f.update(func(tx store.Tx) error {
		err := tx.ImportJobs().PutCSVChunk("A", "nope", "upload-6", 0, []byte("a\n"))
		wantErr(t, "PutCSVChunk on a missing job, then more", err, store.ErrNotFound)
		if err := put("upload-6", u2)(tx); err != nil {
			return err
		}
		return tx.ImportJobs().SetCSV("A", "import-1", "upload-6")
	})
	checkFile("after writes following a failed PutCSVChunk", u2)
}

// testImportJobsListActive: Pending, InProgress and Stopping jobs of every
// pool, oldest first, at most limit.
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
				if j.Status == "Pending" || j.Status == "InProgress" || j.Status == "Stopping" {
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
	// want is A/import-A-1, B/import-B-1, A/import-A-2, B/import-B-2,
	// A/import-A-3, B/import-B-3; the tie sorts after A/import-A-1.
	if len(want) != 6 || want[0].PoolID != "A" || want[0].ID != "import-A-1" {
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
	same(t, "ListActive(5)", listActive(5), want[:5])
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
			for seq, data := range []string{pool + ",file\n", "more\n"} {
				if err := tx.ImportJobs().PutCSVChunk(pool, "import-1", "upload-1", seq, []byte(data)); err != nil {
					return err
				}
			}
			if err := tx.ImportJobs().SetCSV(pool, "import-1", "upload-1"); err != nil {
				return err
			}
			// And an upload in progress.
			return tx.ImportJobs().PutCSVChunk(pool, "import-2", "upload-1", 0, []byte(pool+",partial\n"))
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
		_, err = tx.ImportJobs().CSVChunk("A", "import-1", 0)
		wantErr(t, "pool A deleted: CSVChunk of its job", err, store.ErrNotFound)
		for seq, want := range []string{"B,file\n", "more\n"} {
			data, err := tx.ImportJobs().CSVChunk("B", "import-1", seq)
			if err != nil || string(data) != want {
				t.Errorf("pool A deleted: CSVChunk(%d) of pool B's job = %q, %v; want %q", seq, data, err, want)
			}
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
	// The keys are free again once the pool is purged.
	f.purge(100)
	f.seedPools("A")
	seed("A")
}

// testImportJobsExpire: ExpireCreated turns the Created jobs of every pool
// older than the cut-off into Expired ones without their files, bumping
// Version, and leaves every other job as it was.
func testImportJobsExpire(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	cut := at(time.Hour)
	type job struct {
		pool, id, status string
		created          time.Duration
		expires          bool
	}
	jobs := []job{
		{"A", "import-old", "Created", 0, true},
		{"B", "import-old", "Created", time.Hour - time.Nanosecond, true},
		{"A", "import-at-cut", "Created", time.Hour, false},
		{"A", "import-new", "Created", 2 * time.Hour, false},
		{"A", "import-pending", "Pending", 0, false},
		{"A", "import-running", "InProgress", 0, false},
		{"B", "import-done", "Succeeded", 0, false},
		{"B", "import-expired", "Expired", 0, false},
	}
	want := map[string]*store.ImportJob{}
	f.update(func(tx store.Tx) error {
		for _, j := range jobs {
			sj := newImportJob(j.pool, j.id, at(j.created))
			sj.Status = j.status
			if err := tx.ImportJobs().Create(sj); err != nil {
				return err
			}
			if err := tx.ImportJobs().PutCSVChunk(j.pool, j.id, "upload-1", 0, []byte(j.id+"\n")); err != nil {
				return err
			}
			if err := tx.ImportJobs().SetCSV(j.pool, j.id, "upload-1"); err != nil {
				return err
			}
			// And an upload in progress.
			if err := tx.ImportJobs().PutCSVChunk(j.pool, j.id, "upload-2", 0, []byte("partial\n")); err != nil {
				return err
			}
			sj.Uploaded = true
			want[j.pool+"/"+j.id] = sj
		}
		return nil
	})
	var n int64
	f.update(func(tx store.Tx) (err error) { n, err = tx.ImportJobs().ExpireCreated(cut); return err })
	if n != 2 {
		t.Errorf("ExpireCreated returned %d, want 2", n)
	}
	check := func(what string) {
		t.Helper()
		f.view(func(tx store.Tx) error {
			for _, j := range jobs {
				w := *want[j.pool+"/"+j.id]
				if j.expires {
					w.Status, w.Version = "Expired", 2
				}
				got, err := tx.ImportJobs().Get(j.pool, j.id)
				if err != nil {
					return err
				}
				same(t, fmt.Sprintf("%s: %s/%s", what, j.pool, j.id), got, &w)
				data, err := tx.ImportJobs().CSVChunk(j.pool, j.id, 0)
				if j.expires {
					wantErr(t, fmt.Sprintf("%s: file of expired %s/%s", what, j.pool, j.id), err, store.ErrNotFound)
				} else if err != nil || string(data) != j.id+"\n" {
					t.Errorf("%s: file of %s/%s = %q, %v; want it kept", what, j.pool, j.id, data, err)
				}
			}
			return nil
		})
	}
	check("after ExpireCreated")
	// The chunks of the upload in progress went too: that upload, made the
	// file, has none.
	f.update(func(tx store.Tx) error { return tx.ImportJobs().SetCSV("A", "import-old", "upload-2") })
	wantErr(t, "upload in progress of an expired job", f.peek(func(tx store.Tx) error {
		_, err := tx.ImportJobs().CSVChunk("A", "import-old", 0)
		return err
	}), store.ErrNotFound)
	// Nothing more to expire; and not inside View.
	f.update(func(tx store.Tx) (err error) { n, err = tx.ImportJobs().ExpireCreated(cut); return err })
	if n != 0 {
		t.Errorf("second ExpireCreated returned %d, want 0", n)
	}
	var inner error
	if err := f.peek(func(tx store.Tx) error { _, inner = tx.ImportJobs().ExpireCreated(at(3 * time.Hour)); return nil }); err != nil {
		t.Errorf("View after a failed ExpireCreated: %v", err)
	}
	if inner == nil {
		t.Error("ExpireCreated inside View succeeded, want an error")
	}
	want["A/import-old"].Uploaded = true
	f.view(func(tx store.Tx) error {
		got, err := tx.ImportJobs().Get("A", "import-new")
		if err != nil {
			return err
		}
		if got.Status != "Created" {
			t.Errorf("ExpireCreated inside View changed a job to %s", got.Status)
		}
		return nil
	})
}

// testImportJobsLog: AppendLog and Log, by job and line, pages, a
// replaced line, a rolled back append, and the log going with its job.
func testImportJobsLog(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.update(func(tx store.Tx) error {
		for _, k := range [][2]string{{"A", "import-1"}, {"A", "import-2"}, {"B", "import-1"}} {
			if err := tx.ImportJobs().Create(newImportJob(k[0], k[1], t0)); err != nil {
				return err
			}
		}
		return nil
	})
	line := func(n int64, outcome string) store.ImportLogLine {
		return store.ImportLogLine{Line: n, Outcome: outcome, Message: fmt.Sprintf("line %d ✓ — why", n)}
	}
	appendLog := func(pool, id string, lines ...store.ImportLogLine) func(store.Tx) error {
		return func(tx store.Tx) error { return tx.ImportJobs().AppendLog(pool, id, lines) }
	}
	readLog := func(pool, id string, after int64, limit int) (got []store.ImportLogLine) {
		t.Helper()
		f.view(func(tx store.Tx) (err error) { got, err = tx.ImportJobs().Log(pool, id, after, limit); return err })
		return got
	}
	// Out of order, over two transactions, 1<<40 as a line number.
	f.update(appendLog("A", "import-1", line(7, "FAILED"), line(2, "SKIPPED")))
	f.update(appendLog("A", "import-1", line(1<<40, "FAILED"), line(3, "FAILED")))
	f.update(appendLog("A", "import-2", line(2, "FAILED")))
	f.update(appendLog("A", "import-1")) // none
	all := []store.ImportLogLine{line(2, "SKIPPED"), line(3, "FAILED"), line(7, "FAILED"), line(1<<40, "FAILED")}
	same(t, "Log", readLog("A", "import-1", 0, 10), all)
	same(t, "Log after 3", readLog("A", "import-1", 3, 10), all[2:])
	same(t, "Log limit 2", readLog("A", "import-1", 0, 2), all[:2])
	same(t, "Log after 2 limit 1", readLog("A", "import-1", 2, 1), all[1:2])
	same(t, "Log of the other job", readLog("A", "import-2", 0, 10), []store.ImportLogLine{line(2, "FAILED")})
	for _, k := range [][2]string{{"B", "import-1"}, {"A", "nope"}, {"nope", "import-1"}} {
		if got := readLog(k[0], k[1], 0, 10); len(got) != 0 {
			t.Errorf("Log of %v = %v, want none", k, got)
		}
	}
	// A line appended again replaces the first (a batch retried).
	again := store.ImportLogLine{Line: 3, Outcome: "SKIPPED", Message: "again"}
	f.update(appendLog("A", "import-1", again))
	all[1] = again
	same(t, "Log after a line appended again", readLog("A", "import-1", 0, 10), all)
	// Rolled back: nothing; on a missing job: ErrNotFound, and nothing.
	errRollback := errors.New("roll back")
	err := f.try(func(tx store.Tx) error {
		if err := appendLog("A", "import-1", line(4, "FAILED"))(tx); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "rolled back AppendLog", err, errRollback)
	for _, k := range [][2]string{{"A", "nope"}, {"nope", "import-1"}} {
		err = f.try(appendLog(k[0], k[1], line(5, "FAILED")))
		wantErr(t, fmt.Sprintf("AppendLog on missing %v", k), err, store.ErrNotFound)
	}
	// The transaction goes on after an AppendLog on a missing job.
	f.update(func(tx store.Tx) error {
		err := appendLog("A", "nope", line(5, "FAILED"))(tx)
		wantErr(t, "AppendLog on a missing job, then more", err, store.ErrNotFound)
		return appendLog("A", "import-1", line(6, "FAILED"))(tx)
	})
	all = append(all[:2], append([]store.ImportLogLine{line(6, "FAILED")}, all[2:]...)...)
	same(t, "Log after the rollbacks", readLog("A", "import-1", 0, 10), all)
	var inner error
	if err := f.peek(func(tx store.Tx) error { inner = appendLog("A", "import-1", line(9, "FAILED"))(tx); return nil }); err != nil {
		t.Errorf("View after a failed AppendLog: %v", err)
	}
	if inner == nil {
		t.Error("AppendLog inside View succeeded, want an error")
	}
	same(t, "Log after AppendLog in View", readLog("A", "import-1", 0, 10), all)
	// Deleting the pool deletes its jobs' logs; a new job of the same key
	// starts with none.
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })
	f.purge(100)
	f.seedPools("A")
	f.update(func(tx store.Tx) error { return tx.ImportJobs().Create(newImportJob("A", "import-1", t0)) })
	if got := readLog("A", "import-1", 0, 10); len(got) != 0 {
		t.Errorf("Log of a new job where a deleted one was: %v, want none", got)
	}
}
