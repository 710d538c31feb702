package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"

	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/matcher"
)

// matchResponse is the answer to a match: the result with its evidence,
// and what went wrong with the input without stopping the match (a photo
// that could not be decoded still has its digests matched).
type matchResponse struct {
	matcher.Result
	URL      string    `json:"url,omitempty"`
	FinalURL string    `json:"final_url,omitempty"`
	Errors   []Problem `json:"errors,omitempty"`
}

// result identifies computed hashes through the match use case and
// builds the response: a photo or video that could not be decoded (a
// decompression bomb among them) still has its digests matched, and the
// response says why its perceptual signals are missing.
func (s *Service) result(hs *matcher.Hashes) (matchResponse, error) {
	r, err := s.matcher.MatchHashes(hs)
	if err != nil {
		return matchResponse{}, err
	}
	s.metrics.matched(r.Matches)
	resp := matchResponse{Result: r}
	for _, e := range []error{r.PhotoErr, r.VideoErr} {
		if e != nil {
			resp.Errors = append(resp.Errors, classify(e).Problem)
		}
	}
	return resp, nil
}

// matchUpload answers POST /v1/match: the body is the file, raw or as the
// multipart field "file". It is streamed through the hashers, never stored.
func (s *Service) matchUpload(c *call) error {
	r, _, err := c.upload()
	if err != nil {
		return err
	}
	held := s.holdBody(r, int64(c.ctx.Request.Header.ContentLength()))
	defer held.Release()
	ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
	defer cancel()
	hs, err := s.hasher.Hash(ctx, held)
	if err != nil {
		return err
	}
	if hs.Size == 0 {
		return errEmpty("the uploaded file is empty: there is nothing to match")
	}
	if err := ctx.Err(); err != nil {
		return errGone
	}
	resp, err := s.result(hs)
	if err != nil {
		return err
	}
	c.decided(resp.Signals, resp.Lookup)
	writeJSON(c.ctx, http.StatusOK, resp)
	return nil
}

// matchURL answers POST /v1/match/url {"url": "..."}.
func (s *Service) matchURL(c *call) error {
	var req struct {
		URL string `json:"url"`
	}
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	c.audit.URL = req.URL
	ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
	defer cancel()
	resp, err := s.fetchAndMatch(ctx, req.URL)
	if err != nil {
		return err
	}
	c.decided(resp.Signals, resp.Lookup)
	writeJSON(c.ctx, http.StatusOK, resp)
	return nil
}

// fetchAndMatch fetches url and matches its body; both stop when ctx is
// done.
func (s *Service) fetchAndMatch(ctx context.Context, url string) (matchResponse, error) {
	if url == "" {
		return matchResponse{}, errorf(http.StatusBadRequest, "invalid_request", `give the URL to match as {"url": "..."}`)
	}
	if s.cfg.Fetcher == nil {
		return matchResponse{}, errorf(http.StatusBadRequest, "url_matching_disabled", "this service does not fetch URLs")
	}
	var resp matchResponse
	err := s.cfg.Fetcher.Fetch(ctx, url, func(body io.Reader, meta fetch.Meta) error {
		held := s.holdBody(body, meta.ContentLength)
		defer held.Release()
		hs, err := s.hasher.Hash(ctx, held)
		if err != nil {
			return err
		}
		if hs.Size == 0 {
			return errorf(http.StatusUnprocessableEntity, "empty_body", "%s answered with an empty body: there is nothing to match", meta.FinalURL)
		}
		if resp, err = s.result(hs); err != nil {
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

func (s *Service) lookupPost(c *call) error {
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
	return s.lookup(c, queries)
}

// lookupGet answers GET /v1/lookup?type=pdq&value=...[&quality=N].
func (s *Service) lookupGet(c *call) error {
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
	return s.lookup(c, []matcher.Query{q})
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

func (s *Service) lookup(c *call, queries []matcher.Query) error {
	l, err := s.matcher.Lookup(queries)
	if err != nil {
		return err
	}
	s.metrics.matched(l.Matches)
	sigs := make([]matcher.Signal, len(queries))
	for i, q := range queries {
		sigs[i] = q.Signal
	}
	c.decided(sigs, l)
	writeJSON(c.ctx, http.StatusOK, struct {
		Matched bool `json:"matched"`
		matcher.Lookup
	}{len(l.Matches) > 0, l})
	return nil
}

// upload returns a reader over the uploaded file, at most MaxUploadBytes:
// the raw body, or the part named "file" of a multipart body. Nothing is
// buffered to disk. It is cut when no byte arrives for the stream idle
// timeout, never for its total time.
func (c *call) upload() (io.Reader, string, error) {
	body := c.streamBody(c.s.cfg.MaxUploadBytes, newIdleDeadline(c.ctx.Conn(), c.s.cfg.StreamIdleTimeout))
	boundary := string(c.ctx.Request.Header.MultipartFormBoundary())
	if boundary == "" {
		if bytes.HasPrefix(c.ctx.Request.Header.ContentType(), []byte("multipart/")) {
			return nil, "", errorf(http.StatusBadRequest, "malformed_multipart", "multipart body without a boundary")
		}
		return body, "", nil
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				return nil, "", ae
			}
			if err == io.EOF {
				return nil, "", errorf(http.StatusBadRequest, "malformed_multipart", `the multipart body has no part named "file"`)
			}
			return nil, "", errorf(http.StatusBadRequest, "malformed_multipart", "malformed multipart body: %v", err)
		}
		if part.FormName() == "file" {
			return part, part.FileName(), nil
		}
		if _, err := io.Copy(io.Discard, part); err != nil {
			return nil, "", errorf(http.StatusBadRequest, "malformed_multipart", "malformed multipart body: %v", err)
		}
	}
}

// body returns the request body as a stream of at most limit bytes; reading
// past the limit, or a client that stalls or goes away, fails with an
// apiError that says so.
func (c *call) body(limit int64) io.Reader { return c.streamBody(limit, nil) }

// streamBody is body with an idle deadline d (nil: none) moved on before
// each read, in place of the read timeout, which counts from the start of
// the request.
func (c *call) streamBody(limit int64, d *idleDeadline) io.Reader {
	if cl := c.ctx.Request.Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return errReader{errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is %d bytes; the limit is %d", cl, limit)}
	}
	r := c.ctx.RequestBodyStream()
	if r == nil {
		r = bytes.NewReader(c.ctx.Request.Body())
	}
	lb := &limitedBody{r: r, left: limit, limit: limit, size: int64(c.ctx.Request.Header.ContentLength()), d: d}
	c.stream = lb
	return lb
}

type limitedBody struct {
	r           io.Reader
	d           *idleDeadline
	left, limit int64
	size        int64 // the announced Content-Length; <= 0 when unknown
}

// SizeHint is the announced size of the body, for the hasher to size its
// buffer; 0 when unknown.
func (l *limitedBody) SizeHint() int64 { return max(l.size, 0) }

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells a body of exactly limit bytes from a longer one.
		var one [1]byte
		l.d.beforeRead()
		if n, _ := l.r.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is over the limit of %d bytes", l.limit)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	l.d.beforeRead()
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return n, errorf(http.StatusRequestTimeout, "timeout", "the body did not arrive in time")
		}
		return n, errorf(http.StatusBadRequest, "incomplete_body", "the body could not be read: %v", err)
	}
	return n, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// decodeJSON reads a JSON body of at most MaxJSONBytes into v, refusing
// unknown fields so that typos are noticed.
func (c *call) decodeJSON(v any) error {
	data, err := io.ReadAll(c.body(c.s.cfg.MaxJSONBytes))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "malformed_json", "the JSON body could not be read: %v", err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "malformed_json", "the body holds more than one JSON value")
	}
	return nil
}
