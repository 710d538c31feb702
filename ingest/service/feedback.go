package service

import (
	"fmt"
	"net/http"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// feedbackRequest is the body of POST /v1/items/{id}/feedback.
type feedbackRequest struct {
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
}

// feedback answers POST /v1/items/{id}/feedback: an analyst's verdict on
// a match of the item, counted with the item and audited.
func (h *contentHandlers) feedback(c *call) error {
	id, err := c.itemID()
	if err != nil {
		return err
	}
	var req feedbackRequest
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	v, err := known.ParseVerdict(req.Verdict)
	if err != nil {
		return err
	}
	f, err := h.content.AddFeedback(id, known.FeedbackEntry{Verdict: v, Note: req.Note, By: c.actor()})
	if err != nil {
		return err
	}
	c.audit.Matched, c.audit.Verdict = []uint64{id}, string(v)
	c.audit.Detail = fmt.Sprintf("feedback on item %d: %s: %s", id, v, req.Note)
	if q, ok := known.QuarantineFor(f); ok && v == known.FalsePositive {
		// Verdicts feed the quarantine: enough doubt holds the item's
		// matches back until an analyst releases or retracts it.
		it, err := h.writer.Quarantine(id, q)
		if err != nil {
			return err
		}
		if it.Quarantine != nil && it.Quarantine.FalsePositives > 0 {
			h.flood.alert(id, "analysts' false-positive verdicts", "false_positives", f.FalsePositive, "confirmed", f.Confirmed)
			c.audit.Detail += fmt.Sprintf("; item quarantined: %d false-positive verdicts against %d confirmations", f.FalsePositive, f.Confirmed)
		}
	}
	writeJSON(c.ctx, http.StatusOK, f)
	return nil
}

// allowRequest is the body of POST /v1/banks/{bank}/allow.
type allowRequest struct {
	Signals []matcher.Signal `json:"signals"`
	Label   string           `json:"label"`
	// FromItem is the item the query matched falsely; the allow item
	// takes its categories, and the audit record names it.
	FromItem uint64 `json:"from_item"`
	Note     string `json:"note"`
}

// allow answers POST /v1/banks/{bank}/allow: an analyst adds the hashes of
// a query that matched falsely to an allow bank in one step, so that the
// same reading of the same content no longer matches. Only an allow bank
// takes it: analysts may not add to the banks that block.
func (h *contentHandlers) allow(c *call) error {
	var req allowRequest
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	b, err := h.content.Bank(c.params["bank"])
	if err != nil {
		return err
	}
	if b.EffectiveMode() != matcher.Allow {
		return errorf(http.StatusConflict, "not_an_allow_bank", "bank %s is a %s bank: only an allow bank takes hashes from analysts", b.Name, b.EffectiveMode())
	}
	if len(req.Signals) == 0 {
		return errorf(http.StatusBadRequest, "invalid_request", `give the query's hashes as "signals"`)
	}
	cats := b.Categories
	if req.FromItem != 0 {
		from, err := h.content.Item(req.FromItem)
		if err != nil {
			return err
		}
		cats = from.Categories
		if req.Label == "" {
			req.Label = "allowed: content that falsely matched item " + fmt.Sprint(from.ID)
		}
	}
	it := matcher.Item{Bank: b.Name, Signals: req.Signals, Categories: cats, Label: req.Label, Reference: req.Note, AddedBy: c.actor()}
	if err := h.storeItem(c, it); err != nil {
		return err
	}
	if req.FromItem != 0 {
		c.audit.Detail += fmt.Sprintf(", allow-listed from a false match of item %d", req.FromItem)
	}
	return nil
}

// release answers POST /v1/items/{id}/release {"reason": "..."}: an
// analyst ends an item's quarantine; its matches are reported again, and
// the flood guard spares it for ReleaseGrace.
func (h *contentHandlers) release(c *call) error {
	id, err := c.itemID()
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	it, err := h.writer.Release(id, req.Reason, c.actor())
	if err != nil {
		return err
	}
	h.flood.forget(id)
	c.audit.Matched = []uint64{id}
	c.audit.Detail = fmt.Sprintf("released item %d from quarantine: %s", id, req.Reason)
	writeJSON(c.ctx, http.StatusOK, itemAnswer{Item: it})
	return nil
}

// quarantine answers GET /v1/quarantine: the items in quarantine, for
// the analysts who release or retract them.
func (h *contentHandlers) quarantine(c *call) error {
	items, err := h.content.QuarantinedItems()
	if err != nil {
		return err
	}
	if items == nil {
		items = []matcher.Item{}
	}
	writeJSON(c.ctx, http.StatusOK, quarantineAnswer{Items: items, Limit: h.flood.limit, Window: FloodWindow.String()})
	return nil
}
