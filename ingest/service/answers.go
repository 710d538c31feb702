package service

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// The answers, one type per shape of answer; openapi.json describes each
// under components/schemas.

// problemAnswer is the answer to every failed request: {"error": Problem}.
type problemAnswer struct {
	Error Problem `json:"error"`
}

// matchAnswer is the answer to a match of content (an upload, a URL, a
// batch line's URL or data): the result with its evidence, and what went
// wrong with the input without stopping the match (a photo that could
// not be decoded still has its digests matched).
type matchAnswer struct {
	matcher.Result
	URL      string    `json:"url,omitempty"`
	FinalURL string    `json:"final_url,omitempty"`
	Errors   []Problem `json:"errors,omitempty"`
}

// lookupAnswer is the answer to a lookup of hashes (GET and POST
// /v1/lookup, a batch line's signals).
type lookupAnswer struct {
	Matched bool `json:"matched"`
	matcher.Identification
}

// batchLineAnswer is one line of a batch's answer: the line's result (a
// matchAnswer or a lookupAnswer) or its error.
type batchLineAnswer struct {
	ID     json.RawMessage `json:"id"`
	Line   int             `json:"line"`
	Result any             `json:"result,omitempty"`
	Error  *Problem        `json:"error,omitempty"`
	// Replica and IndexVersion say, in a cluster, which replica answered
	// the line and its index version then (spread.go).
	Replica      string `json:"replica,omitempty"`
	IndexVersion uint64 `json:"index_version,omitempty"`
	// matched: a match, for a line answered by another replica, whose
	// Result is the raw JSON of its answer.
	matched bool
}

// batchSummaryAnswer is the last line of a batch's answer: its presence
// tells the client that the whole batch was read.
type batchSummaryAnswer struct {
	Summary batchSummary `json:"summary"`
}

type batchSummary struct {
	Lines        int    `json:"lines"`
	Matched      int    `json:"matched"`
	Errors       int    `json:"errors"`
	IndexVersion uint64 `json:"index_version"`
}

// itemAnswer is the answer about one item: the item as stored and, for
// a file added whose photo or video signals could not be computed, notes
// saying that it was kept with its digests only, and why.
type itemAnswer struct {
	matcher.Item
	Notes []string `json:"notes,omitempty"`
	// Feedback is what analysts said of the item's matches (GET only).
	Feedback *known.Feedback `json:"feedback,omitempty"`
}

// itemsAnswer is a page of a bank's items; next_after continues it.
type itemsAnswer struct {
	Items     []matcher.Item `json:"items"`
	NextAfter string         `json:"next_after"`
}

// quarantineAnswer lists the items in quarantine and the flood limit.
type quarantineAnswer struct {
	Items  []matcher.Item `json:"items"`
	Limit  int            `json:"flood_limit"`
	Window string         `json:"flood_window"`
}

// banksAnswer lists the banks. One bank is answered as matcher.Bank.
type banksAnswer struct {
	Banks []matcher.Bank `json:"banks"`
}

// keysAnswer lists the API keys' records.
type keysAnswer struct {
	Keys []index.APIKey `json:"keys"`
}

// keyCreatedAnswer is the answer to creating a key: the only time the key
// itself is shown. A revoked key is answered as its index.APIKey record.
type keyCreatedAnswer struct {
	Key    string       `json:"key"`
	Note   string       `json:"note"`
	Record index.APIKey `json:"record"`
}

// auditAnswer is a page of audit records.
type auditAnswer struct {
	Records []index.AuditRecord `json:"records"`
}

// whoamiAnswer describes the caller's key.
type whoamiAnswer struct {
	ExpiresAt *time.Time `json:"expires_at"`
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      index.Role `json:"role"`
}

// healthAnswer is the answer of /healthz.
type healthAnswer struct {
	IndexVersion uint64 `json:"index_version"`
	Status       string `json:"status"`
	Version      string `json:"version"`
}

// writeJSON writes v as the JSON answer with status.
func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"could not encode the response"}}`)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

// compatProblemAnswer is the answer to a failed request to an endpoint in
// another tool's shape (hashlookup, HMA): their "message" beside herken's
// Problem.
type compatProblemAnswer struct {
	Message string  `json:"message"`
	Error   Problem `json:"error"`
}

// hashlookupRecord is hashlookup's record of a known digest
// (adulau/hashlookup-server, bin/server.py), with herken's evidence.
type hashlookupRecord struct {
	MD5            string          `json:"MD5,omitempty"`
	SHA1           string          `json:"SHA-1,omitempty"`
	SHA256         string          `json:"SHA-256,omitempty"`
	FileName       string          `json:"FileName,omitempty"`
	KnownMalicious string          `json:"KnownMalicious"`
	Source         string          `json:"source"`
	Matches        []matcher.Match `json:"herken:matches"`
	IndexVersion   uint64          `json:"herken:index_version"`
}

// hashlookupMissAnswer is hashlookup's answer for an unknown digest (404).
type hashlookupMissAnswer struct {
	Message string `json:"message"`
	Query   string `json:"query"`
}

// hashlookupInfoAnswer is the answer of GET /info.
type hashlookupInfoAnswer struct {
	Version      string `json:"hashlookup-version"`
	TotalKeys    int    `json:"stat:hashlookup_total_keys"`
	IndexVersion uint64 `json:"herken:index_version"`
	Banks        int    `json:"herken:banks"`
}

// hmaMatch is one match of HMA's lookup answer, with herken's evidence.
type hmaMatch struct {
	BankContentID uint64        `json:"bank_content_id"`
	Distance      string        `json:"distance"`
	Herken        matcher.Match `json:"herken"`
	IndexVersion  uint64        `json:"herken_index_version"`
}
