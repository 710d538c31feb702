package index

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/matcher/known"
)

// The statistics the authority publishes (Regulation 2021/784 art. 8 and
// 21) are counted from the audit log and the items' histories. The audit
// log forgets its records after the retention period, so every complete
// hour is first reduced to an aggregate, st/<YYYYMMDDHH>, that holds
// counts and item ids only (no key, URL or hash: no personal data), and
// is kept for good. A report adds the aggregates of its period to what
// the raw records of hours not yet reduced (the current one) say. On a
// cluster replica, it also adds the other replicas' hours (CountPeers),
// which each publishes from its own log (Hours).

var prefixStats = []byte("st/")

// channels name the ways an input reaches herken, by audit action.
var channels = map[string]string{
	"match": "upload", "match_url": "url", "lookup": "hash", "batch": "batch",
	"hashlookup_lookup": "hash", "hashlookup_bulk": "hash", "hma_lookup": "hash",
}

// Tally is what a report counts for its period, for one bank or for one
// category.
type Tally struct {
	// Matches counts the inputs matched (an input matching two items of
	// a bank counts once for it); ItemsMatched the distinct items.
	Matches      int `json:"matches"`
	ItemsMatched int `json:"items_matched"`
	// The inputs whose matches a safeguard held back.
	Shadow      int `json:"shadow_matches"`
	Suppressed  int `json:"suppressed"`
	Quarantined int `json:"quarantined_matches"`
	// Analysts' verdicts, retractions and quarantines in the period.
	Confirmed     int `json:"confirmed"`
	FalsePositive int `json:"false_positive"`
	Retractions   int `json:"retractions"`
	Quarantines   int `json:"quarantines"`
}

func (t *Tally) add(o Tally) {
	t.Matches += o.Matches
	t.Shadow += o.Shadow
	t.Suppressed += o.Suppressed
	t.Quarantined += o.Quarantined
	t.Confirmed += o.Confirmed
	t.FalsePositive += o.FalsePositive
}

// hourStats is the aggregate of one hour of audit records.
type hourStats struct {
	Hour       string            `json:"hour"`
	Inputs     map[string]int    `json:"inputs"`
	All        Tally             `json:"all"`
	Banks      map[string]*Tally `json:"banks"`
	Categories map[string]*Tally `json:"categories"`
	// Items are the distinct items matched, so that a period counts each
	// once.
	Items []uint64 `json:"items"`
}

// itemInfo returns an item's bank and categories (nil when unknown).
type itemInfo func(id uint64) (string, []known.Category)

func txnItems(txn *badger.Txn) itemInfo {
	cache := map[uint64]*known.Item{}
	return func(id uint64) (string, []known.Category) {
		it, ok := cache[id]
		if !ok {
			it, _ = readItem(txn, id)
			cache[id] = it
		}
		if it == nil {
			return "", nil
		}
		return it.Bank, it.Categories
	}
}

// count adds one audit record to h.
func (h *hourStats) count(r AuditRecord, info itemInfo) {
	if h.Inputs == nil {
		h.Inputs, h.Banks, h.Categories = map[string]int{}, map[string]*Tally{}, map[string]*Tally{}
	}
	// each adds one to the field f of the whole, and of every bank and
	// category of the items ids, once each.
	each := func(ids []uint64, f func(*Tally)) {
		if len(ids) == 0 {
			return
		}
		f(&h.All)
		banks, cats := map[string]bool{}, map[known.Category]bool{}
		for _, id := range ids {
			b, cs := info(id)
			if b != "" && !banks[b] {
				banks[b] = true
				f(tallyOf(h.Banks, b))
			}
			for _, c := range cs {
				if !cats[c] {
					cats[c] = true
					f(tallyOf(h.Categories, string(c)))
				}
			}
		}
	}
	if ch, ok := channels[r.Action]; ok && (r.Decision == "match" || r.Decision == "no_match") {
		h.Inputs[ch]++
		if r.Decision == "match" {
			each(r.Matched, func(t *Tally) { t.Matches++ })
			for _, id := range r.Matched {
				if !slices.Contains(h.Items, id) {
					h.Items = append(h.Items, id)
				}
			}
		}
		each(r.Shadow, func(t *Tally) { t.Shadow++ })
		each(r.Suppressed, func(t *Tally) { t.Suppressed++ })
		each(r.Quarantined, func(t *Tally) { t.Quarantined++ })
	}
	if r.Action == "item_feedback" && r.Status == 200 {
		switch known.Verdict(r.Verdict) {
		case known.Confirmed:
			each(r.Matched, func(t *Tally) { t.Confirmed++ })
		case known.FalsePositive:
			each(r.Matched, func(t *Tally) { t.FalsePositive++ })
		}
	}
}

func tallyOf(m map[string]*Tally, k string) *Tally {
	if m[k] == nil {
		m[k] = &Tally{}
	}
	return m[k]
}

func statsKey(hour []byte) []byte {
	return append(append([]byte{}, prefixStats...), hour[len(prefixAudit):len(prefixAudit)+10]...)
}

// aggregateHours reduces every complete hour of audit records before
// cutoff that has no aggregate yet. Expire runs it before dropping hours,
// so that what they count outlives them.
func (a *AuditLog) aggregateHours(cutoff []byte) error {
	var hours [][]byte
	err := a.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefixAudit})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < auditHourLen {
				return fmt.Errorf("%w: malformed audit key %q", ErrInconsistent, k)
			}
			hour := append([]byte{}, k[:auditHourLen]...)
			if bytes.Compare(hour, cutoff) >= 0 {
				break
			}
			if _, err := txn.Get(statsKey(hour)); err == badger.ErrKeyNotFound {
				hours = append(hours, hour)
			} else if err != nil {
				return err
			}
			it.Seek(append(append([]byte{}, hour...), 0xff))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, hour := range hours {
		err := a.db.Update(func(txn *badger.Txn) error {
			h := hourStats{Hour: string(hour[len(prefixAudit) : len(prefixAudit)+10])}
			info := txnItems(txn)
			it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: hour})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				var r AuditRecord
				if err := it.Item().Value(func(v []byte) error { return decodeJSON(v, &r) }); err != nil {
					return err
				}
				h.count(r, info)
			}
			return setJSON(txn, statsKey(hour), &h)
		})
		if err != nil {
			return fmt.Errorf("index: aggregating the audit log: %w", err)
		}
	}
	return nil
}

// Report is the statistics of a period, from its first day to its last,
// both included (UTC): its totals at the top level, then per bank and
// per category of art. 2(7).
type Report struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Inputs counts the inputs checked, InputsByChannel by the way they
	// came: upload, url, hash, batch (a batch's lines).
	Inputs          int            `json:"inputs"`
	InputsByChannel map[string]int `json:"inputs_by_channel"`
	Tally
	Banks      map[string]*Tally `json:"banks"`
	Categories map[string]*Tally `json:"categories"`
	// RetractionList gives each retraction of the period with its reason.
	RetractionList []RetractionEntry `json:"retraction_list"`
	// Days counts the matches of each day, for a chart over time.
	Days []DayMatches `json:"days"`
}

// RetractionEntry is one retraction of a report's period.
type RetractionEntry struct {
	ItemID uint64    `json:"item_id"`
	Bank   string    `json:"bank"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// DayMatches is one day of a report.
type DayMatches struct {
	Day     string `json:"day"`
	Inputs  int    `json:"inputs"`
	Matches int    `json:"matches"`
}

// Report counts the period from the first day to the last (UTC dates,
// both included) from the hourly aggregates, the audit records of hours
// not yet reduced, and the items' histories.
func (d *DB) Report(first, last time.Time) (Report, error) {
	from := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	to := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	if !from.Before(to) {
		return Report{}, &known.InvalidError{Msg: "the report's first day is after its last"}
	}
	rep := Report{From: from.Format("2006-01-02"), To: to.AddDate(0, 0, -1).Format("2006-01-02"),
		InputsByChannel: map[string]int{}, Banks: map[string]*Tally{}, Categories: map[string]*Tally{}, RetractionList: []RetractionEntry{}}
	days := map[string]*DayMatches{}
	var order []string
	for t := from; t.Before(to); t = t.AddDate(0, 0, 1) {
		day := t.Format("2006-01-02")
		days[day], order = &DayMatches{Day: day}, append(order, day)
	}
	var peerHours [][]byte
	if peers := d.peers.Load(); peers != nil {
		// The other replicas' hours, as they published them; this
		// replica's own are counted below, live.
		var err error
		if peerHours, err = (*peers)(from, to); err != nil {
			return Report{}, err
		}
	}
	items := map[uint64]bool{}
	err := d.db.View(func(txn *badger.Txn) error {
		info := txnItems(txn)
		add := func(h *hourStats) {
			dm := days[dayOf(h.Hour)]
			for ch, n := range h.Inputs {
				rep.InputsByChannel[ch] += n
				rep.Inputs += n
				dm.Inputs += n
			}
			rep.Tally.add(h.All)
			dm.Matches += h.All.Matches
			for b, t := range h.Banks {
				tallyOf(rep.Banks, b).add(*t)
			}
			for c, t := range h.Categories {
				tallyOf(rep.Categories, c).add(*t)
			}
			for _, id := range h.Items {
				items[id] = true
			}
		}
		if err := eachHour(txn, from, to, info, add); err != nil {
			return err
		}
		for _, data := range peerHours {
			var h hourStats
			if err := decodeJSON(data, &h); err != nil {
				return fmt.Errorf("index: a replica's hourly statistics: %w", err)
			}
			if _, ok := days[dayOf(h.Hour)]; ok {
				add(&h)
			}
		}
		rep.ItemsMatched = len(items)
		for id := range items {
			b, cats := info(id)
			if b != "" {
				tallyOf(rep.Banks, b).ItemsMatched++
			}
			for _, c := range cats {
				tallyOf(rep.Categories, string(c)).ItemsMatched++
			}
		}
		return d.countHistories(txn, from, to, &rep)
	})
	if err != nil {
		return Report{}, err
	}
	for _, day := range order {
		rep.Days = append(rep.Days, *days[day])
	}
	return rep, nil
}

func dayOf(hour string) string {
	if len(hour) < 8 {
		return ""
	}
	return hour[:4] + "-" + hour[4:6] + "-" + hour[6:8]
}

// eachHour calls fn with each hour of [from, to) this node's audit log
// counted: its aggregate once reduced, else what its raw records say.
func eachHour(txn *badger.Txn, from, to time.Time, info itemInfo, fn func(*hourStats)) error {
	hourKey := func(t time.Time) []byte { return append(append([]byte{}, prefixStats...), t.Format("2006010215")...) }
	reduced := map[string]bool{}
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefixStats})
	for it.Seek(hourKey(from)); it.Valid() && bytes.Compare(it.Item().Key(), hourKey(to)) < 0; it.Next() {
		var h hourStats
		if err := it.Item().Value(func(v []byte) error { return decodeJSON(v, &h) }); err != nil {
			it.Close()
			return err
		}
		reduced[h.Hour] = true
		fn(&h)
	}
	it.Close()
	raw := map[string]*hourStats{}
	var order []string
	it = txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefixAudit})
	defer it.Close()
	for it.Seek(auditHourPrefix(from)); it.Valid() && bytes.Compare(it.Item().Key(), auditHourPrefix(to)) < 0; it.Next() {
		hour := string(it.Item().Key()[len(prefixAudit) : len(prefixAudit)+10])
		if reduced[hour] {
			continue
		}
		var r AuditRecord
		if err := it.Item().Value(func(v []byte) error { return decodeJSON(v, &r) }); err != nil {
			return err
		}
		if raw[hour] == nil {
			raw[hour] = &hourStats{Hour: hour}
			order = append(order, hour)
		}
		raw[hour].count(r, info)
	}
	for _, hour := range order {
		fn(raw[hour])
	}
	return nil
}

// HourCount is one hour of a node's statistics, as JSON: what a cluster
// replica publishes for the others to add to their reports.
type HourCount struct {
	Hour string // YYYYMMDDHH, UTC
	Data []byte
}

// Hours returns the statistics of every hour from since's on that this
// node's audit log counted, the current one included (counted so far).
func (a *AuditLog) Hours(since time.Time) ([]HourCount, error) {
	from := since.UTC().Truncate(time.Hour)
	to := a.opts.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	var out []HourCount
	err := a.db.View(func(txn *badger.Txn) error {
		var err error
		return errors.Join(eachHour(txn, from, to, txnItems(txn), func(h *hourStats) {
			if err != nil {
				return
			}
			var data []byte
			if data, err = json.Marshal(h); err == nil {
				out = append(out, HourCount{Hour: h.Hour, Data: data})
			}
		}), err)
	})
	return out, err
}

// PeerHours returns the other nodes' hourly statistics of [from, to), as
// HourCount.Data.
type PeerHours func(from, to time.Time) ([][]byte, error)

// CountPeers makes reports add what peers returns to this node's own
// counts: a cluster replica's reports are the cluster's.
func (d *DB) CountPeers(peers PeerHours) { d.peers.Store(&peers) }

// countHistories counts the retractions and quarantines of [from, to) in
// the items' histories, which are kept for good.
func (d *DB) countHistories(txn *badger.Txn, from, to time.Time, rep *Report) error {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: prefixItem})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var item known.Item
		if err := it.Item().Value(func(v []byte) error {
			rec, err := decodeItem(v)
			if err == nil {
				item = *rec
			}
			return err
		}); err != nil {
			return fmt.Errorf("%w: undecodable item: %v", ErrInconsistent, err)
		}
		for _, h := range item.History {
			if h.At.Before(from) || !h.At.Before(to) {
				continue
			}
			count := func(f func(*Tally)) {
				f(&rep.Tally)
				f(tallyOf(rep.Banks, item.Bank))
				for _, c := range item.Categories {
					f(tallyOf(rep.Categories, string(c)))
				}
			}
			switch h.Status {
			case known.Retracted:
				count(func(t *Tally) { t.Retractions++ })
				rep.RetractionList = append(rep.RetractionList, RetractionEntry{ItemID: item.ID, Bank: item.Bank, Reason: h.Reason, At: h.At})
			case known.Quarantined:
				count(func(t *Tally) { t.Quarantines++ })
			}
		}
	}
	return nil
}

// WriteCSV writes the report as CSV: one row for the period's totals (with
// the inputs by channel), then one per bank and per category.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"from", "to", "scope", "name", "inputs", "inputs_upload", "inputs_url", "inputs_hash", "inputs_batch",
		"matches", "items_matched", "shadow_matches", "suppressed", "quarantined_matches", "confirmed", "false_positive", "retractions", "quarantines"}
	row := func(scope, name string, inputs []string, t Tally) []string {
		out := append([]string{r.From, r.To, scope, name}, inputs...)
		for _, n := range []int{t.Matches, t.ItemsMatched, t.Shadow, t.Suppressed, t.Quarantined, t.Confirmed, t.FalsePositive, t.Retractions, t.Quarantines} {
			out = append(out, strconv.Itoa(n))
		}
		return out
	}
	rows := [][]string{head, row("total", "", []string{strconv.Itoa(r.Inputs), strconv.Itoa(r.InputsByChannel["upload"]),
		strconv.Itoa(r.InputsByChannel["url"]), strconv.Itoa(r.InputsByChannel["hash"]), strconv.Itoa(r.InputsByChannel["batch"])}, r.Tally)}
	for _, part := range []struct {
		scope string
		m     map[string]*Tally
	}{{"bank", r.Banks}, {"category", r.Categories}} {
		names := make([]string, 0, len(part.m))
		for n := range part.m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			rows = append(rows, row(part.scope, n, []string{"", "", "", "", ""}, *part.m[n]))
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("index: writing the report: %w", err)
	}
	return nil
}
