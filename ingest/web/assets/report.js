// report.js: the transparency statistics of a period (GET /v1/report) as
// figures and charts drawn here in SVG, with no external asset, and their
// CSV for the annual report.

import { $, el, fill, download } from './dom.js';
import { api, request } from './api.js';

const svgNS = 'http://www.w3.org/2000/svg';

/** svg makes an SVG element with attributes and children. */
function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/**
 * bars is a horizontal bar chart of rows [{label, value, text}], its bars
 * scaled to the largest value (or to max when given).
 */
function bars(id, title, rows, max) {
  const top = max ?? Math.max(1, ...rows.map((r) => r.value));
  const rowH = 26;
  const width = 560;
  const labelW = 190;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${Math.max(1, rows.length) * rowH + 4}`, class: 'chart', role: 'img', 'aria-labelledby': id + '-t' },
    svg('title', { id: id + '-t' }, title),
    rows.map((r, i) => {
      const w = Math.round((width - labelW - 130) * (r.value / top));
      const y = i * rowH + 4;
      return svg('g', { class: 'bar' },
        svg('text', { x: labelW - 8, y: y + 15, 'text-anchor': 'end', class: 'label' }, r.label),
        svg('rect', { x: labelW, y, width: Math.max(w, r.value > 0 ? 2 : 0), height: rowH - 8, class: 'fill' }),
        svg('text', { x: labelW + w + 6, y: y + 15, class: 'value' }, r.text ?? String(r.value)));
    }));
  return el('figure', { class: 'chart-figure', id }, el('figcaption', {}, title),
    rows.length ? chart : el('p', { class: 'muted' }, 'Nothing in this period.'));
}

/** columns is a column chart of the matches of each day. */
function columns(id, title, days) {
  const width = 560;
  const height = 160;
  const top = Math.max(1, ...days.map((d) => d.matches));
  const w = width / Math.max(1, days.length);
  return el('figure', { class: 'chart-figure', id }, el('figcaption', {}, title),
    svg('svg', { viewBox: `0 0 ${width} ${height + 20}`, class: 'chart', role: 'img', 'aria-labelledby': id + '-t' },
      svg('title', { id: id + '-t' }, title),
      days.map((d, i) => {
        const h = Math.round((height - 4) * d.matches / top);
        return svg('rect', { x: i * w + 1, y: height - h, width: Math.max(1, w - 2), height: h, class: 'fill' },
          svg('title', {}, `${d.day}: ${d.matches} matches of ${d.inputs} inputs`));
      }),
      svg('text', { x: 0, y: height + 16, class: 'label' }, days.length ? days[0].day : ''),
      svg('text', { x: width, y: height + 16, 'text-anchor': 'end', class: 'label' }, days.length ? days[days.length - 1].day : '')));
}

function period() {
  return `from=${encodeURIComponent($('report-from').value)}&to=${encodeURIComponent($('report-to').value)}`;
}

/** loadReport asks for the period's report and shows it. */
export async function loadReport() {
  const box = $('report-body');
  fill(box, el('p', { class: 'muted' }, 'Counting…'));
  let r;
  try {
    r = await api('GET', '/v1/report?' + period());
  } catch (e) {
    fill(box, el('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  const ch = r.inputs_by_channel || {};
  const entries = (m) => Object.entries(m || {}).sort((a, b) => a[0].localeCompare(b[0]));
  const fpRate = entries(r.banks).filter(([, t]) => t.confirmed + t.false_positive > 0).map(([name, t]) => {
    const rate = t.false_positive / (t.confirmed + t.false_positive);
    return { label: name, value: rate, text: `${Math.round(100 * rate)}% (${t.false_positive} of ${t.confirmed + t.false_positive})` };
  });
  fill(box,
    el('dl', { class: 'facts report-totals', id: 'report-totals' },
      [['Inputs checked', `${r.inputs} (upload ${ch.upload || 0}, URL ${ch.url || 0}, hash ${ch.hash || 0}, batch ${ch.batch || 0})`],
        ['Matches', `${r.matches}, of ${r.items_matched} distinct items`],
        ['Held back', `${r.shadow_matches} shadow matches, ${r.suppressed} suppressed by allow-lists, ${r.quarantined_matches} quarantined`],
        ['Verdicts', `${r.confirmed} confirmed, ${r.false_positive} false positive`],
        ['Retractions', String(r.retractions)], ['Quarantines', String(r.quarantines)]]
        .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    el('div', { class: 'charts' },
      columns('chart-days', 'Matches per day', r.days || []),
      bars('chart-categories', 'Matches by category (art. 2(7))', entries(r.categories).map(([n, t]) => ({ label: n, value: t.matches }))),
      bars('chart-banks', 'Matches by bank', entries(r.banks).map(([n, t]) => ({ label: n, value: t.matches }))),
      bars('chart-fp', 'False-positive rate per bank (analysts\' verdicts)', fpRate, 1)),
    (r.retraction_list || []).length
      ? el('section', {}, el('h2', {}, 'Retractions'), el('ul', { id: 'report-retractions' },
        r.retraction_list.map((x) => el('li', {}, `${x.at.slice(0, 10)}: item ${x.item_id} in bank ${x.bank}: ${x.reason}`))))
      : null);
}

async function downloadCSV() {
  try {
    const resp = await request('GET', '/v1/report?format=csv&' + period());
    download(`herken-report-${$('report-from').value}-${$('report-to').value}.csv`, 'text/csv', await resp.text());
  } catch (e) {
    fill($('report-body'), el('p', { class: 'error', role: 'alert' }, e.message));
  }
}

export function setupReport() {
  const today = new Date().toISOString().slice(0, 10);
  $('report-from').value = today.slice(0, 8) + '01';
  $('report-to').value = today;
  $('report-form').addEventListener('submit', (e) => { e.preventDefault(); loadReport(); });
  $('report-csv').addEventListener('click', downloadCSV);
}
