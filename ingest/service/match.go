package service

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/matcher"
)

// matchHandlers answer the match endpoints (upload, URL, lookup, batch)
// from the match use case. They are safe for concurrent use.
type matchHandlers struct {
	cfg     *Config
	log     *slog.Logger
	matcher *matcher.Matcher
	hasher  *matcher.Hasher
	budget  *bodyBudget
	metrics *metrics
	content *index.Content // for the index version a batch's summary cites
	audit   AuditLog       // for the batch's lines
	flood   *floodGuard    // quarantines an item whose matches flood
	// spread, in a cluster, sends a batch's overflow to other replicas;
	// replicaName names this one in batch answers (spread.go).
	spread      *spreading
	replicaName string
}

// result identifies computed hashes through the match use case and
// builds the response: a photo or video that could not be decoded (a
// decompression bomb among them) still has its digests matched, and the
// response says why its perceptual signals are missing.
func (h *matchHandlers) result(hs *matcher.Hashes) (matchAnswer, error) {
	r, err := h.matcher.MatchHashes(hs)
	if err != nil {
		return matchAnswer{}, err
	}
	h.metrics.matched(r.Matches)
	resp := matchAnswer{Result: r}
	for _, e := range []error{r.PhotoErr, r.VideoErr} {
		if e != nil {
			resp.Errors = append(resp.Errors, classify(e).Problem)
		}
	}
	return resp, nil
}

// matchUpload answers POST /v1/match: the body is the file, raw or as the
// multipart field "file". It is streamed through the hashers, never stored.
func (h *matchHandlers) matchUpload(c *call) error {
	r, _, err := c.upload()
	if err != nil {
		return err
	}
	held := h.budget.hold(r, int64(c.ctx.Request.Header.ContentLength()))
	defer held.Release()
	ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
	defer cancel()
	hs, err := h.hasher.Hash(ctx, held)
	if err != nil {
		return err
	}
	if hs.Size == 0 {
		return errEmpty("the uploaded file is empty: there is nothing to match")
	}
	if err := ctx.Err(); err != nil {
		return errGone
	}
	resp, err := h.result(hs)
	if err != nil {
		return err
	}
	c.decided(resp.Signals, resp.Identification)
	h.screenCall(c, &resp.Identification)
	writeJSON(c.ctx, http.StatusOK, resp)
	return nil
}

// matchURL answers POST /v1/match/url {"url": "..."}.
func (h *matchHandlers) matchURL(c *call) error {
	var req struct {
		URL string `json:"url"`
	}
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	c.audit.URL = req.URL
	ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
	defer cancel()
	resp, err := h.fetchAndMatch(ctx, req.URL)
	if err != nil {
		return err
	}
	c.decided(resp.Signals, resp.Identification)
	h.screenCall(c, &resp.Identification)
	writeJSON(c.ctx, http.StatusOK, resp)
	return nil
}

// fetchAndMatch fetches url and matches its body; both stop when ctx is
// done.
func (h *matchHandlers) fetchAndMatch(ctx context.Context, url string) (matchAnswer, error) {
	if url == "" {
		return matchAnswer{}, errorf(http.StatusBadRequest, "invalid_request", `give the URL to match as {"url": "..."}`)
	}
	if h.cfg.Fetcher == nil {
		return matchAnswer{}, errorf(http.StatusBadRequest, "url_matching_disabled", "this service does not fetch URLs")
	}
	var resp matchAnswer
	err := h.cfg.Fetcher.Fetch(ctx, url, func(body io.Reader, meta fetch.Meta) error {
		held := h.budget.hold(body, meta.ContentLength)
		defer held.Release()
		hs, err := h.hasher.Hash(ctx, held)
		if err != nil {
			return err
		}
		if hs.Size == 0 {
			return errorf(http.StatusUnprocessableEntity, "empty_body", "%s answered with an empty body: there is nothing to match", meta.FinalURL)
		}
		if resp, err = h.result(hs); err != nil {
			return err
		}
		resp.URL, resp.FinalURL = meta.URL, meta.FinalURL
		return nil
	})
	return resp, err
}

// lookupRequest is the body of POST /v1/lookup: hashes only, the privacy
// path for hosting providers.
type lookupRequest struct {
	Signals []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
		// Quality is the PDQ quality of the hash, when known: hashes of
		// quality below the minimum are not matched.
		Quality *int `json:"quality"`
	} `json:"signals"`
}

// maxLookupSignals bounds one lookup request.
const maxLookupSignals = 1000

func (h *matchHandlers) lookupPost(c *call) error {
	var req lookupRequest
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	if len(req.Signals) == 0 || len(req.Signals) > maxLookupSignals {
		return errorf(http.StatusBadRequest, "invalid_request", "give 1 to %d signals as {\"signals\": [{\"type\": \"pdq\", \"value\": \"...\"}]}", maxLookupSignals)
	}
	queries := make([]matcher.Query, 0, len(req.Signals))
	for _, in := range req.Signals {
		q, err := query(in.Type, in.Value, in.Quality)
		if err != nil {
			return err
		}
		queries = append(queries, q)
	}
	return h.lookup(c, queries)
}

// lookupGet answers GET /v1/lookup?type=pdq&value=...[&quality=N].
func (h *matchHandlers) lookupGet(c *call) error {
	args := c.ctx.QueryArgs()
	var quality *int
	if q := args.Peek("quality"); len(q) > 0 {
		v, err := strconv.Atoi(string(q))
		if err != nil {
			return errorf(http.StatusBadRequest, "invalid_request", "quality %q is not a number", q)
		}
		quality = &v
	}
	q, err := query(string(args.Peek("type")), string(args.Peek("value")), quality)
	if err != nil {
		return err
	}
	return h.lookup(c, []matcher.Query{q})
}

func query(typeName, value string, quality *int) (matcher.Query, error) {
	if typeName == "" || value == "" {
		return matcher.Query{}, errorf(http.StatusBadRequest, "invalid_request", "a signal needs a type and a value")
	}
	t, err := matcher.ParseSignalType(typeName)
	if err != nil {
		return matcher.Query{}, err
	}
	sig, err := matcher.ParseSignal(t, value)
	if err != nil {
		return matcher.Query{}, err
	}
	q := matcher.Query{Signal: sig, Quality: -1}
	if quality != nil {
		if *quality < 0 || *quality > 100 {
			return matcher.Query{}, errorf(http.StatusBadRequest, "invalid_request", "quality %d is outside 0..100", *quality)
		}
		q.Quality = *quality
	}
	return q, nil
}

func (h *matchHandlers) lookup(c *call, queries []matcher.Query) error {
	l, err := h.matcher.MatchSignals(queries)
	if err != nil {
		return err
	}
	h.metrics.matched(l.Matches)
	sigs := make([]matcher.Signal, len(queries))
	for i, q := range queries {
		sigs[i] = q.Signal
	}
	c.decided(sigs, l)
	h.screenCall(c, &l)
	writeJSON(c.ctx, http.StatusOK, lookupAnswer{Matched: len(l.Matches) > 0, Identification: l})
	return nil
}
