// safeguards.js: what an analyst does on a match card: record a verdict
// (confirmed, false positive) with a note, and allow-list a false match in
// one step, adding the query's own hashes to a chosen allow bank; and the
// sections of a result for matches the safeguards set apart.

import { $, el, fill, groupByItem, signalTypes, date } from './dom.js';
import { api, json } from './api.js';
import { can } from './session.js';

/** allowBanks lists the banks in allow mode, asked once per page. */
let allowBanksOnce = null;
function allowBanks() {
  allowBanksOnce ??= api('GET', '/v1/banks')
    .then((r) => (r.banks || []).filter((b) => b.mode === 'allow').map((b) => b.name))
    .catch(() => { allowBanksOnce = null; return []; });
  return allowBanksOnce;
}

/** forgetAllowBanks makes the next card ask for the banks again. */
export function forgetAllowBanks() { allowBanksOnce = null; }

/**
 * queryHashes are the query's own hashes through which item id matched
 * (its deciding signals: pdq and exact digests), as the allow item's
 * signals: the same readings then match the allow item by the same rule.
 */
export function queryHashes(matches, id) {
  const out = [];
  for (const m of matches || []) {
    const t = signalTypes[m.signal_type];
    if (m.item_id !== id || !m.query_value || !t || (!t.exact && m.signal_type !== 'pdq')) continue;
    if (!out.some((s) => s.type === m.signal_type && s.value === m.query_value)) {
      out.push({ type: m.signal_type, value: m.query_value });
    }
  }
  return out;
}

/**
 * actions is the analyst's part of a match card of item id (nothing for
 * other roles): a verdict with a note, and allow-listing the query.
 */
export function actions(id, matches) {
  if (!can('banks')) return null;
  const note = el('input', { type: 'text', class: 'fb-note', maxlength: '1024', placeholder: 'Note (why)', 'aria-label': `Note on item ${id}` });
  const msg = el('p', { class: 'fb-message', role: 'status' });
  const verdict = (v, label) => el('button', {
    type: 'button', class: 'fb-' + v, 'data-verdict': v,
    onclick: async () => {
      try {
        const f = await json('POST', `/v1/items/${id}/feedback`, { verdict: v, note: note.value });
        fill(msg, `Recorded: ${label.toLowerCase()}. Item ${id} has ${f.confirmed} confirmed and ${f.false_positive} false positive verdicts.`);
      } catch (e) {
        fill(msg, el('span', { class: 'error' }, e.message));
      }
    },
  }, label);
  const parts = [el('div', { class: 'fb-row' }, note, verdict('confirmed', 'Confirmed'), verdict('false_positive', 'False positive'))];
  const hashes = queryHashes(matches, id);
  if (hashes.length) {
    const select = el('select', { class: 'allow-bank', 'aria-label': 'Allow bank' });
    const add = el('button', {
      type: 'button', class: 'allow-add', disabled: true,
      onclick: async () => {
        try {
          const it = await json('POST', `/v1/banks/${encodeURIComponent(select.value)}/allow`, {
            signals: hashes, from_item: id, note: note.value,
            label: note.value || `false match of item ${id}`,
          });
          fill(msg, `Allow-listed as item ${it.id} in bank ${it.bank}: the same content no longer matches item ${id}.`);
          add.disabled = true;
        } catch (e) {
          fill(msg, el('span', { class: 'error' }, e.message));
        }
      },
    }, 'Allow-list this content');
    allowBanks().then((names) => {
      fill(select, names.map((n) => el('option', { value: n }, n)));
      add.disabled = names.length === 0;
      add.title = names.length ? '' : 'No bank is in allow mode: an admin creates one (herken bank create NAME --mode allow).';
    });
    parts.push(el('div', { class: 'allow-row' }, select, add));
  }
  parts.push(msg);
  return el('div', { class: 'card-actions' }, ...parts);
}

/**
 * setApart is the result's sections for matches the safeguards set apart:
 * suppressed by an allow-list (every role) and shadow matches (analysts).
 */
export function setApart(resp, card) {
  const parts = [];
  const suppressed = groupByItem(resp.suppressed);
  if (suppressed.length) {
    parts.push(el('h2', { id: 'suppressed-h' }, 'Suppressed by an allow-list: not matches'));
    parts.push(el('div', { class: 'matches suppressed', 'aria-labelledby': 'suppressed-h' }, suppressed.map(card)));
  }
  const quarantined = groupByItem(resp.quarantined);
  if (quarantined.length) {
    parts.push(el('h2', { id: 'quarantined-h' }, 'Quarantined candidates: not matches'));
    parts.push(el('p', { class: 'muted' }, 'These items matched a flood of distinct inputs and are held back: crawlers and providers are told of no match until an analyst releases or retracts the item.'));
    parts.push(el('div', { class: 'matches quarantined', 'aria-labelledby': 'quarantined-h' }, quarantined.map(card)));
  }
  const shadow = groupByItem(resp.shadow);
  if (shadow.length) {
    parts.push(el('h2', { id: 'shadow-h' }, 'Shadow matches: what a bank on trial would match'));
    parts.push(el('p', { class: 'muted' }, 'These banks are in shadow mode: crawlers and providers are not told of these matches until an admin promotes the bank.'));
    parts.push(el('div', { class: 'matches shadow', 'aria-labelledby': 'shadow-h' }, shadow.map(card)));
  }
  return parts;
}

/**
 * showQuarantine alerts analysts and admins to the items quarantined for
 * a flood of matches, each with a release (with a reason) beside it.
 */
export async function showQuarantine() {
  const box = $('quarantine-alert');
  if (!box) return;
  box.hidden = true;
  if (!can('banks')) return;
  let q;
  try {
    q = await api('GET', '/v1/quarantine');
  } catch {
    return;
  }
  if (!q.items.length) return;
  const rows = q.items.map((it) => {
    const reason = el('input', { type: 'text', class: 'release-reason', placeholder: 'Why it may match again', 'aria-label': `Reason to release item ${it.id}` });
    const msg = el('span', { class: 'release-message', role: 'status' });
    const release = el('button', {
      type: 'button', class: 'release', 'data-item': it.id,
      onclick: async () => {
        try {
          await json('POST', `/v1/items/${it.id}/release`, { reason: reason.value });
          fill(msg, `Released: item ${it.id} matches again.`);
          release.disabled = true;
        } catch (e) {
          fill(msg, el('span', { class: 'error' }, e.message));
        }
      },
    }, 'Release');
    return el('li', {}, el('strong', {}, `Item ${it.id}`), ` in bank ${it.bank} (${it.label || 'no label'}): `,
      `${it.quarantine.inputs} distinct inputs within the hour, quarantined ${date(it.quarantine.at)}. `, reason, release, msg);
  });
  fill(box, el('h2', { id: 'quarantine-h' }, `${q.items.length === 1 ? 'An item is' : q.items.length + ' items are'} in quarantine`),
    el('p', {}, `Each matched more than ${q.flood_limit} distinct inputs within ${q.flood_window}: a bad entry in a list floods like this. `,
      'Release it if its matches are right, or retract it.'),
    el('ul', {}, rows));
  box.hidden = false;
}
