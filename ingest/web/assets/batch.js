// batch.js: a batch of URLs, hashes or files through POST /v1/batch. The
// NDJSON request is built here, in parts of at most partLines lines or
// partBytes bytes, so that no request grows without bound; each answer is
// read line by line from a ReadableStream as the service sends it, for
// live progress. Results can be filtered and downloaded as CSV or NDJSON.

import { request } from './api.js';
import { $, el, fill, fillTypes, groupByItem, parseHash, download, bytes } from './dom.js';
import { can } from './session.js';
import { openItem } from './item.js';

const partLines = 200;
const partBytes = 8 << 20;

let rows = []; // one per input: {n, input, line (object to send) | file, error, answer, tr}
let stopper = null;

/** inputsFromText turns lines into batch inputs; bad lines become errors. */
function inputsFromText(text, defType) {
  const out = [];
  for (let raw of text.split(/\r?\n/)) {
    raw = raw.trim();
    if (!raw || raw.startsWith('#')) continue;
    if (raw.includes(',')) raw = raw.split(',')[0].trim().replace(/^"|"$/g, '');
    if (/^https?:\/\//i.test(raw)) {
      out.push({ input: raw, line: { url: raw } });
      continue;
    }
    try {
      const h = parseHash(raw, defType);
      if (!/^[0-9a-f]+$/.test(h.value)) throw new Error('not hexadecimal');
      out.push({ input: `${h.type}:${h.value}`, line: { signals: [{ type: h.type, value: h.value }] } });
    } catch (e) {
      if (out.length === 0 && /[a-z]/i.test(raw) && !raw.includes(':')) continue; // a CSV header
      out.push({ input: raw, error: { code: 'not_sent', message: 'not a URL, nor a hash (type:value or hexadecimal): ' + e.message } });
    }
  }
  return out;
}

async function base64(file) {
  const buf = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
  return btoa(s);
}

async function start(ev) {
  ev.preventDefault();
  if (stopper) return;
  fill($('batch-error'));
  const defType = $('batch-type').value;
  let inputs = inputsFromText($('batch-text').value, defType);
  const list = $('batch-list').files[0];
  if (list) inputs = inputs.concat(inputsFromText(await list.text(), defType));
  for (const f of $('batch-files').files) inputs.push({ input: f.name, file: f });
  if (!inputs.length) {
    fill($('batch-error'), 'Give at least one URL or hash, a list file, or files to check.');
    return;
  }
  rows = inputs.map((r, i) => ({ ...r, n: i + 1 }));
  fill($('batch-table').tBodies[0], rows.map(rowElement));
  rows.filter((r) => r.error).forEach(update);
  stopper = new AbortController();
  setRunning(true);
  progress();
  try {
    const todo = rows.filter((r) => !r.error);
    for (let i = 0; i < todo.length && !stopper.signal.aborted;) {
      const part = [];
      let size = 0;
      while (i < todo.length && part.length < partLines && (size < partBytes || !part.length)) {
        const r = todo[i++];
        const line = r.file ? { data_base64: await base64(r.file) } : { ...r.line };
        const text = JSON.stringify({ id: r.n, ...line }) + '\n';
        size += text.length;
        part.push({ r, text });
      }
      await send(part, stopper.signal);
    }
  } catch (e) {
    if (e.name !== 'AbortError') fill($('batch-error'), e.message);
  } finally {
    for (const r of rows) {
      if (!r.answer && !r.error) {
        r.error = { code: 'not_done', message: stopper.signal.aborted ? 'stopped before it was checked' : 'no answer from the service' };
        update(r);
      }
    }
    stopper = null;
    setRunning(false);
    progress();
  }
}

/** send posts one part of the batch and reads its answer as it streams. */
async function send(part, signal) {
  const byN = new Map(part.map((p) => [p.r.n, p.r]));
  const body = new Blob(part.map((p) => p.text), { type: 'application/x-ndjson' });
  const resp = await request('POST', '/v1/batch', { body, signal, contentType: 'application/x-ndjson' });
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let summary = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!text.trim()) continue;
      const msg = JSON.parse(text);
      if (msg.summary) { summary = true; continue; }
      if (msg.error && msg.line === undefined) throw new Error('The batch was cut short: ' + msg.error.message);
      const r = byN.get(msg.id) || part[msg.line - 1]?.r;
      if (!r) continue;
      r.answer = msg;
      if (msg.error) r.error = msg.error;
      update(r);
      progress();
    }
  }
  if (!summary) throw new Error('The service ended the batch before answering every line.');
}

function verdictOf(r) {
  if (r.error) return 'error';
  if (!r.answer) return 'pending';
  return r.answer.result && r.answer.result.matched ? 'match' : 'nomatch';
}

function rowElement(r) {
  r.tr = el('tr', { 'data-n': r.n, class: 'pending' },
    el('td', {}, String(r.n)),
    el('td', { class: 'break input' }, r.file ? `${r.input} (${bytes(r.file.size)})` : r.input),
    el('td', { class: 'verdict-cell' }, '…'), el('td', {}), el('td', {}));
  return r.tr;
}

function update(r) {
  const v = verdictOf(r);
  const [, , vcell, icell, ecell] = r.tr.cells;
  r.tr.className = v;
  fill(vcell, { match: 'MATCH', nomatch: 'no match', error: 'error', pending: '…' }[v]);
  if (v === 'error') {
    fill(icell);
    fill(ecell, r.error.message);
  } else if (v === 'match' || v === 'nomatch') {
    const items = groupByItem(r.answer.result.matches);
    fill(icell, items.map((g) => el('span', { class: 'chip' }, can('banks')
      ? el('button', { type: 'button', class: 'link', onclick: () => openItem(g.item_id) }, `${g.bank} #${g.item_id}`)
      : `${g.bank} #${g.item_id}`)));
    const skipped = (r.answer.result.skipped || []).map((s) => `not matched by ${s.signal_type}: ${s.reason}`);
    const lines = items.map((g) => `#${g.item_id}: ${g.evidence.join('; ')}`).concat(skipped);
    fill(ecell, lines.map((l) => el('span', { class: 'evidence-line' }, l)));
  }
  applyFilter();
}

function progress() {
  const done = rows.filter((r) => r.answer || r.error).length;
  const matched = rows.filter((r) => verdictOf(r) === 'match').length;
  const errors = rows.filter((r) => r.error).length;
  $('batch-bar').max = rows.length || 1;
  $('batch-bar').value = done;
  fill($('batch-count'), `${done} of ${rows.length} done · ${matched} matched · ${errors} errors` + (stopper ? ' · running…' : ''));
  $('dl-csv').disabled = $('dl-ndjson').disabled = done === 0;
}

function applyFilter() {
  const f = document.querySelector('input[name="batch-filter"]:checked').value;
  for (const r of rows) r.tr.hidden = f !== 'all' && verdictOf(r) !== f;
}

function setRunning(on) {
  $('batch-run').disabled = on;
  $('batch-stop').disabled = !on;
}

/** csvCell quotes a cell and defuses spreadsheet formulas. */
function csvCell(v) {
  let s = String(v ?? '');
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function toCSV() {
  const head = ['n', 'input', 'verdict', 'banks', 'items', 'categories', 'evidence', 'error_code', 'error', 'index_version'];
  const lines = [head.join(',')];
  for (const r of rows) {
    const res = r.answer && r.answer.result;
    const items = res ? groupByItem(res.matches) : [];
    lines.push([r.n, r.input, verdictOf(r), [...new Set(items.map((g) => g.bank))].join(' '),
      items.map((g) => g.item_id).join(' '), [...new Set(items.flatMap((g) => g.categories || []))].join(' '),
      items.map((g) => `#${g.item_id}: ${g.evidence.join('; ')}`).join(' | '), r.error ? r.error.code : '', r.error ? r.error.message : '',
      res ? res.index_version : ''].map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function toNDJSON() {
  return rows.map((r) => JSON.stringify({ n: r.n, input: r.input, verdict: verdictOf(r),
    result: r.answer && r.answer.result, error: r.error })).join('\n') + '\n';
}

function stamp() { return new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-'); }

export function setupBatch() {
  fillTypes($('batch-type'));
  $('batch-form').addEventListener('submit', start);
  $('batch-stop').addEventListener('click', () => stopper && stopper.abort());
  for (const r of document.querySelectorAll('input[name="batch-filter"]')) r.addEventListener('change', applyFilter);
  $('dl-csv').addEventListener('click', () => download(`herken-batch-${stamp()}.csv`, 'text/csv', toCSV()));
  $('dl-ndjson').addEventListener('click', () => download(`herken-batch-${stamp()}.ndjson`, 'application/x-ndjson', toNDJSON()));
}

/** resetBatch forgets the results (on sign-out). */
export function resetBatch() {
  if (stopper) stopper.abort();
  rows = [];
  fill($('batch-table').tBodies[0]);
  fill($('batch-count'), 'No batch yet.');
  $('batch-bar').value = 0;
  $('batch-text').value = '';
  $('batch-list').value = '';
  $('batch-files').value = '';
  $('dl-csv').disabled = $('dl-ndjson').disabled = true;
}
