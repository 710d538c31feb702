package service

// Endpoints in the shapes of tools that hosting providers and integrators
// already run, answered from the same match use case as herken's own:
//
//   - CIRCL hashlookup's read API (adulau/hashlookup-server, bin/server.py):
//     GET /lookup/{md5,sha1,sha256}/HASH, POST /bulk/{md5,sha1,sha256},
//     GET /info;
//   - Meta's Hasher-Matcher-Actioner (facebook/ThreatExchange,
//     hasher-matcher-actioner/src/OpenMediaMatch/blueprints/matching.py and
//     hashing.py): GET and POST /m/lookup, GET and POST /h/hash;
//   - DCSO's Bloom filter format for GET /v1/filter/{type}?format=dcso,
//     which hashlookup-analyser.py --bloomfilters reads.
//
// Their errors carry the tools' top-level "message" beside herken's own
// "error" (compatProblemAnswer).

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/atkm/herken/matcher"
)

// dcsoFilter answers GET /v1/filter/{type}?format=dcso[&case=upper|lower]:
// the hex digests of the active items of type t as text, upper case by
// default as hashlookup-analyser.py tests them.
func (h *contentHandlers) dcsoFilter(c *call, t matcher.SignalType) error {
	lower := false
	switch letters := string(c.ctx.QueryArgs().Peek("case")); letters {
	case "", "upper":
	case "lower":
		lower = true
	default:
		return errorf(http.StatusBadRequest, "invalid_request", "case %q: want upper (the default) or lower", letters)
	}
	d, meta, err := h.content.DCSOFilter(t, lower)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		return err
	}
	letters := "upper"
	if lower {
		letters = "lower"
	}
	hdr := &c.ctx.Response.Header
	hdr.Set("X-Herken-Signal-Type", t.String())
	hdr.Set("X-Herken-Count", strconv.FormatUint(uint64(meta.Count), 10))
	hdr.Set("X-Herken-FP-Rate", strconv.FormatFloat(meta.FPRate, 'g', -1, 64))
	hdr.Set("X-Herken-Index-Version", strconv.FormatUint(meta.IndexVersion, 10))
	hdr.Set("X-Herken-Hex-Case", letters)
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="herken-%s-%s.dcso.bloom"`, t, letters))
	c.ctx.SetContentType("application/octet-stream")
	c.ctx.SetStatusCode(http.StatusOK)
	c.ctx.SetBody(buf.Bytes())
	return nil
}

// hashlookupTypes are the digest types of hashlookup's paths and the keys
// its answers name them by.
var hashlookupTypes = map[string]struct {
	t    matcher.SignalType
	key  string // the field of a hashlookup record
	name string // as its messages spell it
}{
	"md5":    {matcher.MD5, "MD5", "MD5"},
	"sha1":   {matcher.SHA1, "SHA-1", "SHA-1"},
	"sha256": {matcher.SHA256, "SHA-256", "SHA-256"},
}

// hashlookupType returns the type of a hashlookup path segment.
func hashlookupType(name string) (matcher.SignalType, string, string, error) {
	ht, ok := hashlookupTypes[name]
	if !ok {
		return 0, "", "", errorf(http.StatusNotFound, "not_found", "hashlookup looks up md5, sha1 and sha256, not %q", name)
	}
	return ht.t, ht.key, ht.name, nil
}

// parseHashlookup parses a hash of a hashlookup request; a malformed one
// is refused with hashlookup's message.
func parseHashlookup(t matcher.SignalType, name, value string) (matcher.Signal, error) {
	sig, err := matcher.ParseSignal(t, value)
	if err != nil {
		return sig, errorf(http.StatusBadRequest, "invalid_signal", "%s value incorrect, expecting a %s value in hex format: %v", name, name, err)
	}
	return sig, nil
}

// hashlookupLookup answers GET /lookup/{type}/{hash}: 200 with a record
// when an active item holds the digest, 404 when none does, 400 for a
// malformed hash.
func (h *matchHandlers) hashlookupLookup(c *call) error {
	t, _, name, err := hashlookupType(c.params["type"])
	if err != nil {
		return err
	}
	sig, err := parseHashlookup(t, name, c.params["hash"])
	if err != nil {
		return err
	}
	recs, err := h.hashlookup(c, []matcher.Signal{sig})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		writeJSON(c.ctx, http.StatusNotFound, hashlookupMissAnswer{Message: "Non existing " + name, Query: c.params["hash"]})
		return nil
	}
	writeJSON(c.ctx, http.StatusOK, recs[0])
	return nil
}

// maxBulkHashes bounds one bulk request.
const maxBulkHashes = 10000

// hashlookupBulk answers POST /bulk/{type} {"hashes": [...]}: the records
// of the hashes found, in the order asked; unknown hashes are left out,
// as hashlookup does. Unlike hashlookup, which skips a malformed hash, it
// refuses the request naming it.
func (h *matchHandlers) hashlookupBulk(c *call) error {
	t, _, name, err := hashlookupType(c.params["type"])
	if err != nil {
		return err
	}
	var req struct {
		Hashes *[]string `json:"hashes"`
	}
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	if req.Hashes == nil || len(*req.Hashes) > maxBulkHashes {
		return errorf(http.StatusBadRequest, "invalid_request", "JSON format incorrect. An array of at most %d hashes in the key 'hashes' is expected.", maxBulkHashes)
	}
	sigs := make([]matcher.Signal, 0, len(*req.Hashes))
	for _, v := range *req.Hashes {
		sig, err := parseHashlookup(t, name, v)
		if err != nil {
			return err
		}
		sigs = append(sigs, sig)
	}
	recs, err := h.hashlookup(c, sigs)
	if err != nil {
		return err
	}
	writeJSON(c.ctx, http.StatusOK, recs)
	return nil
}

// hashlookup looks digests up through the match use case and returns a
// record for each one that matched, in the order given.
func (h *matchHandlers) hashlookup(c *call, sigs []matcher.Signal) ([]hashlookupRecord, error) {
	queries := make([]matcher.Query, len(sigs))
	for i, s := range sigs {
		queries[i] = matcher.Query{Signal: s, Quality: -1}
	}
	l, err := h.matcher.MatchSignals(queries)
	if err != nil {
		return nil, err
	}
	h.metrics.matched(l.Matches)
	c.decided(sigs, l)
	l.Explain()
	recs := []hashlookupRecord{}
	for _, s := range sigs {
		var ms []matcher.Match
		for _, m := range l.Matches {
			if m.SignalType == s.Type && strings.EqualFold(m.Value, s.String()) {
				ms = append(ms, m)
			}
		}
		if len(ms) == 0 {
			continue
		}
		recs = append(recs, h.hashlookupRecord(s, ms, l.IndexVersion))
	}
	return recs, nil
}

// hashlookupRecord describes a found digest as hashlookup's records do
// (upper-case hex under "MD5", "SHA-1", "SHA-256", the other digests of
// the matched items when they hold them, "FileName" from the item's
// label, "KnownMalicious" naming the source), with herken's evidence
// under "herken:matches".
func (h *matchHandlers) hashlookupRecord(s matcher.Signal, ms []matcher.Match, version uint64) hashlookupRecord {
	rec := hashlookupRecord{Source: "herken", Matches: ms, IndexVersion: version}
	digests := map[matcher.SignalType]*string{matcher.MD5: &rec.MD5, matcher.SHA1: &rec.SHA1, matcher.SHA256: &rec.SHA256}
	*digests[s.Type] = strings.ToUpper(s.String())
	var banks []string
	for _, m := range ms {
		if !slices.Contains(banks, m.Bank) {
			banks = append(banks, m.Bank)
		}
		if rec.FileName == "" {
			rec.FileName = m.Label
		}
		item, err := h.content.Item(m.ItemID)
		if err != nil {
			continue // the item was removed since it matched: its match stands
		}
		for _, is := range item.Signals {
			if p, ok := digests[is.Type]; ok && *p == "" {
				*p = strings.ToUpper(is.String())
			}
		}
	}
	rec.KnownMalicious = "herken:" + strings.Join(banks, ",")
	return rec
}

// hashlookupInfo answers GET /info with hashlookup's version field and
// herken's counts.
func (h *matchHandlers) hashlookupInfo(c *call) error {
	st := h.content.Status()
	var keys int
	for _, name := range []string{"md5", "sha1", "sha256"} {
		keys += st.Signals[name].Count
	}
	writeJSON(c.ctx, http.StatusOK, hashlookupInfoAnswer{
		Version: "herken " + h.cfg.Version, TotalKeys: keys, IndexVersion: st.Version, Banks: st.Banks})
	return nil
}

// hmaTypeName is the name HMA gives a match's signal type: herken's own,
// but a video's frames matched as a whole are vPDQ.
func hmaTypeName(m matcher.Match) string {
	if m.Video != nil {
		return "vpdq"
	}
	return m.SignalType.String()
}

// hmaBanks groups matches by bank as HMA's lookup answers them, keeping
// those of the banks asked for (all when banks is empty).
func hmaBanks(ms []matcher.Match, banks []string, version uint64) map[string]map[string][]hmaMatch {
	out := map[string]map[string][]hmaMatch{}
	for _, m := range ms {
		if len(banks) > 0 && !slices.Contains(banks, m.Bank) {
			continue
		}
		name := hmaTypeName(m)
		if out[name] == nil {
			out[name] = map[string][]hmaMatch{}
		}
		out[name][m.Bank] = append(out[name][m.Bank], hmaMatch{
			BankContentID: m.ItemID, Distance: strconv.Itoa(m.Distance), Herken: m, IndexVersion: version})
	}
	return out
}

func hmaBankList(c *call) []string {
	if b := string(c.ctx.QueryArgs().Peek("banks")); b != "" {
		return strings.Split(b, ",")
	}
	return nil
}

// hmaLookupGet answers GET /m/lookup?signal_type=T&signal=H: the matches
// by bank; or GET /m/lookup?url=U: the matches by signal type, then by
// bank (only the signal type's when signal_type is given too).
func (h *matchHandlers) hmaLookupGet(c *call) error {
	args := c.ctx.QueryArgs()
	url, typeName, value := string(args.Peek("url")), string(args.Peek("signal_type")), string(args.Peek("signal"))
	banks := hmaBankList(c)
	if url != "" {
		c.audit.URL = url
		ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
		defer cancel()
		resp, err := h.fetchAndMatch(ctx, url)
		if err != nil {
			return err
		}
		c.decided(resp.Signals, resp.Identification)
		byType := hmaBanks(resp.Matches, banks, resp.IndexVersion)
		if typeName != "" {
			writeJSON(c.ctx, http.StatusOK, orEmpty(byType[typeName]))
			return nil
		}
		writeJSON(c.ctx, http.StatusOK, byType)
		return nil
	}
	if typeName == "" || value == "" {
		return errorf(http.StatusBadRequest, "invalid_request", "Either url or both signal and signal_type are required")
	}
	q, err := query(typeName, value, nil)
	if err != nil {
		return err
	}
	l, err := h.matcher.MatchSignals([]matcher.Query{q})
	if err != nil {
		return err
	}
	h.metrics.matched(l.Matches)
	c.decided([]matcher.Signal{q.Signal}, l)
	l.Explain()
	byBank := map[string][]hmaMatch{}
	for _, banks := range hmaBanks(l.Matches, banks, l.IndexVersion) {
		for b, ms := range banks {
			byBank[b] = append(byBank[b], ms...)
		}
	}
	writeJSON(c.ctx, http.StatusOK, byBank)
	return nil
}

func orEmpty(m map[string][]hmaMatch) map[string][]hmaMatch {
	if m == nil {
		return map[string][]hmaMatch{}
	}
	return m
}

// hmaFields are the multipart field names HMA takes a file under: its
// content type.
var hmaFields = []string{"photo", "video", "file"}

// hashUpload hashes an uploaded file given under one of fields.
func (h *matchHandlers) hashUpload(c *call, fields ...string) (*matcher.Hashes, error) {
	r, _, err := c.upload(fields...)
	if err != nil {
		return nil, err
	}
	held := h.budget.hold(r, int64(c.ctx.Request.Header.ContentLength()))
	defer held.Release()
	ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
	defer cancel()
	hs, err := h.hasher.Hash(ctx, held)
	if err != nil {
		return nil, err
	}
	if hs.Size == 0 {
		return nil, errEmpty("the uploaded file is empty: there is nothing to match")
	}
	if err := ctx.Err(); err != nil {
		return nil, errGone
	}
	return hs, nil
}

// hmaLookupPost answers POST /m/lookup with a file (multipart, under
// "photo" or "video" as HMA takes it): the matches by signal type, then by
// bank.
func (h *matchHandlers) hmaLookupPost(c *call) error {
	hs, err := h.hashUpload(c, hmaFields...)
	if err != nil {
		return err
	}
	resp, err := h.result(hs)
	if err != nil {
		return err
	}
	c.decided(resp.Signals, resp.Identification)
	writeJSON(c.ctx, http.StatusOK, hmaBanks(resp.Matches, hmaBankList(c), resp.IndexVersion))
	return nil
}

// hmaHashPost answers POST /h/hash with a file: its hashes by signal
// type, as HMA's hasher answers.
func (h *matchHandlers) hmaHashPost(c *call) error {
	hs, err := h.hashUpload(c, hmaFields...)
	if err != nil {
		return err
	}
	c.audit.Signals = append(c.audit.Signals, hs.Signals...)
	writeJSON(c.ctx, http.StatusOK, hmaHashes(hs.Signals))
	return nil
}

// hmaHashGet answers GET /h/hash?url=U: the hashes of the content at U.
func (h *matchHandlers) hmaHashGet(c *call) error {
	url := string(c.ctx.QueryArgs().Peek("url"))
	c.audit.URL = url
	ctx, cancel := watchPeer(context.Background(), c.ctx.Conn())
	defer cancel()
	resp, err := h.fetchAndMatch(ctx, url)
	if err != nil {
		return err
	}
	c.audit.Signals = append(c.audit.Signals, resp.Signals...)
	writeJSON(c.ctx, http.StatusOK, hmaHashes(resp.Signals))
	return nil
}

func hmaHashes(sigs []matcher.Signal) map[string]string {
	out := make(map[string]string, len(sigs))
	for _, s := range sigs {
		out[s.Type.String()] = s.String()
	}
	return out
}
