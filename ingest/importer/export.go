package importer

import (
	"context"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/matcher/known"
)

// exportPage is how many items Export reads at a time.
const exportPage = 1000

// Export writes the bank's active items with w, in id order, and flushes
// it: what the authority itself identified, to share with partners in the
// formats herken imports. Retracted items are not shared. It returns the
// number of items written; w.Omitted counts those its format cannot hold.
// It is safe to call while the index changes: items are read a page at a
// time, each page one consistent state.
func Export(ctx context.Context, store *index.Content, bank string, w *hashlist.Writer) (int, error) {
	n := 0
	var after uint64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		items, err := store.Items(index.ItemFilter{Bank: bank, After: after, Limit: exportPage})
		if err != nil {
			return n, err
		}
		if len(items) == 0 {
			return n, w.Flush()
		}
		for _, it := range items {
			after = it.ID
			if it.Status != known.Active {
				continue
			}
			if err := w.Write(it); err != nil {
				return n, err
			}
			n++
		}
	}
}
