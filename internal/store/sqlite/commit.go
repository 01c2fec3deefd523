package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Group commit. SQLite has one writer at a time and, with synchronous=FULL,
// every COMMIT waits for an fsync of the WAL, which costs more than most of
// our transactions' own work. So Updates that queue up behind a running one
// join its transaction instead of each paying for a commit: each runs its fn
// in a savepoint of the shared transaction, in arrival order, and the last
// of the queue (or the maxBatch-th) commits for all of them. An Update
// returns only after the COMMIT that holds its writes has returned, so an
// acknowledged write is as durable as before; with no queue (one client)
// nothing changes but a counter.
//
// Isolation is unchanged: members run one after another on the one writer
// connection, each seeing the writes of those before it, as it would have
// after their commits. A member's failure (error or panic) rolls back to its
// savepoint and touches no one else; a failed COMMIT fails every member,
// none of which had been acknowledged.

// maxBatch bounds the Updates sharing one commit, and so the time the first
// of them waits for its acknowledgement.
const maxBatch = 64

// batch is one write transaction and the Updates whose writes it holds.
type batch struct {
	sql     *sql.Tx
	members int           // Updates whose fn succeeded inside sql
	done    chan struct{} // closed once the batch has committed or failed
	err     error         // the outcome for every member; read after done
}

// join waits for the writer and returns the open batch, beginning one if
// none is open; alone (UpdateBulk) commits the open batch first and begins
// a new one. It returns with s.wmu held, unless it fails.
//
// Why a bulk write must not be a member: a member runs inside the savepoint
// that fences it, and SQLite keeps, until the outermost savepoint ends, a
// copy of every page changed under it: its sub-journal, in memory with
// temp_store=memory. An import batch of 1,000 users on a 1M-user pool
// touches pages all over its indexes; fenced, it held 300 MiB of them. As
// the first in its transaction, its per-record savepoints are outermost and
// the sub-journal is emptied at each one's end.
func (s *Store) join(ctx context.Context, alone bool) (*batch, error) {
	s.waiting.Add(1)
	s.wmu.Lock()
	s.waiting.Add(-1)
	if err := ctx.Err(); err != nil {
		if s.open != nil {
			s.settle(s.open) // others may be waiting on it
		}
		s.wmu.Unlock()
		return nil, err
	}
	if s.open != nil {
		if !alone {
			return s.open, nil
		}
		s.commit(s.open)
	}
	// Background: the transaction outlives the Update that began it.
	sqlTx, err := s.writer.BeginTx(context.Background(), nil)
	if err != nil {
		s.wmu.Unlock()
		return nil, fmt.Errorf("sqlite: begin write: %w", err)
	}
	s.open = &batch{sql: sqlTx, done: make(chan struct{})}
	return s.open, nil
}

// undo discards what the current member wrote: back to its savepoint when
// others' writes share the transaction, else the whole transaction.
func (s *Store) undo(b *batch, fenced bool) {
	if s.open != b {
		return // already ended by a failure
	}
	if !fenced {
		// b holds nobody's writes (members == 0), so there is nothing for
		// anyone to wait on: end it.
		b.sql.Rollback()
		s.end(b, nil)
		return
	}
	_, err := b.sql.Exec("ROLLBACK TO member")
	if err == nil {
		_, err = b.sql.Exec("RELEASE member")
	}
	if err != nil {
		// The statement that failed took the whole transaction with it
		// (SQLITE_FULL, SQLITE_IOERR...): the other members are lost too.
		s.fail(b, err)
	}
}

// settle commits b unless Updates are queued to join it and it has room.
func (s *Store) settle(b *batch) {
	if s.open != b {
		return
	}
	if s.waiting.Load() > 0 && b.members < maxBatch {
		return // the next Update in the queue settles it
	}
	s.commit(b)
}

// commit ends b now: its members' writes are made durable, and each of them
// learns the outcome.
func (s *Store) commit(b *batch) {
	if b.members == 0 {
		b.sql.Rollback() // nothing to make durable
		s.end(b, nil)
		return
	}
	var err error
	if cerr := b.sql.Commit(); cerr != nil {
		err = fmt.Errorf("sqlite: commit: %w", cerr)
	}
	s.commits.Add(1)
	s.end(b, err)
}

// fail ends b without committing: every member gets err.
func (s *Store) fail(b *batch, err error) {
	if s.open != b {
		return
	}
	b.sql.Rollback()
	s.end(b, errors.Join(errors.New("sqlite: write transaction lost"), err))
}

func (s *Store) end(b *batch, err error) {
	b.err = err
	s.open = nil
	close(b.done)
}
