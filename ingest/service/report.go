package service

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// report answers GET /v1/report?from=YYYY-MM-DD&to=YYYY-MM-DD: the
// transparency statistics of the period, both days included (UTC), live
// up to now. JSON, or CSV when asked for with format=csv or Accept:
// text/csv.
func (h *contentHandlers) report(c *call) error {
	args := c.ctx.QueryArgs()
	day := func(name string) (time.Time, error) {
		v := string(args.Peek(name))
		if v == "" {
			return time.Time{}, errorf(http.StatusBadRequest, "invalid_request", "give the period as from=YYYY-MM-DD&to=YYYY-MM-DD")
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return time.Time{}, errorf(http.StatusBadRequest, "invalid_request", "%s=%q is not a date YYYY-MM-DD", name, v)
		}
		return t, nil
	}
	from, err := day("from")
	if err != nil {
		return err
	}
	to, err := day("to")
	if err != nil {
		return err
	}
	if to.Sub(from) > 366*24*time.Hour*5 {
		return errorf(http.StatusBadRequest, "invalid_request", "a report covers at most five years")
	}
	rep, err := h.cfg.DB.Report(from, to)
	if err != nil {
		return err
	}
	format := string(args.Peek("format"))
	if format == "" && strings.Contains(string(c.ctx.Request.Header.Peek("Accept")), "text/csv") {
		format = "csv"
	}
	switch format {
	case "", "json":
		writeJSON(c.ctx, http.StatusOK, rep)
	case "csv":
		var b bytes.Buffer
		if err := rep.WriteCSV(&b); err != nil {
			return err
		}
		c.ctx.SetStatusCode(http.StatusOK)
		c.ctx.SetContentType("text/csv; charset=utf-8")
		c.ctx.SetBody(b.Bytes())
	default:
		return errorf(http.StatusBadRequest, "invalid_request", "format is json or csv, not %q", format)
	}
	return nil
}
