// The trace page: one trace as a tree of hops (built by the server from
// parent_ids) and as the time-ordered event log behind it.
import { get } from './api.js';
import { h, clear, fmtUS, fmtTime, shortType, traceHref, statusBadge, eventCells, tagCells, logTable, EVENT_COLUMNS, TAG_COLUMNS } from './dom.js';

export async function renderTrace(root, id) {
  const form = h('form', { className: 'trace-form' },
    h('input', { name: 'id', value: id, placeholder: 'trace id', size: 40, spellcheck: false, attrs: { 'aria-label': 'Trace id' } }),
    h('button', { type: 'submit' }, 'Open'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = form.elements.id.value.trim();
    if (v) location.hash = traceHref(v);
  });
  const body = h('div', { className: 'trace-body' });
  root.append(h('div', { className: 'page trace-page' }, h('h1', null, 'Trace'), form, body));
  if (!id) {
    body.appendChild(h('p', { className: 'hint' }, 'Paste a trace id, or open one from an edge’s recent traces on the topology page or from the events page.'));
    return;
  }
  body.appendChild(h('p', null, 'Loading…'));
  let t;
  try {
    t = await get('/api/trace/' + encodeURIComponent(id));
  } catch (e) {
    clear(body).appendChild(h('p', { className: 'error' }, e.message));
    return;
  }
  const evs = t.events;
  const t0 = new Date(evs[0].timestamp).getTime();
  const start = evs.find((e) => e.event_type === 'start');
  const complete = evs.find((e) => e.event_type === 'complete');
  const services = new Set(evs.map((e) => e.service));
  const errors = evs.filter((e) => e.status === 'error').length;
  // A loop, not Math.max(...evs): spreading ten thousand arguments can
  // overflow the stack.
  let last = t0;
  for (const e of evs) last = Math.max(last, new Date(e.timestamp).getTime() + e.duration_us / 1000);
  clear(body).append(
    h('div', { className: 'trace-head' },
      h('span', { className: 'mono' }, t.trace_id), ' · ',
      start ? [h('b', null, start.operation || 'trace'), ' by ', h('b', null, start.service), ' · '] : '',
      `${evs.length} events · ${services.size} services · ${errors} errors · started ${fmtTime(evs[0].timestamp)} · `,
      `took ${fmtUS(complete ? complete.duration_us : Math.round((last - t0) * 1000))}`,
      ' ', statusBadge(complete ? complete.status : (errors ? 'error' : 'ok'))),
    t.truncated ? h('p', { className: 'error' }, `This trace has more events than a page shows; these are the first ${evs.length}.`) : '',
    h('h2', null, 'Tree'),
    treeList(t.tree, { t0, span: Math.max(last - t0, 0.001) }),
    h('h2', null, 'Event log'),
    eventLog(evs, t0),
  );
}

const RECEIVES = new Set(['consume', 'serve']);

// MAX_DEPTH is how many levels of a trace's tree the page draws; a node at
// that depth is one line that says how many levels lie below, as
// `tracegraph trace` prints it (render.MaxTraceDepth). A trace thousands of
// hops deep would otherwise be thousands of nested lists, which the browser
// takes minutes to lay out, for an indentation wider than any screen.
const MAX_DEPTH = 64;

// INDENT_DEPTH is how many levels are indented; deeper ones line up under
// the last indented level and say their level, so the rows keep the page's
// width instead of being pushed into a narrow column at its right edge.
const INDENT_DEPTH = 12;

// treeList is the trace's forest: each event and, under it, the events it
// caused (the consumers of a publish, the serving of a request, what a
// handler sent in turn). It walks with a stack of its own, not the call
// stack, which a deep trace overflows; each event is visited once.
function treeList(roots, clock) {
  const top = h('ul', { className: 'tree', id: 'trace-tree' });
  const stack = [];
  const push = (nodes, parent, depth) => {
    for (let i = nodes.length - 1; i >= 0; i--) stack.push({ node: nodes[i], parent, depth });
  };
  push(roots, top, 0);
  while (stack.length) {
    const { node, parent, depth } = stack.pop();
    if (depth === MAX_DEPTH) {
      parent.appendChild(h('li', { className: 'more-levels' }, `… ${levels(node)} more levels`));
      continue;
    }
    const row = hopRow(node.event, clock, depth);
    if (!node.children.length) {
      parent.appendChild(h('li', null, row));
      continue;
    }
    const list = h('ul', { className: depth + 1 > INDENT_DEPTH ? 'unindented' : undefined });
    parent.appendChild(h('li', null, h('details', { open: true }, h('summary', null, row), list)));
    push(node.children, list, depth + 1);
  }
  return top;
}

// levels is the depth of the tree under node, node included.
function levels(node) {
  let deepest = 0;
  const stack = [[node, 1]];
  while (stack.length) {
    const [n, d] = stack.pop();
    if (d > deepest) deepest = d;
    for (const c of n.children) stack.push([c, d + 1]);
  }
  return deepest;
}

// hopRow is one event of the tree: who did what, when and how long.
function hopRow(e, clock, depth) {
  const { t0, span } = clock;
  const start = new Date(e.timestamp).getTime() - t0;
  return h('div', { className: 'hop', dataset: { status: e.status, type: e.event_type } },
    depth > INDENT_DEPTH ? h('span', { className: 'level', title: 'level in the tree' }, `L${depth}`) : '',
    h('span', { className: 'hop-kind' }, e.event_type), ' ',
    h('b', { className: 'svc' }, e.service),
    // A receiver names its sender, a sender the service it called.
    e.peer_service ? [RECEIVES.has(e.event_type) ? ' ← ' : ' → ', h('span', { className: 'svc peer' }, e.peer_service)] : '',
    e.operation ? [' ', h('span', { className: 'op' }, e.operation)] : '',
    e.channel ? [' ', h('span', { className: 'chan' }, e.channel)] : '',
    e.message_type ? [' ', h('span', { className: 'type', title: e.message_type }, shortType(e.message_type))] : '',
    ' ', h('span', { className: 'lat' }, fmtUS(e.duration_us)), ' ',
    statusBadge(e.status),
    h('span', { className: 'offset' }, `+${start} ms`),
    // Where the hop falls in the trace, and how long it took.
    h('span', { className: 'bar-track', title: `${fmtUS(e.duration_us)} from +${start} ms` },
      h('span', {
        className: 'bar',
        style: `left: ${(100 * start / span).toFixed(2)}%; width: ${Math.max(0.5, 100 * e.duration_us / 1000 / span).toFixed(2)}%`,
      })),
    e.error ? h('div', { className: 'err-text' }, e.error) : '');
}

// shortID keeps the end of a long id, the part that differs between the
// time-ordered ids of one trace; the full id is in the cell's title.
function shortID(id) {
  if (!id) return '';
  return id.length > 14 ? '…' + id.slice(-10) : id;
}

function eventLog(evs, t0) {
  const cols = [['+ms', 3], ['time', 7.6], ...EVENT_COLUMNS, ['message id', 6.6], ['parents', 6.6], ...TAG_COLUMNS];
  return logTable('trace-log', cols, evs.map((e) => h('tr', { dataset: { status: e.status } },
    h('td', { className: 'num' }, String(new Date(e.timestamp).getTime() - t0)),
    h('td', { className: 'mono' }, fmtTime(e.timestamp)),
    eventCells(e),
    h('td', { className: 'mono', title: e.message_id || '' }, shortID(e.message_id)),
    h('td', { className: 'mono', title: (e.parent_ids || []).join(' ') }, (e.parent_ids || []).map(shortID).join(' ')),
    tagCells(e))));
}
