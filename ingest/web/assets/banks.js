// banks.js: the index status and counts (GET /v1/status), the banks (GET
// /v1/banks) and the items of one bank (GET /v1/banks/{bank}/items, paged
// with next_after). Search filters what has been loaded, in the browser.

import { api } from './api.js';
import { $, el, fill, date, bytes } from './dom.js';
import { openItem, itemEvents } from './item.js';

let banks = [];
let bank = ''; // the bank whose items are shown
let items = [];
let nextAfter = '';
let loading = 0; // the latest items request: an answer to an older one is dropped

export async function loadBanks() {
  fill($('banks-error'));
  try {
    const [st, bl] = await Promise.all([api('GET', '/v1/status'), api('GET', '/v1/banks')]);
    showStatus(st);
    banks = bl.banks || [];
    showBanks();
    if (!bank && banks.length) await loadItems(banks[0].name);
    else if (bank) await loadItems(bank);
  } catch (e) {
    fill($('banks-error'), e.message);
  }
}

function showStatus(st) {
  const sigs = Object.entries(st.signals || {}).sort();
  fill($('status'),
    el('p', {}, `Index version ${st.index_version} · ${st.banks} ${st.banks === 1 ? 'bank' : 'banks'}`),
    el('table', { class: 'compact' },
      el('caption', { class: 'sr-only' }, 'Active signals in the index, per type'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Signal'), el('th', { scope: 'col', class: 'num' }, 'Active hashes'),
        el('th', { scope: 'col', class: 'num' }, 'Memory'))),
      el('tbody', {}, sigs.length ? sigs.map(([t, s]) => el('tr', {}, el('th', { scope: 'row' }, t),
        el('td', { class: 'num' }, s.count.toLocaleString('en')), el('td', { class: 'num' }, bytes(s.memory_bytes))))
        : el('tr', {}, el('td', { colspan: 3 }, 'The index holds no active hashes.')))));
}

function showBanks() {
  const q = $('bank-search').value.trim().toLowerCase();
  const shown = banks.filter((b) => !q || [b.name, b.source, b.description].some((s) => (s || '').toLowerCase().includes(q)));
  fill($('bank-table').tBodies[0], shown.length ? shown.map((b) => el('tr', { class: b.name === bank ? 'chosen' : '' },
    el('th', { scope: 'row' }, el('button', { type: 'button', class: 'link', 'aria-pressed': String(b.name === bank),
      title: b.description || '', onclick: () => loadItems(b.name) }, b.name)),
    el('td', {}, (b.enabled ? 'enabled' : 'disabled') + modeNote[b.mode || 'block']),
    el('td', {}, b.source || '—'),
    el('td', {}, (b.categories || []).join(', ') || '—')))
    : el('tr', {}, el('td', { colspan: 4 }, banks.length ? 'No bank fits the search.' : 'There are no banks yet.')));
}

async function loadItems(name, more = false) {
  fill($('banks-error'));
  if (!more) {
    bank = name;
    items = [];
    nextAfter = '';
    showBanks();
    fill($('items-h'), `Items of bank ${name}`);
  }
  const q = new URLSearchParams({ limit: '100' });
  const status = $('item-status').value;
  if (status) q.set('status', status);
  if (more && nextAfter) q.set('after', nextAfter);
  const mine = ++loading;
  try {
    const page = await api('GET', `/v1/banks/${encodeURIComponent(name)}/items?${q}`);
    if (mine !== loading) return;
    items = (more ? items : []).concat(page.items || []);
    nextAfter = page.next_after || '';
    showItems();
  } catch (e) {
    fill($('banks-error'), e.message);
  }
}

function showItems() {
  const q = $('item-search').value.trim().toLowerCase();
  const shown = items.filter((it) => !q || [String(it.id), it.label, it.reference, ...(it.categories || [])]
    .some((s) => (s || '').toLowerCase().includes(q)));
  fill($('item-table').tBodies[0], shown.map((it) => el('tr', { class: 'status-' + it.status },
    el('td', {}, el('button', { type: 'button', class: 'link', 'aria-label': `Open item ${it.id}`, onclick: () => openItem(it.id) }, String(it.id))),
    el('td', { class: 'break' }, it.label || '—'),
    el('td', {}, (it.categories || []).join(', ')),
    el('td', { class: 'break' }, it.reference || '—'),
    el('td', {}, it.status),
    el('td', {}, date(it.added_at).slice(0, 10)))));
  fill($('items-count'), `${shown.length} of ${items.length} loaded items shown` + (nextAfter ? '; there are more' : ''));
  $('items-more').hidden = !nextAfter;
}

export function setupBanks() {
  $('banks-refresh').addEventListener('click', loadBanks);
  $('bank-search').addEventListener('input', showBanks);
  $('item-search').addEventListener('input', showItems);
  $('item-status').addEventListener('change', () => bank && loadItems(bank));
  $('items-more').addEventListener('click', () => bank && loadItems(bank, true));
  $('item-goto').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('item-id').value.trim();
    if (/^[0-9]+$/.test(id)) openItem(id);
  });
  itemEvents.addEventListener('change', () => {
    if (!$('view-banks').hidden) loadBanks();
  });
}

export function resetBanks() {
  banks = [];
  items = [];
  bank = '';
  nextAfter = '';
  fill($('bank-table').tBodies[0]);
  fill($('item-table').tBodies[0]);
  fill($('status'));
  fill($('items-count'));
}

// modeNote says what a bank's mode does, after enabled or disabled.
const modeNote = {
  block: '',
  allow: ' · allow-list: suppresses other banks\' matches',
  shadow: ' · shadow: shown to analysts only, until promoted',
};
