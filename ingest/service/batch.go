package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// batchLine is one line of a batch: an id chosen by the client, echoed in
// its result, and exactly one of a URL, signals or the content itself.
type batchLine struct {
	ID         json.RawMessage `json:"id"`
	URL        string          `json:"url"`
	Signals    json.RawMessage `json:"signals"`
	DataBase64 *string         `json:"data_base64"` // nil: not given
}

// batch answers POST /v1/batch: NDJSON in, NDJSON out, both streamed. Lines
// are worked on BatchWorkers at a time and answered in the order they
// finish, each as soon as it is ready; the next line is read only when a
// worker is free, so a batch of any length runs in bounded memory. A bad
// line is answered with an error for its id and the batch goes on.
//
// The answer starts before the request ends: a client must read it while
// it sends (Go's net/http client does).
func (h *matchHandlers) batch(c *call) error {
	conn := c.ctx.Conn()
	d := newIdleDeadline(conn, h.cfg.StreamIdleTimeout)
	body := &stoppableReader{r: c.streamBody(math.MaxInt64, d), d: d}
	// fasthttp releases the request as soon as writing the answer fails,
	// while this batch may still read its body: the failed write stops the
	// reader first (see guardConn).
	guard := guardOf(conn)
	if guard != nil {
		guard.setOnWriteError(body.stop)
	}
	c.ctx.SetStatusCode(http.StatusOK)
	c.ctx.SetContentType("application/x-ndjson")
	who := c.who
	c.ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := watchPeer(context.Background(), conn)
		defer cancel()
		h.runBatch(ctx, body, w, who)
		if guard != nil {
			guard.setOnWriteError(nil) // the reader is done
		}
	})
	return nil
}

// runBatch works on the lines of body and writes their answers to w. It
// returns only once its reader and workers are done. The work stops when
// ctx is done (the client left), when the answer cannot be written, or
// when the body cannot be read.
func (h *matchHandlers) runBatch(ctx context.Context, body io.Reader, w *bufio.Writer, who index.APIKey) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan batchLineAnswer, h.cfg.BatchWorkers)
	var sum batchSummary
	var readErr error
	// In a cluster, lines the local workers have no room for may be
	// answered by other replicas (spread.go).
	sp := h.newSpreader(ctx, who, results)
	go func() {
		defer close(results)
		g := new(errgroup.Group)
		g.SetLimit(h.cfg.BatchWorkers)
		br := bufio.NewReaderSize(body, batchReadBuffer)
		for n := 1; ctx.Err() == nil; n++ {
			line, err := readBatchLine(br, h.cfg.MaxBatchLine)
			if errors.Is(err, io.EOF) && len(line) == 0 {
				break
			}
			var ae *apiError
			switch {
			case errors.As(err, &ae) && ae.Code == "line_too_long":
				sum.Lines++
				results <- batchLineAnswer{ID: json.RawMessage("null"), Line: n, Error: &ae.Problem}
				continue
			case err != nil && !errors.Is(err, io.EOF):
				readErr = err
				cancel() // the stream failed: the lines in flight are for nobody
			}
			if len(bytes.TrimSpace(line)) == 0 {
				putBuffer(line)
			} else {
				sum.Lines++
				h.metrics.queued(1)
				task := func() error {
					defer h.metrics.queued(-1)
					r, rec := h.batchLine(ctx, n, line)
					putBuffer(line) // nothing in r or rec refers to it
					rec.KeyID, rec.Role, rec.Action = who.ID, string(who.Role), "batch"
					h.screenLine(who.Role, &r, &rec)
					h.audit.Record(rec)
					h.stamp(&r)
					results <- r
					return nil
				}
				if sp == nil {
					g.Go(task)
				} else if !sp.run(ctx, g, task, n, line) {
					h.metrics.queued(-1) // spread
				}
			}
			if err != nil {
				break
			}
		}
		_ = g.Wait()
		if sp != nil {
			sp.wait()
		}
		if ctx.Err() != nil && readErr == nil {
			// Never a summary for a batch that was not read to its end.
			readErr = errorf(http.StatusBadRequest, "incomplete_body", "the batch was stopped before its end: its connection closed")
		}
	}()

	var writeFailed atomic.Bool
	enc := json.NewEncoder(w)
	for r := range results {
		if writeFailed.Load() {
			continue // the client is gone: drain the workers
		}
		if r.Error != nil {
			sum.Errors++
		} else if m, ok := r.Result.(matchAnswer); ok && m.Matched {
			sum.Matched++
		} else if l, ok := r.Result.(lookupAnswer); ok && l.Matched {
			sum.Matched++
		} else if r.matched {
			sum.Matched++
		}
		err := enc.Encode(r)
		if err == nil && len(results) == 0 {
			err = w.Flush()
		}
		if err != nil {
			writeFailed.Store(true)
			cancel()
		}
	}
	if writeFailed.Load() {
		return
	}
	if readErr != nil {
		p := classify(readErr).Problem
		_ = enc.Encode(problemAnswer{Error: p})
		_ = w.Flush()
		return
	}
	sum.IndexVersion = h.content.Version()
	_ = enc.Encode(batchSummaryAnswer{Summary: sum})
	_ = w.Flush()
}

// batchReadBuffer is the read buffer of a batch: a line that fits (a photo
// of up to about 750 KB in base64) is copied out of it once.
const batchReadBuffer = 1 << 20

// bufferPool recycles the buffers of batch lines and of the content
// decoded from them: a batch of photos would otherwise allocate (and the
// runtime clear) about twice each photo's size per line.
var bufferPool sync.Pool // of *[]byte

// maxPooledBuffer is the largest buffer kept in bufferPool.
const maxPooledBuffer = 16 << 20

// getBuffer returns a buffer of n bytes whose contents are undefined.
func getBuffer(n int) []byte {
	if p, ok := bufferPool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n, max(n, 64<<10))
}

// putBuffer hands b back to bufferPool; b must not be used afterwards.
func putBuffer(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBuffer {
		return
	}
	b = b[:0]
	bufferPool.Put(&b)
}

// readBatchLine reads one line, refusing (and skipping) one over max bytes.
func readBatchLine(br *bufio.Reader, max int) ([]byte, error) {
	line := getBuffer(0)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errorf(http.StatusRequestEntityTooLarge, "line_too_long", "the line is over the limit of %d bytes", max)
		}
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

// parseBatchLine decodes a batch line. Its data_base64 string, which may
// be most of a long line, is taken out before the rest is decoded, so that
// the JSON decoder does not scan it character by character; it is
// returned apart, still in base64, and is nil only when the line has no
// data_base64 at all.
func parseBatchLine(line []byte) (batchLine, []byte, error) {
	rest, data64, spliced := spliceBase64(line)
	if !spliced {
		return parseBatchLineSlowly(line)
	}
	if bytes.Count(rest, []byte(`"data_base64"`)) > 1 {
		// Maybe a second data_base64 key: decode the line as it is, so
		// that the last one wins, as in any other JSON object.
		return parseBatchLineSlowly(line)
	}
	in, err := decodeBatchLine(rest)
	if data64 == nil {
		data64 = []byte{}
	}
	return in, data64, err
}

// parseBatchLineSlowly decodes the line as it is, data_base64 included.
func parseBatchLineSlowly(line []byte) (batchLine, []byte, error) {
	in, err := decodeBatchLine(line)
	if in.DataBase64 == nil {
		return in, nil, err
	}
	return in, []byte(*in.DataBase64), err
}

func decodeBatchLine(b []byte) (batchLine, error) {
	var in batchLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	return in, err
}

// spliceBase64 finds the top-level "data_base64" member of a JSON object
// and returns the object with that string emptied, and the string. It
// gives up (ok false) unless the string holds base64 characters only,
// without escapes: then the caller decodes the line as it is.
func spliceBase64(line []byte) (rest, data64 []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		if key, _ := tok.(string); key != "data_base64" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil, nil, false
			}
			continue
		}
		i := skipSpace(line, int(dec.InputOffset()))
		if i >= len(line) || line[i] != ':' {
			return nil, nil, false
		}
		i = skipSpace(line, i+1)
		if i >= len(line) || line[i] != '"' {
			return nil, nil, false
		}
		start := i + 1
		end := bytes.IndexByte(line[start:], '"')
		if end < 0 {
			return nil, nil, false
		}
		data64 = line[start : start+end]
		for _, c := range data64 {
			if !isBase64[c] {
				return nil, nil, false
			}
		}
		rest = append(append(make([]byte, 0, len(line)-len(data64)), line[:start]...), line[start+end:]...)
		return rest, data64, true
	}
	return nil, nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// isBase64 marks the characters of standard base64, padding included.
var isBase64 = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") {
		t[c] = true
	}
	return t
}()

func (h *matchHandlers) batchLine(ctx context.Context, n int, line []byte) (batchLineAnswer, index.AuditRecord) {
	out := batchLineAnswer{ID: json.RawMessage("null"), Line: n}
	var rec index.AuditRecord
	fail := func(err error) (batchLineAnswer, index.AuditRecord) {
		ae := classify(err)
		if ae.Code == "internal" {
			h.log.Error("batch line failed", "line", n, "err", err)
		}
		out.Error = &ae.Problem
		rec.Status, rec.Decision, rec.Detail = ae.status, "error", ae.Code
		return out, rec
	}
	done := func(sigs []matcher.Signal, l matcher.Identification) (batchLineAnswer, index.AuditRecord) {
		rec.Status, rec.Signals, rec.Decision = http.StatusOK, sigs, "no_match"
		if len(l.Matches) > 0 {
			rec.Decision = "match"
		}
		rec.Matched = matchedItems(nil, l.Matches)
		return out, rec
	}
	in, data64, err := parseBatchLine(line)
	if err != nil {
		return fail(errorf(http.StatusBadRequest, "malformed_json", "line %d is not a batch object: %v", n, err))
	}
	if len(in.ID) > 0 {
		out.ID = in.ID
	}
	given := 0
	for _, ok := range []bool{in.URL != "", len(in.Signals) > 0, data64 != nil} {
		if ok {
			given++
		}
	}
	if given != 1 {
		return fail(errorf(http.StatusBadRequest, "invalid_request", `line %d: give exactly one of "url", "signals" and "data_base64"`, n))
	}
	switch {
	case in.URL != "":
		rec.URL = in.URL
		resp, err := h.fetchAndMatch(ctx, in.URL)
		if err != nil {
			return fail(err)
		}
		out.Result = resp
		return done(resp.Signals, resp.Identification)
	case data64 != nil:
		if len(data64) == 0 {
			return fail(errEmpty("line %d: data_base64 is empty", n))
		}
		data := getBuffer(base64.StdEncoding.DecodedLen(len(data64)))
		defer putBuffer(data)
		k, err := base64.StdEncoding.Decode(data, data64)
		data = data[:k]
		if err != nil {
			return fail(errorf(http.StatusBadRequest, "invalid_base64", "line %d: data_base64 is not standard base64: %v", n, err))
		}
		if len(data) == 0 {
			return fail(errEmpty("line %d: data_base64 holds no bytes", n))
		}
		if int64(len(data)) > h.cfg.MaxUploadBytes {
			return fail(errorf(http.StatusRequestEntityTooLarge, "too_large", "line %d: the content is over the upload limit", n))
		}
		resp, err := h.result(h.hasher.HashBytes(ctx, data))
		if err != nil {
			return fail(err)
		}
		out.Result = resp
		return done(resp.Signals, resp.Identification)
	default:
		var req lookupRequest
		if err := json.Unmarshal([]byte(`{"signals":`+string(in.Signals)+`}`), &req); err != nil {
			return fail(errorf(http.StatusBadRequest, "malformed_json", "line %d: signals: %v", n, err))
		}
		queries := make([]matcher.Query, 0, len(req.Signals))
		for _, sig := range req.Signals {
			q, err := query(sig.Type, sig.Value, sig.Quality)
			if err != nil {
				return fail(err)
			}
			queries = append(queries, q)
		}
		if len(queries) == 0 || len(queries) > maxLookupSignals {
			return fail(errorf(http.StatusBadRequest, "invalid_request", "line %d: give 1 to %d signals", n, maxLookupSignals))
		}
		l, err := h.matcher.MatchSignals(queries)
		if err != nil {
			return fail(err)
		}
		h.metrics.matched(l.Matches)
		out.Result = lookupAnswer{Matched: len(l.Matches) > 0, Identification: l}
		sigs := make([]matcher.Signal, len(queries))
		for i, q := range queries {
			sigs[i] = q.Signal
		}
		return done(sigs, l)
	}
}
