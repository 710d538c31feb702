// dom.js: building the page from API data. Everything from the API is set
// as text (textContent), never parsed as HTML.

/**
 * el makes an element: attrs sets attributes (class, id, data-*, aria-*),
 * or properties for on* handlers; children are nodes or strings (text).
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

function append(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** fill replaces the children of e. */
export function fill(e, ...children) {
  e.replaceChildren();
  append(e, children);
  return e;
}

export const $ = (id) => document.getElementById(id);

/** Signal types: bits, and whether they match exactly, as the registry in
 * matcher/signals says (TestPageSignalTypes holds them equal). */
export const signalTypes = {
  sha256: { bits: 256, exact: true },
  md5: { bits: 128, exact: true },
  sha1: { bits: 160, exact: true },
  pdq: { bits: 256, exact: false },
  phash: { bits: 64, exact: false },
  dhash: { bits: 64, exact: false },
  ahash: { bits: 64, exact: false },
  sha512: { bits: 512, exact: true },
};

/**
 * explain is the server's explanation of a match or candidate
 * (matcher.Match.Explain): the page never words evidence itself.
 */
export function explain(m) {
  return m.explanation || `${m.signal_type}: distance ${m.distance}`;
}

/** groupByItem groups matches per known item, in order of first match. */
export function groupByItem(matches) {
  const items = new Map();
  for (const m of matches || []) {
    let g = items.get(m.item_id);
    if (!g) {
      g = { ...m, evidence: [] };
      items.set(m.item_id, g);
    }
    const line = explain(m);
    if (!g.evidence.includes(line)) g.evidence.push(line);
    if (m.region && !g.regions) g.regions = [];
    if (m.region) g.regions.push(m.region);
    if (m.reason && !g.reasons) g.reasons = [];
    if (m.reason && !g.reasons.includes(m.reason)) g.reasons.push(m.reason);
  }
  return [...items.values()];
}

/** date shows an RFC 3339 time as "2026-11-22 07:51 UTC". */
export function date(s) {
  if (!s || s.startsWith('0001-')) return '';
  const d = new Date(s);
  if (isNaN(d)) return String(s);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function bytes(n) {
  if (!(n >= 0)) return '';
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

/** fillTypes puts the signal types in a <select>. */
export function fillTypes(select, def = 'pdq') {
  fill(select, Object.keys(signalTypes).map((t) => el('option', { value: t, selected: t === def }, t)));
}

/**
 * parseHash reads "type:value" or a bare value (of type def). It returns
 * {type, value} or throws an Error that says what is wrong.
 */
export function parseHash(text, def) {
  let s = text.trim();
  let type = def;
  const i = s.indexOf(':');
  if (i >= 0) {
    type = s.slice(0, i).trim().toLowerCase();
    s = s.slice(i + 1).trim();
  }
  if (!s) throw new Error('Give a hash value.');
  if (!(type in signalTypes)) throw new Error(`"${type}" is not a signal type (${Object.keys(signalTypes).join(', ')}).`);
  return { type, value: s.toLowerCase() };
}

/** download offers text as a file, made in the browser. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
