package matcher

import "github.com/atkm/herken/matcher/known"

// The vocabulary of known content lives in package known (no decoder, so
// that the index links none); these names keep the matcher's callers
// reading as before.
type (
	// Bank is known.Bank.
	Bank = known.Bank
	// BankMode is known.BankMode.
	BankMode = known.BankMode
	// Verdict is known.Verdict.
	Verdict = known.Verdict
	// FeedbackEntry is known.FeedbackEntry.
	FeedbackEntry = known.FeedbackEntry
	// Feedback is known.Feedback.
	Feedback = known.Feedback
	// Quarantine is known.Quarantine.
	Quarantine = known.Quarantine
	// Item is known.Item.
	Item = known.Item
	// ItemVariant is known.ItemVariant.
	ItemVariant = known.ItemVariant
	// ItemStatus is known.ItemStatus.
	ItemStatus = known.ItemStatus
	// Retraction is known.Retraction.
	Retraction = known.Retraction
	// StatusChange is known.StatusChange.
	StatusChange = known.StatusChange
	// VideoInfo is known.VideoInfo.
	VideoInfo = known.VideoInfo
	// Category is known.Category.
	Category = known.Category
	// InvalidError is known.InvalidError.
	InvalidError = known.InvalidError
	// KnownContent is known.Content: what identification searches.
	KnownContent = known.Content
	// KnownState is known.State.
	KnownState = known.State
)

// The item statuses and categories, as in package known.
const (
	Block  = known.Block
	Allow  = known.Allow
	Shadow = known.Shadow

	Active    = known.Active
	Retracted = known.Retracted

	Incitement              = known.Incitement
	SolicitationCommit      = known.SolicitationCommit
	SolicitationParticipate = known.SolicitationParticipate
	Instruction             = known.Instruction
	Threat                  = known.Threat
)

// Categories lists every category in the regulation's order.
func Categories() []Category { return known.Categories() }

// ParseVerdict is known.ParseVerdict.
func ParseVerdict(s string) (Verdict, error) { return known.ParseVerdict(s) }

// ParseBankMode is known.ParseBankMode.
func ParseBankMode(s string) (BankMode, error) { return known.ParseBankMode(s) }

// ParseCategories is known.ParseCategories.
func ParseCategories(s string) ([]Category, error) { return known.ParseCategories(s) }
