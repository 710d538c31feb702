package matcher

import "github.com/atkm/herken/matcher/signals"

// The vocabulary of hashes lives in package signals (standard library
// only, so that the index links no decoder); these names keep the
// matcher's callers reading as before.
type (
	// SignalType is signals.Type.
	SignalType = signals.Type
	// Signal is signals.Signal.
	Signal = signals.Signal
	// ParseError is signals.ParseError.
	ParseError = signals.ParseError
)

// The signal types, as in package signals.
const (
	SHA256 = signals.SHA256
	MD5    = signals.MD5
	SHA1   = signals.SHA1
	PDQ    = signals.PDQ
	PHash  = signals.PHash
	DHash  = signals.DHash
	AHash  = signals.AHash
	SHA512 = signals.SHA512
)

// ErrUnknownSignalType is signals.ErrUnknownType.
var ErrUnknownSignalType = signals.ErrUnknownType

// SignalTypes returns every known signal type in registry order.
func SignalTypes() []SignalType { return signals.Types() }

// ParseSignalType is signals.ParseType.
func ParseSignalType(name string) (SignalType, error) { return signals.ParseType(name) }

// ParseSignalTypes is signals.ParseTypes.
func ParseSignalTypes(list string) ([]SignalType, error) { return signals.ParseTypes(list) }

// NewSignal is signals.New.
func NewSignal(t SignalType, b []byte) (Signal, error) { return signals.New(t, b) }

// ParseSignal is signals.Parse.
func ParseSignal(t SignalType, text string) (Signal, error) { return signals.Parse(t, text) }

// ParseTypedSignal is signals.ParseTyped.
func ParseTypedSignal(text string) (Signal, error) { return signals.ParseTyped(text) }
