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

// eventCells are the cells every event table has, from the service to the
// status; each table puts its own columns around them.
export function eventCells(e) {
  return [
    h('td', null, e.service),
    h('td', null, e.event_type),
    h('td', null, e.operation || ''),
    h('td', null, e.channel || ''),
    h('td', { title: e.message_type || '' }, shortType(e.message_type)),
    h('td', null, e.peer_service || ''),
    h('td', { className: 'num' }, fmtUS(e.duration_us)),
    h('td', null, statusBadge(e.status)),
  ];
}

// tagCells are an event table's last two cells: the tags and the error.
export function tagCells(e) {
  return [
    h('td', { className: 'mono' }, Object.entries(e.tags || {}).map(([k, v]) => `${k}=${v}`).join(' ')),
    h('td', { className: 'err-text' }, e.error || ''),
  ];
}

// statusBadge shows an event's or flow's status.
export function statusBadge(status) {
  if (!status) return null;
  return h('span', { className: 'badge status-' + status.replace(/[^a-z-]/g, '') }, status);
}
