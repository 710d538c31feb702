// app.js: signing in and out, and moving between the views. The views a
// role may not use are not offered (the API would refuse them anyway).

import { api, getKey, setKey, clearKey } from './api.js';
import { $, fill } from './dom.js';
import { session, can } from './session.js';
import { setupCheck, resetCheck } from './check.js';
import { setupBatch, resetBatch } from './batch.js';
import { setupBanks, loadBanks, resetBanks } from './banks.js';
import { setupItemDialog } from './item.js';
import { showQuarantine } from './safeguards.js';
import { setupReport, loadReport } from './report.js';

const views = ['signin', 'check', 'batch', 'banks', 'report'];

function show(view) {
  if (view === 'batch' && !can('batch')) view = 'check';
  if ((view === 'banks' || view === 'report') && !can('banks')) view = 'check';
  for (const v of views) $('view-' + v).hidden = v !== view;
  for (const b of $('nav').querySelectorAll('button')) {
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  document.body.dataset.view = view;
  if (view === 'banks') loadBanks();
  if (view === 'report') loadReport();
}

async function signIn(key, quiet) {
  const who = await api('GET', '/v1/whoami', { key, quiet401: true });
  setKey(key);
  Object.assign(session, { id: who.id || '', name: who.name || '', role: who.role || '' });
  fill($('who-name'), session.name || session.id || 'signed in');
  fill($('who-role'), session.role);
  $('who-role').title = 'Your key\'s role';
  for (const b of $('nav').querySelectorAll('button')) {
    const roles = b.dataset.roles;
    b.hidden = !!roles && !roles.split(' ').includes(session.role);
  }
  $('nav').hidden = false;
  $('who').hidden = false;
  $('signin-key').value = '';
  show('check');
  showQuarantine();
  if (!quiet) $('main').focus();
}

function signOut(message) {
  clearKey();
  Object.assign(session, { id: '', name: '', role: '' });
  $('nav').hidden = true;
  $('who').hidden = true;
  if ($('item-dialog').open) $('item-dialog').close();
  resetCheck();
  resetBatch();
  resetBanks();
  fill($('signin-error'), message || '');
  show('signin');
  $('signin-key').focus();
}

async function submitSignIn(ev) {
  ev.preventDefault();
  const key = $('signin-key').value.trim();
  fill($('signin-error'));
  $('signin-submit').disabled = true;
  try {
    await signIn(key);
  } catch (e) {
    fill($('signin-error'), 'Not signed in: ' + e.message);
    $('signin-key').select();
  } finally {
    $('signin-submit').disabled = false;
  }
}

// isDemo asks who the caller is without a key: only a service run with
// --insecure-no-auth answers (every caller is its anonymous admin), and
// then any key works.
async function isDemo() {
  try {
    await api('GET', '/v1/whoami', { key: '', quiet401: true });
    return true;
  } catch {
    return false;
  }
}

async function init() {
  setupCheck();
  setupBatch();
  setupBanks();
  setupReport();
  setupItemDialog();
  $('signin-form').addEventListener('submit', submitSignIn);
  $('sign-out').addEventListener('click', () => signOut());
  for (const b of $('nav').querySelectorAll('button')) b.addEventListener('click', () => show(b.dataset.view));
  window.addEventListener('herken:unauthorized', (e) => signOut('Signed out: ' + e.detail.message));
  $('signin-demo').hidden = !(await isDemo());
  const key = getKey();
  if (!key) {
    signOut();
    return;
  }
  try {
    await signIn(key, true);
  } catch (e) {
    signOut('Signed out: ' + e.message);
  }
}

init();
