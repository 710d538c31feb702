package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/video"
)

// A command's error decides its exit code: nil or errHelp 0, a
// *usageError 2, an *exitError its code, anything else 1.

// usageError marks a mistake in how the command was called. flag names
// the flag that was not known, when that was the mistake.
type usageError struct{ msg, flag string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelp is returned when -h was asked for: the usage is already printed.
var errHelp = errors.New("help requested")

// errSilent fails a command whose output already said what went wrong.
var errSilent = errors.New("")

// exitError ends the command with its code and no message.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// exitMatched is the exit code when at least one input matched, so that
// scripts can branch on it.
const exitMatched = 3

// errMatched reports that something matched (not a failure).
var errMatched = &exitError{code: exitMatched}

// errorCode names a failure in JSON output.
func errorCode(err error) string {
	var me *media.Error
	var sp serviceProblem
	switch {
	case errors.As(err, &me):
		return string(me.Code)
	case errors.As(err, &sp):
		return sp.Code
	case errors.Is(err, video.ErrFFmpegMissing):
		return "ffmpeg_missing"
	case errors.Is(err, video.ErrTooLarge):
		return "too_large"
	case errors.Is(err, video.ErrCorrupt), errors.Is(err, video.ErrNoVideo):
		return "corrupt"
	case errors.Is(err, video.ErrTimeout):
		return "timeout"
	case errors.Is(err, os.ErrNotExist):
		return "not_found"
	case errors.Is(err, os.ErrPermission):
		return "permission_denied"
	}
	return "io_error"
}
