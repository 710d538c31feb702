// api.js: the one way the page talks to the service. The API key lives in
// sessionStorage (this tab only) and goes in the Authorization header,
// never in a URL.

const keyName = 'herken.key';

/** ApiError is a failed request, with the API's own code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function getKey() { return sessionStorage.getItem(keyName) || ''; }
export function setKey(key) { sessionStorage.setItem(keyName, key); }
export function clearKey() { sessionStorage.removeItem(keyName); }

/**
 * request calls the API and returns the Response when it is a success;
 * otherwise it throws an ApiError carrying the API's error message. A
 * 401 also fires "herken:unauthorized" on window, unless quiet401.
 */
export async function request(method, path, opts = {}) {
  const headers = { Authorization: 'Bearer ' + (opts.key ?? getKey()) };
  if (opts.contentType) headers['Content-Type'] = opts.contentType;
  let resp;
  try {
    resp = await fetch(path, {
      method, headers, body: opts.body, signal: opts.signal,
      cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', opts.networkHint ||
      'The service could not be reached (' + e.message + '). Check the connection and try again.');
  }
  if (resp.ok) return resp;
  const err = await problem(resp);
  if (resp.status === 401 && !opts.quiet401) {
    window.dispatchEvent(new CustomEvent('herken:unauthorized', { detail: err }));
  }
  throw err;
}

/** api calls the API and returns the decoded JSON answer. */
export async function api(method, path, opts) {
  const resp = await request(method, path, opts);
  return resp.json();
}

/** json sends v as a JSON body. */
export function json(method, path, v) {
  return api(method, path, { body: JSON.stringify(v), contentType: 'application/json' });
}

async function problem(resp) {
  let code = 'http_' + resp.status;
  let message = 'The service answered ' + resp.status + ' ' + resp.statusText + '.';
  try {
    const j = await resp.json();
    if (j && j.error && typeof j.error.message === 'string') {
      code = String(j.error.code || code);
      message = j.error.message;
    }
  } catch { /* not JSON: keep the status line */ }
  if (resp.status === 429) {
    const after = resp.headers.get('Retry-After');
    if (after) message += ' (retry in ' + after + ' s)';
  }
  return new ApiError(resp.status, code, message);
}
