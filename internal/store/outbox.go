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
