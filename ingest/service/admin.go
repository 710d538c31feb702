package service

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

// contentHandlers answer the endpoints of the known content: banks,
// items, imports, the status, the offline filters and the health check.
// They are safe for concurrent use.
type contentHandlers struct {
	cfg     *Config
	content *index.Content
	// writer takes the changes of the known content: content itself, or
	// on a cluster replica the cluster's writer.
	writer ContentWriter
	// itemHasher hashes uploads of known items: like the match hasher,
	// but always decoding exactly.
	itemHasher *matcher.Hasher
	budget     *bodyBudget
	flood      *floodGuard // told of releases from quarantine
}

// bankRequest is the body of POST /v1/banks and PATCH /v1/banks/{bank}.
// In a PATCH, absent fields are left as they are.
type bankRequest struct {
	Name        *string            `json:"name"`
	Description *string            `json:"description"`
	Source      *string            `json:"source"`
	Categories  []matcher.Category `json:"categories"`
	Enabled     *bool              `json:"enabled"`
	Thresholds  map[string]int     `json:"thresholds"`
	Mode        *string            `json:"mode"`
}

func (r bankRequest) apply(b *matcher.Bank) error {
	if r.Description != nil {
		b.Description = *r.Description
	}
	if r.Source != nil {
		b.Source = *r.Source
	}
	if r.Categories != nil {
		b.Categories = r.Categories
	}
	if r.Enabled != nil {
		b.Enabled = *r.Enabled
	}
	if r.Mode != nil {
		m, err := matcher.ParseBankMode(*r.Mode)
		if err != nil {
			return err
		}
		b.Mode = m
	}
	for name, v := range r.Thresholds {
		t, err := matcher.ParseSignalType(name)
		if err != nil {
			return err
		}
		if b.Thresholds == nil {
			b.Thresholds = map[matcher.SignalType]int{}
		}
		b.Thresholds[t] = v
	}
	return nil
}

func (h *contentHandlers) listBanks(c *call) error {
	writeJSON(c.ctx, http.StatusOK, banksAnswer{Banks: h.content.Banks()})
	return nil
}

func (h *contentHandlers) createBank(c *call) error {
	var req bankRequest
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	if req.Name == nil {
		return errorf(http.StatusBadRequest, "invalid_request", "a bank needs a name")
	}
	b := matcher.Bank{Name: *req.Name, Enabled: true, CreatedBy: c.actor()}
	if err := req.apply(&b); err != nil {
		return err
	}
	if _, err := h.writer.CreateBank(b); err != nil {
		return err
	}
	c.audit.Detail = "created bank " + b.Name
	created, err := h.content.Bank(b.Name)
	if err != nil {
		return err
	}
	writeJSON(c.ctx, http.StatusCreated, created)
	return nil
}

func (h *contentHandlers) getBank(c *call) error {
	b, err := h.content.Bank(c.params["bank"])
	if err != nil {
		return err
	}
	writeJSON(c.ctx, http.StatusOK, b)
	return nil
}

func (h *contentHandlers) updateBank(c *call) error {
	var req bankRequest
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	if req.Name != nil && *req.Name != c.params["bank"] {
		return errorf(http.StatusBadRequest, "invalid_request", "a bank cannot be renamed")
	}
	var from matcher.BankMode
	b, err := h.writer.UpdateBank(c.params["bank"], func(b *matcher.Bank) error {
		from = b.EffectiveMode()
		if err := req.apply(b); err != nil {
			return err
		}
		promote(b, from, c.actor())
		return nil
	})
	if err != nil {
		return err
	}
	c.audit.Detail = "updated bank " + b.Name
	if from != b.EffectiveMode() {
		c.audit.Detail = fmt.Sprintf("changed bank %s from %s to %s mode", b.Name, from, b.EffectiveMode())
	}
	writeJSON(c.ctx, http.StatusOK, b)
	return nil
}

func (h *contentHandlers) listItems(c *call) error {
	args := c.ctx.QueryArgs()
	f := index.ItemFilter{Bank: c.params["bank"], Status: matcher.ItemStatus(args.Peek("status"))}
	if f.Status != "" && f.Status != matcher.Active && f.Status != matcher.Retracted {
		return errorf(http.StatusBadRequest, "invalid_request", "status is active or retracted, not %q", f.Status)
	}
	if v := args.Peek("after"); len(v) > 0 {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return errorf(http.StatusBadRequest, "invalid_request", "after=%q is not a number", v)
		}
		f.After = n
	}
	if v := args.Peek("limit"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || n > 1000 {
			return errorf(http.StatusBadRequest, "invalid_request", "limit is a number from 1 to 1000")
		}
		f.Limit = n
	}
	items, err := h.content.Items(f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []matcher.Item{}
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	next := ""
	if len(items) == f.Limit {
		next = strconv.FormatUint(items[len(items)-1].ID, 10)
	}
	writeJSON(c.ctx, http.StatusOK, itemsAnswer{Items: items, NextAfter: next})
	return nil
}

// addItem answers POST /v1/banks/{bank}/items with an item given by its
// hashes: {"signals": [...], "categories": [...], "label", "reference"}.
func (h *contentHandlers) addItem(c *call) error {
	var req struct {
		Signals    []matcher.Signal   `json:"signals"`
		Categories []matcher.Category `json:"categories"`
		Label      string             `json:"label"`
		Reference  string             `json:"reference"`
		PDQQuality *int               `json:"pdq_quality"`
	}
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	it := matcher.Item{Bank: c.params["bank"], Signals: req.Signals, Categories: req.Categories,
		Label: req.Label, Reference: req.Reference, PDQQuality: req.PDQQuality, AddedBy: c.actor()}
	return h.storeItem(c, it)
}

// uploadItem answers POST /v1/banks/{bank}/items/upload: the body is a
// known file (raw or multipart "file"), hashed with every signal and not
// kept. Query parameters categories, label and reference describe it.
func (h *contentHandlers) uploadItem(c *call) error {
	args := c.ctx.QueryArgs()
	cats, err := matcher.ParseCategories(string(args.Peek("categories")))
	if err != nil {
		return err
	}
	r, name, err := c.upload()
	if err != nil {
		return err
	}
	held := h.budget.hold(r, int64(c.ctx.Request.Header.ContentLength()))
	defer held.Release()
	ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
	defer cancel()
	hs, err := h.itemHasher.Hash(ctx, held)
	if err != nil {
		return err
	}
	known, notes, err := hs.KnownItem()
	if err != nil {
		return errorf(http.StatusBadRequest, "empty_upload", "the uploaded file is empty")
	}
	it := known
	it.Bank, it.Categories, it.AddedBy = c.params["bank"], cats, c.actor()
	it.Label, it.Reference = string(args.Peek("label")), string(args.Peek("reference"))
	if it.Label == "" {
		it.Label = name
	}
	return h.storeItem(c, it, notes...)
}

func (h *contentHandlers) storeItem(c *call, it matcher.Item, notes ...string) error {
	out, _, err := h.writer.AddItems([]matcher.Item{it})
	if err != nil {
		return err
	}
	switch o := out[0]; {
	case o.Err != nil:
		return invalid(o.Err)
	case !o.Added:
		return errorf(http.StatusConflict, "already_present", "bank %s already holds item %d with one of these signals", it.Bank, o.ID)
	}
	added, err := h.content.Item(out[0].ID)
	if err != nil {
		return err
	}
	c.audit.Signals = added.Signals
	c.audit.Detail = fmt.Sprintf("added item %d to bank %s", added.ID, added.Bank)
	writeJSON(c.ctx, http.StatusCreated, itemAnswer{Item: added, Notes: notes})
	return nil
}

func (h *contentHandlers) getItem(c *call) error {
	id, err := c.itemID()
	if err != nil {
		return err
	}
	it, err := h.content.Item(id)
	if err != nil {
		return err
	}
	f, err := h.content.Feedback(id)
	if err != nil {
		return err
	}
	writeJSON(c.ctx, http.StatusOK, itemAnswer{Item: it, Feedback: &f})
	return nil
}

// changeStatus answers POST /v1/items/{id}/retract and .../reactivate
// with {"reason": "..."}.
func (h *contentHandlers) changeStatus(retract bool) func(*call) error {
	return func(c *call) error {
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
		change := h.writer.Reactivate
		if retract {
			change = h.writer.Retract
		}
		it, err := change(id, req.Reason, c.actor())
		if err != nil {
			return err
		}
		c.audit.Detail = fmt.Sprintf("%s item %d: %s", it.Status, id, req.Reason)
		writeJSON(c.ctx, http.StatusOK, itemAnswer{Item: it})
		return nil
	}
}

// importList answers POST /v1/banks/{bank}/import: the body is a hash list
// (query: format, type, categories); the answer is the import's summary.
func (h *contentHandlers) importList(c *call) error {
	im, err := importer.New(h.writer, c.params["bank"], c.actor())
	if err != nil {
		return err
	}
	args := c.ctx.QueryArgs()
	if im.Options.Categories, err = matcher.ParseCategories(string(args.Peek("categories"))); err != nil {
		return err
	}
	if t := args.Peek("type"); len(t) > 0 {
		if im.Options.Type, err = matcher.ParseSignalType(string(t)); err != nil {
			return err
		}
	}
	if f := args.Peek("format"); len(f) > 0 {
		if im.Format, err = hashlist.ParseFormat(string(f)); err != nil {
			return invalid(err)
		}
	}
	body := bufio.NewReaderSize(c.body(h.cfg.MaxUploadBytes), 64<<10)
	if head, _ := body.Peek(media.SniffLen); importer.IsMedia(head) {
		return errorf(http.StatusUnsupportedMediaType, "not_a_hash_list",
			"the body is a photo or video; add a known file with POST /v1/banks/%s/items/upload", c.params["bank"])
	}
	name := "body"
	if ct := string(c.ctx.Request.Header.ContentType()); strings.Contains(ct, "csv") {
		name = "body.csv"
	} else if strings.Contains(ct, "json") {
		name = "body.ndjson"
	}
	if err := im.List(context.Background(), name, body); err != nil {
		return err
	}
	if err := im.Flush(); err != nil {
		return err
	}
	sum := im.Summary()
	c.audit.Detail = fmt.Sprintf("import into %s: %d read, %d added", c.params["bank"], sum.Read, sum.Added)
	writeJSON(c.ctx, http.StatusOK, sum)
	return nil
}

func (h *contentHandlers) statusAnswer() statusAnswer {
	a := statusAnswer{Status: h.content.Status()}
	if h.cfg.Replica != nil {
		st := h.cfg.Replica.Status()
		a.Cluster = &st
	}
	return a
}

func (h *contentHandlers) status(c *call) error {
	writeJSON(c.ctx, http.StatusOK, h.statusAnswer())
	return nil
}

// filter answers GET /v1/filter/{type}: the Bloom filter of every known
// digest of that type, for offline pre-screening. Headers say what it is.
func (h *contentHandlers) filter(c *call) error {
	t, err := matcher.ParseSignalType(c.params["type"])
	if err != nil {
		return err
	}
	if !t.Exact() {
		return errorf(http.StatusBadRequest, "invalid_signal", "filters exist for the exact types sha256, md5 and sha1, not %s", t)
	}
	switch format := string(c.ctx.QueryArgs().Peek("format")); format {
	case "", "herken":
	case "dcso":
		return h.dcsoFilter(c, t)
	default:
		return errorf(http.StatusBadRequest, "invalid_request", "format %q: want herken (the default) or dcso", format)
	}
	var buf strings.Builder
	meta, err := h.content.WriteFilter(t, &buf)
	if err != nil {
		return err
	}
	hdr := &c.ctx.Response.Header
	hdr.Set("X-Herken-Signal-Type", t.String())
	hdr.Set("X-Herken-Count", strconv.FormatUint(uint64(meta.Count), 10))
	hdr.Set("X-Herken-FP-Rate", strconv.FormatFloat(meta.FPRate, 'g', -1, 64))
	hdr.Set("X-Herken-Index-Version", strconv.FormatUint(meta.IndexVersion, 10))
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="herken-%s.bloom"`, t))
	c.ctx.SetContentType("application/octet-stream")
	c.ctx.SetStatusCode(http.StatusOK)
	c.ctx.SetBodyString(buf.String())
	return nil
}

func (h *contentHandlers) healthz(c *call) error {
	writeJSON(c.ctx, http.StatusOK, healthAnswer{Status: "ok", Version: h.cfg.Version, IndexVersion: h.content.Version()})
	return nil
}
