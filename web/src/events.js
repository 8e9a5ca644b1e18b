// The events page: the filters of `tracegraph events` as a form, and the
// matching events as a table that links to their traces.
import { get } from './api.js';
import { h, clear, fmtTime, traceHref, eventCells, tagCells, logTable, EVENT_COLUMNS, TAG_COLUMNS } from './dom.js';
import { WindowControl, TagControl } from './filters.js';

// Questions that fit any system, one click away. A system's own questions
// ("failed inventory updates for merchant 4c5d6e7") are the presets of its
// tracegraph.yaml, which /api/info lists; any other is a link to this page
// with its filters.
const GENERIC = [
  ['All failed events', { status: 'error' }],
  ['Failures in the last 24 hours', { status: 'error', since: '24h' }],
  ['Traces started', { type: 'start' }],
];

const FIELDS = [
  ['service', 'service'],
  ['type', 'event type'],
  ['status', 'status'],
  ['operation', 'operation'],
  ['channel', 'channel'],
  ['message_type', 'message type'],
  ['trace_id', 'trace id'],
];

function presetHref(p) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) for (const x of [].concat(v)) q.append(k, x);
  return '#/events?' + q.toString();
}

// questions are the configured presets, then the generic ones, as links.
function questions(info) {
  const own = (info.presets || []).filter((p) => p.page === 'events').map((p) => [p.label, '#/events?' + p.query]);
  return own.concat(GENERIC.map(([label, p]) => [label, presetHref(p)]));
}

// describeQuery says in words what a query asks: "service=x, status=error,
// where merchant_id=y, since 24h".
function describeQuery(params) {
  const parts = [];
  for (const [name] of FIELDS) if (params.get(name)) parts.push(`${name}=${params.get(name)}`);
  const where = params.getAll('where');
  if (where.length) parts.push('where ' + where.join(' '));
  if (params.get('since')) parts.push('since ' + params.get('since'));
  if (params.get('until')) parts.push('until ' + params.get('until'));
  if (!params.get('since') && !params.get('until')) parts.push('all time');
  return parts.join(', ');
}

export function renderEvents(root, params, info) {
  const go = () => {
    const q = new URLSearchParams();
    for (const [name] of FIELDS) {
      const v = inputs[name].value.trim();
      if (v) q.set(name, v);
    }
    const w = win.values();
    if (w.since) q.set('since', w.since);
    if (w.until) q.set('until', w.until);
    for (const t of tags.tags) q.append('where', t);
    if (limit.value && limit.value !== '500') q.set('limit', limit.value);
    location.hash = '#/events' + (q.toString() ? '?' + q.toString() : '');
  };
  const inputs = {};
  for (const [name, label] of FIELDS) {
    inputs[name] = name === 'status'
      ? h('select', { name }, ['', 'ok', 'error'].map((v) => h('option', { value: v }, v || 'any')))
      : h('input', { name, placeholder: label, size: name === 'message_type' ? 34 : 14, attrs: { list: name === 'type' ? 'event-types' : undefined } });
    inputs[name].value = params.get(name) || '';
  }
  const win = new WindowControl(() => {});
  win.set(params.get('since') || '', params.get('until') || '');
  const tags = new TagControl(() => {});
  tags.set(params.getAll('where'));
  const limit = h('input', { type: 'number', name: 'limit', min: 1, max: 10000, value: params.get('limit') || '500', className: 'depth' });
  const form = h('form', { className: 'events-form' },
    h('datalist', { id: 'event-types' }, ['publish', 'consume', 'request', 'serve', 'start', 'complete', 'error'].map((v) => h('option', { value: v }))),
    FIELDS.map(([name, label]) => h('label', null, h('span', null, label), inputs[name])),
    h('label', null, h('span', null, 'window'), win.el),
    h('label', null, h('span', null, 'tags'), tags.el),
    h('label', null, h('span', null, 'limit'), limit),
    h('button', { type: 'submit', className: 'primary' }, 'Search'));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); go(); });
  const results = h('div', { className: 'results' });
  root.append(h('div', { className: 'page events-page' },
    h('h1', null, 'Events'),
    h('div', { className: 'presets' }, 'Ask: ', questions(info).map(([label, href]) => h('a', { href, className: 'preset' }, label))),
    form, results));
  if (![...params.keys()].length) {
    results.appendChild(h('p', { className: 'hint' }, 'Fill in any filters and search, or pick a question above.'));
    return;
  }
  load(results, params, info);
}

async function load(el, params, info) {
  el.appendChild(h('p', null, 'Loading…'));
  const api = {};
  for (const k of new Set(params.keys())) api[k] = k === 'where' ? params.getAll(k) : params.get(k);
  let res;
  try {
    res = await get('/api/events', api);
  } catch (e) {
    clear(el).appendChild(h('p', { className: 'error' }, e.message));
    return;
  }
  const evs = res.events;
  if (!evs.length) {
    clear(el).appendChild(h('p', { className: 'empty', id: 'events-empty' },
      `No events match ${describeQuery(params)} in ${info.describe || 'the store'}.`));
    return;
  }
  clear(el).append(
    h('p', { className: 'count', id: 'event-count' }, `${evs.length} event${evs.length === 1 ? '' : 's'}`,
      res.truncated ? ` (the first ${res.limit}; narrow the filters or raise the limit)` : ''),
    logTable('events-table', [['time', 7.8], ['trace', 10.8], ...EVENT_COLUMNS, ...TAG_COLUMNS],
      evs.map((e) => h('tr', { dataset: { status: e.status } },
        h('td', { className: 'mono' }, fmtTime(e.timestamp)),
        h('td', { className: 'mono id' }, h('a', { href: traceHref(e.trace_id), className: 'trace-link' }, e.trace_id)),
        eventCells(e),
        tagCells(e)))));
}
