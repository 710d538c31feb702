// render.js: a match result as the analyst sees it: the verdict, each
// matched item with its evidence in words, and the computed hashes.

import { el, fill, groupByItem, date, bytes } from './dom.js';
import { can } from './session.js';
import { openItem } from './item.js';
import { actions, setApart } from './safeguards.js';

/**
 * renderResult shows resp (a MatchResult or LookupResult) in box. source
 * says what was checked: {kind: "file"|"url"|"hash", label}.
 */
export function renderResult(box, resp, source) {
  const items = groupByItem(resp.matches);
  const matched = items.length > 0;
  const verdict = el('div', { class: 'verdict ' + (matched ? 'is-match' : 'is-nomatch'), id: 'verdict' },
    el('span', { class: 'verdict-word' }, matched ? 'MATCH' : 'NO MATCH'),
    el('span', { class: 'verdict-text' }, matched
      ? `This is a copy of ${items.length === 1 ? 'a known item' : items.length + ' known items'}.`
      : 'Not a copy of any active known item.'));
  const about = el('p', { class: 'about' },
    el('span', {}, 'Checked ' + source.kind + ': '), el('strong', { class: 'break' }, source.label),
    resp.final_url && resp.final_url !== resp.url ? el('span', {}, ' (redirected to ', el('span', { class: 'break' }, resp.final_url), ')') : null,
    el('span', { class: 'muted' }, ` · index version ${resp.index_version}`));
  const parts = [verdict, about];
  for (const p of resp.errors || []) {
    parts.push(el('p', { class: 'warning' }, 'Note: ', p.message, ` (${p.code})`));
  }
  for (const s of resp.skipped || []) {
    parts.push(el('p', { class: 'warning' }, `Not matched by ${s.signal_type}: ${s.reason}`));
  }
  if (matched) {
    parts.push(el('h2', {}, items.length === 1 ? 'The known item' : `The ${items.length} known items`));
    parts.push(el('div', { class: 'matches' }, items.map((g) => matchCard(g, resp.matches))));
  }
  const candidates = groupByItem(resp.candidates);
  if (candidates.length) {
    parts.push(el('h2', { id: 'candidates-h' }, 'Candidates: not matches'));
    parts.push(el('p', { class: 'muted' }, 'herken does not stand behind these: each says why. ' +
      'Look at them yourself before acting on any.'));
    parts.push(el('div', { class: 'matches candidates', 'aria-labelledby': 'candidates-h' }, candidates.map((g) => matchCard(g))));
  }
  const apart = [...(resp.suppressed || []), ...(resp.shadow || []), ...(resp.quarantined || [])];
  parts.push(...setApart(resp, (g) => matchCard(g, apart)));
  outlineRegions(resp, items);
  if (resp.signals && resp.signals.length) parts.push(hashTable(resp));
  fill(box, ...parts);
}

// matchCard shows one item's evidence; given the matches it came from, it
// offers an analyst a verdict and allow-listing (safeguards.js).
function matchCard(g, matches) {
  const title = can('banks')
    ? el('button', { type: 'button', class: 'link', 'data-item': g.item_id, onclick: () => openItem(g.item_id) }, `Item ${g.item_id}`)
    : el('span', {}, `Item ${g.item_id}`);
  return el('article', { class: 'match', 'data-item-id': g.item_id },
    el('h3', {}, title, ' in bank ', el('strong', {}, g.bank)),
    facts([
      ['Categories', (g.categories || []).join(', ') || 'none'],
      ['Label', g.label || '—'],
      ['Reference', g.reference || '—'],
      ['Added', date(g.added_at)],
    ]),
    el('p', { class: 'evidence-h' }, 'Evidence'),
    el('ul', { class: 'evidence' }, g.evidence.map((line) => el('li', {}, line))),
    g.reasons ? el('p', { class: 'warning' }, 'Not a match: ', g.reasons.join('; ')) : null,
    matches ? actions(g.item_id, matches) : null);
}

/**
 * outlineRegions draws, over the analyst's local preview of the file, the
 * part of the picture each match was found in (a picture inside a frame,
 * padding, caption bars or a screenshot). Nothing is drawn for matches of
 * the whole picture, or when there is no preview.
 */
function outlineRegions(resp, items) {
  const img = document.getElementById('preview-img');
  if (!img) return;
  let layer = document.getElementById('preview-regions');
  if (!layer) {
    const wrap = el('span', { class: 'preview-wrap' });
    img.replaceWith(wrap);
    layer = el('span', { id: 'preview-regions', class: 'preview-regions', 'aria-hidden': 'true' });
    wrap.append(img, layer);
  }
  const w = resp.width;
  const h = resp.height;
  const boxes = [];
  if (!img.hidden && w > 0 && h > 0) {
    for (const g of items) {
      for (const r of g.regions || []) {
        const pct = (v, of) => `${(100 * v / of).toFixed(2)}%`;
        boxes.push(el('span', {
          class: 'region-box', title: `Item ${g.item_id}: ${r.description}`,
          style: `left:${pct(r.x, w)};top:${pct(r.y, h)};width:${pct(r.width, w)};height:${pct(r.height, h)}`,
        }));
      }
    }
  }
  fill(layer, ...boxes);
}

/** facts is a <dl> of [term, value] pairs. */
export function facts(rows) {
  return el('dl', { class: 'facts' }, rows.filter((r) => r[1] !== undefined && r[1] !== null && r[1] !== '')
    .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v instanceof Node ? v : String(v))]));
}

function hashTable(resp) {
  const what = [resp.content_type, resp.format, resp.size ? bytes(resp.size) : ''].filter(Boolean).join(', ');
  return el('section', { class: 'hashes', 'aria-labelledby': 'hashes-h' },
    el('h2', { id: 'hashes-h' }, 'Computed hashes', what ? el('span', { class: 'muted' }, ' · ' + what) : null),
    el('table', {},
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Signal'), el('th', { scope: 'col' }, 'Value'))),
      el('tbody', {}, resp.signals.map((s) => el('tr', {},
        el('th', { scope: 'row' }, s.type,
          s.type === 'pdq' && resp.pdq_quality !== undefined
            ? el('span', { class: 'quality' + (resp.pdq_quality < 50 ? ' low' : '') }, ` quality ${resp.pdq_quality}`) : null),
        el('td', { class: 'mono' }, s.value))))));
}
