// check.js: checking one item: a file (POST /v1/match, the raw file as the
// body), a URL (POST /v1/match/url) or a hash (GET /v1/lookup). The
// analyst's own file is previewed from an object URL: it never leaves the
// browser except to this service.

import { request, api } from './api.js';
import { $, el, fill, fillTypes, parseHash, bytes } from './dom.js';
import { renderResult } from './render.js';

let previewURL = '';
let busy = null; // AbortController of the check in flight

async function run(source, call) {
  if (busy) busy.abort();
  const ctl = new AbortController();
  busy = ctl;
  const box = $('check-result');
  box.setAttribute('aria-busy', 'true');
  fill(box, el('p', { class: 'working' }, `Checking ${source.kind} `, el('strong', { class: 'break' }, source.label), '…'));
  try {
    const resp = await call(ctl.signal);
    if (busy === ctl) renderResult(box, resp, source);
  } catch (e) {
    if (e.name === 'AbortError') return;
    fill(box, el('div', { class: 'verdict is-error', id: 'verdict' },
      el('span', { class: 'verdict-word' }, 'NOT CHECKED'),
      el('span', { class: 'verdict-text' }, e.message)),
    el('p', { class: 'muted' }, `${source.kind}: `, el('span', { class: 'break' }, source.label),
      e.code ? ` · ${e.status ? 'HTTP ' + e.status + ', ' : ''}${e.code}` : ''));
  } finally {
    if (busy === ctl) {
      busy = null;
      box.setAttribute('aria-busy', 'false');
    }
  }
}

export function checkFile(file) {
  showPreview(file);
  const label = `${file.name} (${bytes(file.size)})`;
  return run({ kind: 'file', label }, async (signal) => {
    const resp = await request('POST', '/v1/match', {
      body: file, signal, contentType: 'application/octet-stream',
      networkHint: `The connection was cut while sending ${file.name} (${bytes(file.size)}). ` +
        'The service may have refused it as too large; try a smaller file.',
    });
    return resp.json();
  });
}

function showPreview(file) {
  if (previewURL) URL.revokeObjectURL(previewURL);
  previewURL = '';
  const img = $('preview-img');
  const video = $('preview-video');
  img.hidden = true;
  video.hidden = true;
  img.removeAttribute('src');
  video.removeAttribute('src');
  $('preview').hidden = false;
  const type = file.type || '';
  if (type.startsWith('image/') || type.startsWith('video/')) {
    previewURL = URL.createObjectURL(file);
    const media = type.startsWith('image/') ? img : video;
    media.src = previewURL;
    media.hidden = false;
    fill($('preview-cap'), `${file.name}: preview from this computer`);
  } else {
    fill($('preview-cap'), `${file.name}: no preview for this kind of file`);
  }
}

function checkURL(ev) {
  ev.preventDefault();
  const url = $('url-input').value.trim();
  if (!url) return;
  run({ kind: 'URL', label: url }, (signal) =>
    api('POST', '/v1/match/url', { body: JSON.stringify({ url }), contentType: 'application/json', signal }));
}

function checkHash(ev) {
  ev.preventDefault();
  let h;
  try {
    h = parseHash($('hash-input').value, $('hash-type').value);
  } catch (e) {
    fill($('check-result'), el('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  const q = new URLSearchParams({ type: h.type, value: h.value });
  run({ kind: 'hash', label: `${h.type}:${h.value}` }, (signal) => api('GET', '/v1/lookup?' + q, { signal }));
}

export function setupCheck() {
  fillTypes($('hash-type'));
  const input = $('file-input');
  input.addEventListener('change', () => {
    const file = input.files[0];
    // Cleared, so that choosing the same file again checks it again.
    input.value = '';
    if (file) checkFile(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) checkFile(e.dataTransfer.files[0]);
  });
  $('url-form').addEventListener('submit', checkURL);
  $('hash-form').addEventListener('submit', checkHash);
}

/** resetCheck forgets the last answer and preview (on sign-out). */
export function resetCheck() {
  if (busy) busy.abort();
  if (previewURL) URL.revokeObjectURL(previewURL);
  previewURL = '';
  $('preview').hidden = true;
  $('file-input').value = '';
  fill($('check-result'), el('p', { class: 'placeholder' }, 'Check a file, a URL or a hash: the answer and its evidence appear here.'));
}
