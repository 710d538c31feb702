package service

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/importer"
)

// exportTypes are the content types of the export formats.
var exportTypes = map[hashlist.Format]string{
	hashlist.CSV:    "text/csv; charset=utf-8",
	hashlist.PyTX:   "text/csv; charset=utf-8",
	hashlist.NDJSON: "application/x-ndjson",
}

// exportBank answers GET /v1/banks/{bank}/export?format=csv|ndjson|pytx:
// the bank's active items in a format herken (and, for pytx,
// python-threatexchange) imports, streamed with the writer of herken
// export, a page of items at a time, so that a bank of any size is sent in
// bounded memory. The bank and the format are checked before the answer
// starts; a failure after it (the client left) ends the body early.
func (h *contentHandlers) exportBank(c *call) error {
	bank := c.params["bank"]
	if _, err := h.content.Bank(bank); err != nil {
		return err
	}
	name := string(c.ctx.QueryArgs().Peek("format"))
	if name == "" {
		name = "ndjson"
	}
	f, err := hashlist.ParseFormat(name)
	if err != nil || exportTypes[f] == "" {
		return errorf(http.StatusBadRequest, "invalid_request", "format %q: want csv, ndjson (the default) or pytx", name)
	}
	c.audit.Detail = fmt.Sprintf("exported bank %s as %s", bank, f)
	hdr := &c.ctx.Response.Header
	hdr.Set("X-Herken-Index-Version", strconv.FormatUint(h.content.Version(), 10))
	ext := map[hashlist.Format]string{hashlist.CSV: "csv", hashlist.PyTX: "pytx.csv", hashlist.NDJSON: "ndjson"}[f]
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="herken-%s.%s"`, bank, ext))
	c.ctx.SetContentType(exportTypes[f])
	c.ctx.SetStatusCode(http.StatusOK)
	conn, store := c.ctx.Conn(), h.content
	c.ctx.SetBodyStreamWriter(func(bw *bufio.Writer) {
		ctx, cancel := watchPeer(context.Background(), conn)
		defer cancel()
		w, err := hashlist.NewWriter(bw, f)
		if err != nil {
			return // checked above
		}
		// An error here is the client gone or the index closing: the body
		// ends where it stopped.
		_, _ = importer.Export(ctx, store, bank, w)
	})
	return nil
}
