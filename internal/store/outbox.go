package store

// outboxPage is how many messages Messages reads at a time.
const outboxPage = 1000

// scanOutbox reads the whole outbox in tx, oldest first, a page at a time,
// handing each message that keep accepts (every one when keep is nil) to
// take.
func scanOutbox(tx Tx, keep func(*Message) bool, take func(*Message)) error {
	var after int64
	for {
		page, err := tx.Outbox().List(after, outboxPage)
		if err != nil {
			return err
		}
		for _, m := range page {
			if keep == nil || keep(m) {
				take(m)
			}
		}
		if len(page) < outboxPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// Messages reads the whole outbox in tx, oldest first, keeping those keep
// accepts (every one when keep is nil): what the local views show.
func Messages(tx Tx, keep func(*Message) bool) ([]*Message, error) {
	var out []*Message
	if err := scanOutbox(tx, keep, func(m *Message) { out = append(out, m) }); err != nil {
		return nil, err
	}
	return out, nil
}

// NewestMessages reads the outbox in tx and returns the n newest messages
// keep accepts (every one when keep is nil), newest first. It holds at most
// n of them at a time, however big the outbox (a week of messages) is.
func NewestMessages(tx Tx, keep func(*Message) bool, n int) ([]*Message, error) {
	if n <= 0 {
		return nil, nil
	}
	ring := make([]*Message, 0, n) // the newest kept so far; next is the oldest once full
	next := 0
	err := scanOutbox(tx, keep, func(m *Message) {
		if len(ring) < n {
			ring = append(ring, m)
		} else {
			ring[next], next = m, (next+1)%n
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Message, 0, len(ring))
	for i := range ring {
		out = append(out, ring[(next+len(ring)-1-i)%len(ring)])
	}
	return out, nil
}
