package service

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/video"
)

// Problem is the JSON error body of every failed request, and of every
// failed line of a batch: a stable code and a message for people.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError is an error with the HTTP status and code it answers with.
type apiError struct {
	status     int
	retryAfter int // seconds, for 429
	Problem
}

func (e *apiError) Error() string { return e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Problem: Problem{Code: code, Message: fmt.Sprintf(format, args...)}}
}

// classify decides the HTTP status and code of an error. It is the one
// place that does: packages below return typed errors, never statuses.
// Unknown errors are internal (500) and their text is not shown.
func classify(err error) *apiError {
	var (
		ae *apiError
		pe *matcher.ParseError
		me *media.Error
		fe *fetch.Error
		ie *matcher.InvalidError
		na *cluster.NotAppliedError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &pe), errors.Is(err, matcher.ErrUnknownSignalType):
		return errorf(http.StatusBadRequest, "invalid_signal", "%s", err)
	case errors.As(err, &me):
		status := http.StatusUnprocessableEntity
		if me.Code == media.CodeTooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		return errorf(status, string(me.Code), "%s", err)
	case errors.As(err, &fe):
		status := http.StatusUnprocessableEntity // the URL could not be fetched
		if fe.Client() {
			status = http.StatusBadRequest // the URL itself is refused
		}
		if fe.Code == "too_large" {
			status = http.StatusRequestEntityTooLarge
		}
		return errorf(status, fe.Code, "%s", err)
	case errors.Is(err, video.ErrTooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "%s", err)
	case errors.Is(err, video.ErrFFmpegMissing):
		return errorf(http.StatusUnprocessableEntity, "ffmpeg_missing", "%s", err)
	case errors.Is(err, video.ErrCorrupt), errors.Is(err, video.ErrNoVideo):
		return errorf(http.StatusUnprocessableEntity, "corrupt", "%s", err)
	case errors.Is(err, video.ErrTimeout):
		return errorf(http.StatusUnprocessableEntity, "timeout", "%s", err)
	case errors.Is(err, matcher.ErrEmpty):
		return errEmpty("%s", err)
	case errors.Is(err, index.ErrBankNotFound):
		return errorf(http.StatusNotFound, "bank_not_found", "%s", err)
	case errors.Is(err, index.ErrItemNotFound):
		return errorf(http.StatusNotFound, "item_not_found", "%s", err)
	case errors.Is(err, index.ErrBankExists):
		return errorf(http.StatusConflict, "bank_exists", "%s", err)
	case errors.Is(err, index.ErrAlreadyRetracted), errors.Is(err, index.ErrNotRetracted), errors.Is(err, index.ErrNotQuarantined):
		return errorf(http.StatusConflict, "status_conflict", "%s", err)
	case errors.Is(err, index.ErrNoReason):
		return errorf(http.StatusBadRequest, "reason_required", "%s", err)
	case errors.As(err, &ie), errors.Is(err, errInvalid):
		return errorf(http.StatusBadRequest, "invalid_request", "%s", err)
	case errors.Is(err, index.ErrDiskFull):
		return errorf(http.StatusInsufficientStorage, "disk_full", "%s", err)
	case errors.Is(err, cluster.ErrConflict):
		return errorf(http.StatusConflict, "concurrent_update", "%s", err)
	case errors.Is(err, cluster.ErrUnavailable):
		ae := errorf(http.StatusServiceUnavailable, "cluster_unavailable", "this replica cannot reach the cluster; the change was not acknowledged: send it again later, or to another replica (an item sent twice is stored once)")
		ae.retryAfter = 2
		return ae
	case errors.As(err, &na):
		ae := errorf(http.StatusServiceUnavailable, "cluster_pending", "%s: do not send it again; it takes effect when the replica catches up", err)
		ae.retryAfter = 1
		return ae
	case errors.Is(err, index.ErrReplica):
		return errorf(http.StatusNotImplemented, "not_replicated", "%s: this change is not made through the cluster yet", err)
	case errors.Is(err, index.ErrClosed):
		return errorf(http.StatusServiceUnavailable, "shutting_down", "the service is shutting down")
	}
	return errorf(http.StatusInternalServerError, "internal", "internal error; it has been logged")
}

// errEmpty refuses empty content as a query: it has no photo or video
// signals, and its digests are those of every other empty input.
func errEmpty(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "empty_upload", format, args...)
}

// errGone is the answer for a client that left while its content was
// worked on; nobody reads it, but the audit log records it.
var errGone = errorf(499, "client_gone", "the client closed its connection before the answer")

// errInvalid marks validation failures of request content (a bank name,
// a category) that other packages report as plain errors.
var errInvalid = errors.New("invalid request")

func invalid(err error) error { return fmt.Errorf("%w: %w", errInvalid, err) }

// protocolError answers requests fasthttp could not parse.
func protocolError(ctx *fasthttp.RequestCtx, err error) {
	status, code := http.StatusBadRequest, "malformed_request"
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		status, code = http.StatusRequestTimeout, "timeout"
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		status, code = http.StatusRequestEntityTooLarge, "too_large"
	}
	writeJSON(ctx, status, problemAnswer{Error: Problem{Code: code, Message: "the request could not be read: " + err.Error()}})
}
