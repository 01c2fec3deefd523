package store

// outboxPage is how many messages Messages reads at a time.
const outboxPage = 1000

// Messages reads the whole outbox in tx, oldest first, keeping those keep
// accepts (every one when keep is nil): what the local views show.
func Messages(tx Tx, keep func(*Message) bool) ([]*Message, error) {
	var out []*Message
	var after int64
	for {
		page, err := tx.Outbox().List(after, outboxPage)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			if keep == nil || keep(m) {
				out = append(out, m)
			}
		}
		if len(page) < outboxPage {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
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
	var after int64
	for {
		page, err := tx.Outbox().List(after, outboxPage)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			switch {
			case keep != nil && !keep(m):
			case len(ring) < n:
				ring = append(ring, m)
			default:
				ring[next], next = m, (next+1)%n
			}
		}
		if len(page) < outboxPage {
			break
		}
		after = page[len(page)-1].ID
	}
	out := make([]*Message, 0, len(ring))
	for i := range ring {
		out = append(out, ring[(next+len(ring)-1-i)%len(ring)])
	}
	return out, nil
}
