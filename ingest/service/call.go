package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// call is one request as it goes through the middleware to its handler.
// Handlers read the request through it (params, upload, body,
// decodeJSON) and note what the audit log records of it (audit, decided).
type call struct {
	ctx    *fasthttp.RequestCtx
	params map[string]string
	cfg    *Config           // the body limits and timeouts
	who    index.APIKey      // the caller, once authenticated
	audit  index.AuditRecord // filled by the handler, written after it
	stream io.Reader         // the body as streamed, once a handler asked for it
}

// actor names the caller in records: its key id.
func (c *call) actor() string {
	if c.who.ID == "" {
		return "anonymous"
	}
	return "key:" + c.who.ID
}

// decided notes a lookup's outcome in the request's audit record.
func (c *call) decided(sigs []matcher.Signal, l matcher.Identification) {
	c.audit.Signals = append(c.audit.Signals, sigs...)
	c.audit.Decision = "no_match"
	if len(l.Matches) > 0 {
		c.audit.Decision = "match"
	}
	c.audit.Matched = matchedItems(c.audit.Matched, l.Matches)
}

func matchedItems(ids []uint64, ms []matcher.Match) []uint64 {
	for _, m := range ms {
		if !slices.Contains(ids, m.ItemID) {
			ids = append(ids, m.ItemID)
		}
	}
	return ids
}

func (c *call) itemID() (uint64, error) {
	id, err := strconv.ParseUint(c.params["id"], 10, 64)
	if err != nil {
		return 0, errorf(http.StatusBadRequest, "invalid_request", "item id %q is not a number", c.params["id"])
	}
	return id, nil
}

// upload returns a reader over the uploaded file, at most MaxUploadBytes:
// the raw body, or the first part of a multipart body named one of fields
// ("file" when none is given). Nothing is
// buffered to disk. It is cut when no byte arrives for the stream idle
// timeout, never for its total time.
func (c *call) upload(fields ...string) (io.Reader, string, error) {
	if len(fields) == 0 {
		fields = []string{"file"}
	}
	body := c.streamBody(c.cfg.MaxUploadBytes, newIdleDeadline(c.ctx.Conn(), c.cfg.StreamIdleTimeout))
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
				return nil, "", errorf(http.StatusBadRequest, "malformed_multipart", "the multipart body has no part named %s", `"`+strings.Join(fields, `" or "`)+`"`)
			}
			return nil, "", errorf(http.StatusBadRequest, "malformed_multipart", "malformed multipart body: %v", err)
		}
		if slices.Contains(fields, part.FormName()) {
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
	data, err := io.ReadAll(c.body(c.cfg.MaxJSONBytes))
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
