// DOM helpers. Text from the data goes in as text nodes and attribute
// values, never as markup: nothing here parses HTML.

// h builds an element. props sets properties (className, href, title, …),
// with "on*" keys adding listeners and "dataset"/"attrs" objects; children
// are nodes or values, which become text.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'attrs') {
      for (const [a, av] of Object.entries(v)) if (av !== undefined) el.setAttribute(a, String(av));
    } else {
      el[k] = v;
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// clear empties an element.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// fmtUS prints a latency in microseconds in a unit that reads well.
export function fmtUS(us) {
  if (us === undefined || us === null) return '';
  if (us < 1000) return `${us} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 10000 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

// fmtTime prints an RFC 3339 time as UTC with milliseconds.
export function fmtTime(iso) {
  if (!iso || iso.startsWith('0001-')) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').replace(/\.(\d{3})Z$/, '.$1Z');
}

// shortType drops a message type's package path, as the Go side does.
export function shortType(t) {
  if (!t) return '';
  const i = t.lastIndexOf('/');
  return i >= 0 ? t.slice(i + 1) : t;
}

// traceHref is the page of one trace.
export function traceHref(id) {
  return '#/trace/' + encodeURIComponent(id);
}

// breakable is a name that may wrap after its dots, slashes, hyphens and
// underscores and between the words of a CamelCase name: its parts as text
// with <wbr> elements between them.
export function breakable(s) {
  if (!s) return '';
  return String(s).split(/(?<=[./_-])|(?<=[a-z])(?=[A-Z])/).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}

// EVENT_COLUMNS are the headers of eventCells and their shares of a
// table's width, in percent.
export const EVENT_COLUMNS = [
  ['service', 6.6], ['event', 5.2], ['operation', 6.4], ['channel', 7.4], ['message type', 8.6],
  ['peer', 6.6], ['latency', 4.4], ['status', 4.2],
];

// logTable is an event table of fixed column widths (name, percent); the
// column without a width, the error, gets the rest. A fixed layout keeps
// the table as wide as the page, so every column is on the screen and long
// values wrap in their cells instead of pushing the last columns off it.
export function logTable(id, columns, rows) {
  return h('div', { className: 'table-wrap' }, h('table', { className: 'log', id },
    h('colgroup', null, columns.map(([, width]) => h('col', { style: width ? `width: ${width}%` : undefined }))),
    h('thead', null, h('tr', null, columns.map(([name]) => h('th', null, name)))),
    h('tbody', null, rows)));
}

// eventCells are the cells every event table has, from the service to the
// status (EVENT_COLUMNS); each table puts its own columns around them.
export function eventCells(e) {
  return [
    h('td', null, breakable(e.service)),
    h('td', null, e.event_type),
    h('td', null, breakable(e.operation)),
    h('td', null, breakable(e.channel)),
    h('td', { title: e.message_type || '' }, breakable(shortType(e.message_type))),
    h('td', null, breakable(e.peer_service)),
    h('td', { className: 'num' }, fmtUS(e.duration_us)),
    h('td', null, statusBadge(e.status)),
  ];
}

// TAG_COLUMNS are the headers of tagCells; the error takes what is left.
export const TAG_COLUMNS = [['tags', 8.4], ['error']];

// tagCells are an event table's last two cells: the tags, one a line (a
// long one wraps after its "="), and the error.
export function tagCells(e) {
  return [
    h('td', { className: 'mono tags-cell' }, Object.entries(e.tags || {}).map(([k, v], i) => [i ? '\n' : '', `${k}=`, h('wbr'), v])),
    h('td', { className: 'err-text' }, e.error || ''),
  ];
}

// statusBadge shows an event's or flow's status.
export function statusBadge(status) {
  if (!status) return null;
  return h('span', { className: 'badge status-' + status.replace(/[^a-z-]/g, '') }, status);
}
