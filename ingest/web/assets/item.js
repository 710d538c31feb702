// item.js: the full record of a known item in a dialog (GET
// /v1/items/{id}), with its history, and retracting or re-activating it
// with a reason, confirmed in the dialog first.

import { api, json } from './api.js';
import { $, el, fill, date } from './dom.js';
import { facts } from './render.js';
import { can } from './session.js';

let current = null; // the item shown

/** itemEvents fires "change" with the item after a retraction or re-activation. */
export const itemEvents = new EventTarget();

export async function openItem(id) {
  const dlg = $('item-dialog');
  fill($('item-error'));
  fill($('item-message'));
  fill($('item-title'), `Item ${id}`);
  fill($('item-body'), el('p', { class: 'muted' }, 'Loading…'));
  $('item-actions').hidden = true;
  if (!dlg.open) dlg.showModal();
  try {
    show(await api('GET', '/v1/items/' + encodeURIComponent(id)));
  } catch (e) {
    fill($('item-body'));
    fill($('item-error'), e.message);
  }
}

function show(it) {
  current = it;
  fill($('item-title'), `Item ${it.id} in bank ${it.bank}`);
  const status = el('span', { class: 'status-' + it.status }, it.status);
  const body = [
    facts([
      ['Status', status],
      ['Bank', it.bank],
      ['Categories', (it.categories || []).join(', ') || 'none'],
      ['Label', it.label || '—'],
      ['Reference', it.reference || '—'],
      ['Added', date(it.added_at) + (it.added_by ? ' by ' + it.added_by : '')],
      ['PDQ quality', it.pdq_quality],
    ]),
  ];
  if (it.retraction) {
    body.push(el('p', { class: 'warning' }, `Retracted ${date(it.retraction.at)}` +
      (it.retraction.by ? ' by ' + it.retraction.by : '') + ': ', el('q', {}, it.retraction.reason)));
  }
  body.push(el('h3', {}, 'Signals'), el('table', { class: 'signals' },
    el('tbody', {}, (it.signals || []).map((s) => el('tr', {}, el('th', { scope: 'row' }, s.type), el('td', { class: 'mono' }, s.value))))));
  body.push(el('h3', {}, 'History'));
  const hist = [el('li', {}, `${date(it.added_at)}: added` + (it.added_by ? ' by ' + it.added_by : ''))];
  for (const h of it.history || []) {
    hist.push(el('li', {}, `${date(h.at)}: ${h.status === 'retracted' ? 'retracted' : 're-activated'}` +
      (h.by ? ' by ' + h.by : '') + ': ', el('q', {}, h.reason)));
  }
  body.push(el('ol', { class: 'history' }, hist));
  fill($('item-body'), ...body);
  if (can('banks')) {
    const retract = it.status !== 'retracted';
    $('item-actions').hidden = false;
    $('status-confirm').hidden = true;
    $('status-form').hidden = false;
    fill($('status-reason-label'), retract ? 'Reason for retracting (e.g. complaint upheld)' : 'Reason for re-activating');
    fill($('status-submit'), retract ? 'Retract…' : 'Re-activate…');
    $('status-submit').className = retract ? 'danger' : '';
    $('status-reason').value = '';
  }
}

function askConfirm(ev) {
  ev.preventDefault();
  if (!current) return;
  const reason = $('status-reason').value.trim();
  if (!reason) {
    fill($('item-error'), 'Give a reason: it is recorded with the change.');
    $('status-reason').focus();
    return;
  }
  fill($('item-error'));
  const retract = current.status !== 'retracted';
  fill($('status-confirm-text'), retract
    ? `Retract item ${current.id}? It stops matching at once, for everyone. Reason: “${reason}”.`
    : `Re-activate item ${current.id}? It matches again at once. Reason: “${reason}”.`);
  fill($('status-yes'), retract ? 'Yes, retract it' : 'Yes, re-activate it');
  $('status-yes').className = retract ? 'danger' : '';
  $('status-form').hidden = true;
  $('status-confirm').hidden = false;
  $('status-yes').focus();
}

async function confirmed() {
  const retract = current.status !== 'retracted';
  const reason = $('status-reason').value.trim();
  $('status-yes').disabled = true;
  try {
    const it = await json('POST', `/v1/items/${current.id}/${retract ? 'retract' : 'reactivate'}`, { reason });
    show(it);
    fill($('item-message'), retract
      ? `Item ${it.id} is retracted: it no longer matches.`
      : `Item ${it.id} is active again: it matches again.`);
    itemEvents.dispatchEvent(new CustomEvent('change', { detail: it }));
    $('status-reason').focus();
  } catch (e) {
    fill($('item-error'), e.message);
    cancel();
  } finally {
    $('status-yes').disabled = false;
  }
}

function cancel() {
  $('status-confirm').hidden = true;
  $('status-form').hidden = false;
  $('status-submit').focus();
}

export function setupItemDialog() {
  $('item-close').addEventListener('click', () => $('item-dialog').close());
  $('status-form').addEventListener('submit', askConfirm);
  $('status-yes').addEventListener('click', confirmed);
  $('status-no').addEventListener('click', cancel);
  $('item-dialog').addEventListener('close', () => { current = null; });
}
