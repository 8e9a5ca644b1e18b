// The topology page: the observed graph or the diff, force-directed, with
// the flows behind a node or an edge in a side panel.
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import { get } from './api.js';
import { h, clear, fmtUS, fmtTime, shortType, traceHref, statusBadge } from './dom.js';
import { WindowControl, TagControl } from './filters.js';

cytoscape.use(fcose);

// DESIGN's colours for flow statuses; an observed graph's flows have none.
const STATUS = [
  ['converged', '#2e7d32', 'solid', 'in the code and in the traces'],
  ['undeclared', '#d32f2f', 'solid', 'in the traces, not in the code'],
  ['unobserved', '#9e9e9e', 'dashed', 'in the code, never seen'],
  ['type-mismatch', '#ef6c00', 'solid', 'same flow, another message type'],
];
const PLAIN = '#546e7a';

// How many flows of a selection load their recent traces at once.
const AUTO_TRACES = 12;
const MAX_CARDS = 60;

function graphStyle(big) {
  const s = [
    {
      selector: 'node',
      style: {
        // A large graph is first drawn without names, which cost a second
        // to measure and are too small to read at its first zoom anyway;
        // they come with the refined layout or the first selection.
        label: big ? '' : 'data(label)', 'font-size': 11, 'font-family': 'system-ui, sans-serif',
        'text-valign': 'center', 'text-halign': 'center', color: '#102a43',
        shape: 'round-rectangle', width: 'data(w)', height: 24,
        'background-color': '#e3f2fd', 'border-color': '#1565c0', 'border-width': 1.5,
        'min-zoomed-font-size': big ? 7 : 0,
      },
    },
    { selector: 'node.named', style: { label: 'data(label)' } },
    { selector: 'node[kind = "message"]', style: { shape: 'ellipse', 'background-color': '#f3e5f5', 'border-color': '#6a1b9a', height: 22 } },
    { selector: 'node[kind = "channel"]', style: { shape: 'tag', 'background-color': '#fff8e1', 'border-color': '#8d6e63', height: 22 } },
    { selector: 'node[?virtual]', style: { 'border-style': 'dashed', 'background-color': '#f5f5f5' } },
    {
      selector: 'node[kind = "team"]',
      style: {
        shape: 'round-rectangle', 'background-color': '#f4f7fa', 'background-opacity': 0.7, 'border-color': '#b0bec5',
        'border-style': 'dashed', 'border-width': 1, 'text-valign': 'top', 'text-halign': 'center', 'font-size': big ? 40 : 13,
        color: '#607d8b', 'font-weight': 'bold', padding: 14, 'min-zoomed-font-size': 0,
      },
    },
    {
      selector: 'edge',
      style: {
        'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.9,
        'control-point-step-size': big ? 40 : 80,
        width: 'data(width)', 'line-color': PLAIN, 'target-arrow-color': PLAIN,
        // Measuring 1,500 edge labels costs seconds, so a large graph
        // labels only the edges of what is selected.
        label: big ? '' : 'data(label)', 'font-size': 9, 'text-wrap': 'wrap', color: '#37474f',
        'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 1,
        'text-background-shape': 'round-rectangle',
        // placeLabels moves a label off another one.
        'text-margin-x': 'data(dx)', 'text-margin-y': 'data(dy)',
        'min-zoomed-font-size': big ? 100 : 7,
      },
    },
  ];
  for (const [status, colour, line] of STATUS) {
    s.push({
      selector: `edge[status = "${status}"]`,
      style: { 'line-color': colour, 'target-arrow-color': colour, 'line-style': line, color: colour },
    });
  }
  s.push(
    { selector: 'edge[status = "undeclared"]', style: { width: 'data(wide)' } },
    { selector: 'node.match', style: { 'border-color': '#ff6f00', 'border-width': 4 } },
    { selector: '.dim', style: { opacity: 0.15 } },
    { selector: 'node:selected', style: { 'border-color': '#0d47a1', 'border-width': 4, 'background-color': '#bbdefb' } },
    { selector: 'edge:selected', style: { width: 'data(wide)', label: 'data(label)', 'min-zoomed-font-size': 0, 'z-index': 10 } },
    { selector: 'edge.near', style: { label: 'data(label)', 'min-zoomed-font-size': 0 } },
  );
  return s;
}

// seeded runs fn with Math.random replaced by a fixed-seed generator
// (mulberry32), so that the same graph is laid out the same way on every
// load and a service stays where a person last saw it. The layouts run
// synchronously (animate: false), so nothing else sees the swap.
function seeded(fn) {
  const random = Math.random;
  let a = 0x2f6b7a1d;
  Math.random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    fn();
  } finally {
    Math.random = random;
  }
}

// edgeLabel stacks an edge's message types, a few at most.
function edgeLabel(labels) {
  if (labels.length <= 3) return labels.join('\n');
  return `${labels.slice(0, 2).join('\n')}\n+${labels.length - 2} more`;
}

// labelOffsets are the places placeLabels tries for a label of width w and
// height hgt, nearest first: its own, then steps up, down and sideways,
// never further than its own size from where it was.
function labelOffsets(w, hgt) {
  const out = [];
  for (let i = -4; i <= 4; i++) {
    for (const fx of [0, -0.3, 0.3, -0.55, 0.55]) out.push([fx * w, i * 0.6 * hgt]);
  }
  return out.sort((a, b) => (a[0] * a[0] + a[1] * a[1]) - (b[0] * b[0] + b[1] * b[1]) || a[1] - b[1] || a[0] - b[0]);
}

// overlaps says whether box a, grown by gap on every side, meets any of boxes.
function overlaps(a, boxes, gap) {
  return boxes.some((o) => a.x1 - gap < o.x2 && o.x1 < a.x2 + gap && a.y1 - gap < o.y2 && o.y1 < a.y2 + gap);
}

const LABEL_BOX = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false };

// locOf is where a finding is: repository, file and line.
function locOf(x) {
  if (!x.file) return '';
  return (x.repo ? x.repo + ' ' : '') + x.file + (x.line ? ':' + x.line : '');
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// typeCell shows a message type by its short name, its package below.
function typeCell(t) {
  const short = shortType(t);
  const pkg = t.slice(0, t.length - short.length);
  return h('span', { title: t }, h('b', null, short), pkg ? h('span', { className: 'pkg' }, pkg) : '');
}

export class TopologyPage {
  constructor(info) {
    this.info = info;
    this.query = null;
    this.data = null;
    this.cy = null;
    this.selected = null;

    const reload = () => this.navigate();
    this.source = h('select', { name: 'source', title: 'Graph', onchange: reload },
      h('option', { value: 'diff' }, 'Diff (declared vs observed)'),
      h('option', { value: 'observed' }, 'Observed'));
    this.source.hidden = !info.declared;
    this.view = h('select', { name: 'view', title: 'View', onchange: reload },
      info.views.map((v) => h('option', { value: v }, v[0].toUpperCase() + v.slice(1))));
    this.search = h('input', {
      type: 'search', name: 'search', placeholder: 'Search services, types…', size: 18,
      oninput: () => this.highlight(),
      onkeydown: (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); this.selectFirstMatch(); } },
    });
    this.searchNote = h('span', { id: 'search-note', className: 'search-note', hidden: true, attrs: { role: 'status' } });
    this.services = h('datalist', { id: 'service-names' });
    this.focus = h('input', { name: 'focus', placeholder: 'focus on service', size: 16, attrs: { list: 'service-names' }, onchange: reload });
    this.depth = h('input', { type: 'number', name: 'depth', min: 0, max: 100, value: 1, title: 'Depth', className: 'depth', onchange: reload });
    this.window = new WindowControl(reload);
    this.window.onCustom = (w) => {
      const seen = this.data ? this.data.graph.flows.filter((f) => f.stats) : [];
      if (!seen.length) return;
      const first = Math.min(...seen.map((f) => Date.parse(f.stats.first_seen)));
      const last = Math.max(...seen.map((f) => Date.parse(f.stats.last_seen)));
      // until is exclusive: one second past the last event keeps it.
      w.suggest(new Date(first).toISOString(), new Date(last + 1000).toISOString());
    };
    this.tags = new TagControl(reload);

    this.status = h('div', { className: 'status-line', attrs: { role: 'status' } });
    this.graphEl = h('div', { id: 'graph', className: 'graph' });
    // Why the graph is empty: no events in the window, none with the tags.
    this.graphNote = h('div', { id: 'graph-note', className: 'graph-note', hidden: true, attrs: { role: 'status' } });
    this.legend = this.buildLegend();
    // What the analysis could not resolve, and its diagnostics.
    this.findings = h('details', { id: 'findings', className: 'findings', hidden: true });
    this.details = h('aside', { id: 'details', className: 'details' },
      h('p', { className: 'hint' }, 'Click a service or an edge to see its flows.'));

    this.el = h('div', { className: 'topology' },
      h('div', { className: 'toolbar' },
        this.source, this.view, this.search, this.searchNote,
        h('span', { className: 'focus' }, this.focus, 'depth', this.depth,
          h('button', { type: 'button', onclick: () => { this.focus.value = ''; reload(); } }, 'All')),
        this.window.el, this.tags.el, this.services),
      this.status,
      h('div', { className: 'split' },
        h('div', { className: 'graph-col' }, h('div', { className: 'graph-wrap' }, this.graphEl, this.graphNote), this.legend, this.findings),
        this.details));
  }

  buildLegend() {
    const rows = STATUS.map(([status, colour, line, meaning]) =>
      h('li', { dataset: { status } },
        h('span', { className: 'swatch', style: `border-top: 3px ${line} ${colour}` }),
        h('b', null, status), ' ', meaning));
    rows.unshift(h('li', { dataset: { status: '' } },
      h('span', { className: 'swatch', style: `border-top: 3px solid ${PLAIN}` }), h('b', null, 'observed'), ' flow'));
    return h('div', { className: 'legend', attrs: { 'aria-label': 'Legend' } },
      h('ul', null, rows),
      h('div', { className: 'legend-nodes' },
        h('span', { className: 'node-key service' }, 'service'),
        h('span', { className: 'node-key virtual' }, 'virtual peer'),
        h('span', { className: 'node-key message' }, 'message type'),
        h('span', { className: 'node-key channel' }, 'channel')));
  }

  // navigate writes the controls into the URL; hashchange then loads.
  navigate() {
    const q = new URLSearchParams();
    if (this.info.declared) q.set('source', this.source.value);
    if (this.view.value !== 'services') q.set('view', this.view.value);
    const focus = this.focus.value.trim();
    if (focus) {
      q.set('focus', focus);
      q.set('depth', this.depth.value || '1');
    }
    const w = this.window.values();
    if (w.since) q.set('since', w.since);
    if (w.until) q.set('until', w.until);
    for (const t of this.tags.tags) q.append('where', t);
    const frag = '#/' + (q.toString() ? '?' + q.toString() : '');
    if (location.hash === frag || (location.hash === '' && frag === '#/')) this.show(q);
    else location.hash = frag;
  }

  // show loads the graph the parameters name, unless it is already shown.
  show(params) {
    const source = this.info.declared ? (params.get('source') || this.info.source) : 'observed';
    this.source.value = source;
    this.view.value = params.get('view') || 'services';
    this.focus.value = params.get('focus') || '';
    this.depth.value = params.get('depth') || '1';
    this.window.set(params.get('since') || '', params.get('until') || '');
    this.tags.set(params.getAll('where'));
    const api = {
      view: this.view.value, since: params.get('since'), until: params.get('until'),
      where: params.getAll('where'), focus: this.focus.value, depth: this.focus.value ? this.depth.value : '',
    };
    // select=ID opens a node's flows once the graph is drawn: a link can
    // point at one service.
    this.pendingSelect = params.get('select') || '';
    const key = JSON.stringify([source, api]);
    if (key === this.query) {
      this.applySelect();
      return;
    }
    this.query = key;
    this.load(source === 'diff' ? '/api/diff' : '/api/graph', api, key);
  }

  async load(path, api, key) {
    this.status.textContent = 'Loading…';
    delete this.graphEl.dataset.rendered;
    delete this.graphEl.dataset.refined;
    this.status.classList.remove('error');
    this.graphNote.hidden = true;
    const t0 = performance.now();
    let data;
    try {
      data = await get(path, api);
    } catch (e) {
      if (key !== this.query) return;
      this.status.textContent = e.message;
      this.status.classList.add('error');
      this.drawn(t0, 0);
      return;
    }
    if (key !== this.query) return;
    this.data = data;
    this.fetchedMs = performance.now() - t0;
    this.draw(t0);
  }

  draw(t0) {
    const { view, graph } = this.data;
    const big = view.nodes.length > 150;
    this.big = big;
    clear(this.services);
    for (const s of graph.services) this.services.appendChild(h('option', { value: s.name }));
    const maxCount = Math.max(1, ...view.edges.map((e) => e.count));
    const elements = [];
    // Services of one team are drawn inside a box of the team, as the
    // other renderings cluster them.
    const teams = new Set();
    for (const n of view.nodes) {
      const d = { id: n.id, label: n.label, kind: n.kind, team: n.team || '', virtual: !!n.virtual, w: Math.max(36, n.label.length * 6.6 + 16) };
      if (n.team) {
        d.parent = 'team:' + n.team;
        teams.add(n.team);
      }
      elements.push({ group: 'nodes', data: d });
    }
    for (const t of teams) {
      elements.push({ group: 'nodes', data: { id: 'team:' + t, label: t, kind: 'team', team: t, w: 0 } });
    }
    for (const e of view.edges) {
      const width = e.count ? 1.5 + 3.5 * Math.log(1 + e.count) / Math.log(1 + maxCount) : 1.5;
      elements.push({
        group: 'edges',
        data: {
          id: e.id, source: e.from, target: e.to, status: e.status,
          label: edgeLabel(e.labels) + (e.errors ? `\n${e.errors} of ${e.count} failed` : ''),
          count: e.count, errors: e.errors, flows: e.flows, width, wide: width + 2, dx: 0, dy: 0,
        },
      });
    }
    const tInit = performance.now();
    if (this.cy) this.cy.destroy();
    this.selected = null;
    this.cy = cytoscape({
      container: this.graphEl,
      elements,
      style: graphStyle(big),
      layout: { name: 'preset' },
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      textureOnViewport: big,
      hideEdgesOnViewport: big,
    });
    this.cy.on('tap', 'node', (ev) => this.selectNode(ev.target));
    this.cy.on('tap', 'edge', (ev) => this.selectEdge(ev.target));
    this.cy.on('tap', (ev) => { if (ev.target === this.cy) this.unselect(); });
    // A node dragged elsewhere takes its edges' labels with it.
    this.cy.on('dragfree', 'node', () => this.placeLabels());
    // Names become readable from about this zoom on (min-zoomed-font-size).
    this.cy.on('zoom', () => { if (this.cy.zoom() > 0.6) this.nameNodes(); });
    // A large graph is drawn twice: a fast spectral draft first, so the
    // page shows it soon, then refined in place to pull overlapping nodes
    // apart. A small graph gets the refined layout at once.
    const cy = this.cy;
    const base = {
      name: 'fcose', animate: false, packComponents: true, padding: 30,
      nodeRepulsion: () => (big ? 12000 : 30000), idealEdgeLength: () => (big ? 80 : 170), nodeSeparation: 100,
    };
    this.initMs = performance.now() - tInit;
    const tLayout = performance.now();
    const first = cy.layout({ ...base, quality: big ? 'draft' : 'default', randomize: true, numIter: 2500 });
    first.one('layoutstop', () => {
      this.layoutMs = performance.now() - tLayout;
      this.placeLabels();
      this.fit();
      requestAnimationFrame(() => {
        this.drawn(t0, view.nodes.length);
        this.applySelect();
        if (!big) return;
        setTimeout(() => {
          if (this.cy !== cy) return;
          const tRefine = performance.now();
          const refine = cy.layout({ ...base, quality: 'default', randomize: false, numIter: 600 });
          refine.one('layoutstop', () => {
            this.nameNodes();
            if (!this.selected) this.fit();
            window.tracegraph.refineMs = Math.round(performance.now() - tRefine);
            this.graphEl.dataset.refined = 'true';
          });
          seeded(() => refine.run());
        }, 0);
      });
    });
    seeded(() => first.run());
    this.highlight();
    this.legend.dataset.source = this.data.source;
    const flows = graph.flows.length;
    const errs = graph.flows.reduce((n, f) => n + (f.stats ? f.stats.errors : 0), 0);
    const parts = [`${graph.services.length} services`, `${flows} flows`, `${view.nodes.length} nodes, ${view.edges.length} edges`];
    if (errs) parts.push(`${errs} errors`);
    if (this.data.source === 'diff') {
      for (const [status] of STATUS) {
        const n = graph.flows.filter((f) => f.status === status).length;
        if (n) parts.push(`${n} ${status}`);
      }
    }
    const w = this.data.window;
    parts.push(w.since || w.until ? `window ${fmtTime(w.since) || '…'} – ${fmtTime(w.until) || 'now'}` : 'all time');
    if (w.where.length) parts.push('where ' + w.where.join(' '));
    if (this.data.focus) parts.push(`focus ${this.data.focus} depth ${this.data.depth}`);
    this.summary = parts.join(' · ');
    this.status.textContent = this.summary;
    if (!view.nodes.length) this.status.textContent += ' — nothing in this window and filter';
    this.showEmpty();
    this.showFindings(graph);
  }

  // showEmpty says, over the graph, why the observed graph has no flows
  // (the server's empty field): no events in the window, or none with the
  // tags, naming the store it looked in.
  showEmpty() {
    const { empty, describe, window: w } = this.data;
    const note = this.graphNote;
    note.hidden = !empty;
    if (!empty) return;
    const store = describe || 'the store';
    let span = '';
    if (w.since && w.until) span = `between ${fmtTime(w.since)} and ${fmtTime(w.until)}`;
    else if (w.since) span = `since ${fmtTime(w.since)}`;
    else if (w.until) span = `before ${fmtTime(w.until)}`;
    const at = (span ? span + ' ' : '') + 'in ' + store;
    if (empty === 'window') note.textContent = `No events ${at}`;
    else if (empty === 'filter') note.textContent = `There are events ${at}, but none has ${w.where.join(' and ')}`;
    else note.textContent = `The events ${at}${w.where.length ? ' with ' + w.where.join(' and ') : ''} make no flows: none is a publish, consume, request or serve`;
  }

  // showFindings lists the graph's unresolved names (with their
  // candidates) and diagnostics (with file:line) under the legend.
  showFindings(graph) {
    const unresolved = graph.unresolved || [];
    const diags = graph.diagnostics || [];
    const el = this.findings;
    el.hidden = !unresolved.length && !diags.length;
    const open = el.open;
    clear(el);
    if (el.hidden) return;
    const counts = [];
    if (unresolved.length) counts.push(plural(unresolved.length, 'unresolved name', 'unresolved names'));
    if (diags.length) counts.push(plural(diags.length, 'diagnostic', 'diagnostics'));
    el.append(
      h('summary', null, counts.join(' · ')),
      unresolved.length ? h('section', { className: 'unresolved' },
        h('h3', null, 'Unresolved names'),
        h('p', { className: 'hint' }, 'Channel names the analysis could not read from the code: no flow is drawn for them.'),
        h('ul', null, unresolved.map((u) => h('li', null,
          h('span', { className: 'mono loc' }, locOf(u)), ' ',
          h('b', null, u.service), ' ', u.role, ' ', h('code', null, u.expr), ': ', u.reason,
          u.candidates && u.candidates.length
            ? h('div', { className: 'candidates' }, 'candidates: ', u.candidates.map((c, i) => [i ? ', ' : '', h('code', null, c)]))
            : '')))) : '',
      diags.length ? h('section', { className: 'diagnostics' },
        h('h3', null, 'Diagnostics'),
        h('ul', null, diags.map((d) => h('li', null,
          locOf(d) ? [h('span', { className: 'mono loc' }, locOf(d)), ' '] : '',
          d.rule ? [h('span', { className: 'badge' }, d.rule), ' '] : '',
          d.baselined ? [h('span', { className: 'badge' }, 'baselined'), ' '] : '',
          d.message,
          d.package ? h('div', { className: 'mono pkg' }, d.package) : '')))) : '');
    el.open = open;
  }

  // placeLabels moves edge labels that would cover one another: each label,
  // in edge order, takes the nearest place (labelOffsets) that covers no
  // label placed before it, and no node if one such is near enough.
  placeLabels() {
    if (!this.cy || this.big) return;
    const cy = this.cy;
    const edges = cy.edges().filter((e) => e.data('label')).sort((a, b) => (a.id() < b.id() ? -1 : 1));
    cy.batch(() => edges.forEach((e) => { e.data('dx', 0); e.data('dy', 0); }));
    const nodes = cy.nodes().filter((n) => !n.isParent()).map((n) => n.boundingBox({ includeLabels: true, includeOverlays: false }));
    const placed = [];
    edges.forEach((e) => {
      const b = e.boundingBox(LABEL_BOX);
      const w = b.x2 - b.x1;
      const hgt = b.y2 - b.y1;
      let best = null;
      for (const [ox, oy] of labelOffsets(w, hgt)) {
        const c = { x1: b.x1 + ox, x2: b.x2 + ox, y1: b.y1 + oy, y2: b.y2 + oy };
        if (overlaps(c, placed, 2)) continue;
        if (!overlaps(c, nodes, 0)) {
          best = [ox, oy];
          break;
        }
        if (!best) best = [ox, oy];
      }
      if (!best) best = [0, 0];
      e.data('dx', best[0]);
      e.data('dy', best[1]);
      placed.push(e.boundingBox(LABEL_BOX));
    });
  }

  applySelect() {
    const id = this.pendingSelect;
    this.pendingSelect = '';
    const n = id && this.cy && this.cy.getElementById(id);
    if (!n || !n.length) return;
    this.cy.elements().unselect();
    n.select();
    this.selectNode(n);
  }

  fit() {
    this.cy.fit(undefined, 30);
    // A handful of services would otherwise fill the screen.
    if (this.cy.zoom() > 1.4) {
      this.cy.zoom(1.4);
      this.cy.center();
    }
  }

  // drawn records the time to first render, which the browser test reads.
  drawn(t0, nodes) {
    const ms = Math.round(performance.now() - t0);
    window.tracegraph = {
      rendered: true, renderMs: ms, sinceNavigationMs: Math.round(performance.now()), nodes,
      fetchMs: Math.round(this.fetchedMs || 0), initMs: Math.round(this.initMs || 0), layoutMs: Math.round(this.layoutMs || 0),
      // Where a node is on the page, so a browser test can click it.
      nodeCenter: (id) => {
        const n = this.cy && this.cy.getElementById(id);
        if (!n || !n.length) return null;
        const p = n.renderedPosition();
        const r = this.graphEl.getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      // The boxes of the drawn edge labels, in the graph's coordinates, so
      // a browser test can check that no two overlap.
      edgeLabelBoxes: () => (this.cy ? this.cy.edges().filter((e) => e.data('label')).map((e) => {
        const b = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false });
        const m = e.midpoint();
        return { id: e.id(), label: e.data('label'), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, mx: m.x, my: m.y };
      }) : []),
    };
    this.graphEl.dataset.rendered = String(nodes);
    if (this.summary && nodes) this.status.textContent = `${this.summary} · drawn in ${ms} ms`;
  }

  highlight() {
    this.searchNote.hidden = true;
    if (!this.cy) return;
    const typed = this.search.value.trim();
    const q = typed.toLowerCase();
    this.cy.batch(() => {
      this.cy.elements().removeClass('match dim');
      if (!q) return;
      const hit = this.cy.nodes().filter((n) => n.data('label').toLowerCase().includes(q) || n.id().toLowerCase().includes(q));
      if (!hit.length) {
        this.searchNote.textContent = `Nothing matches “${typed}”`;
        this.searchNote.hidden = false;
        return;
      }
      hit.addClass('match');
      const near = hit.closedNeighborhood();
      this.cy.elements().difference(near.union(near.nodes().ancestors())).addClass('dim');
    });
  }

  selectFirstMatch() {
    const hit = this.cy && this.cy.nodes('.match');
    if (!hit || !hit.length) return;
    const n = hit[0];
    this.cy.animate({ center: { eles: n }, zoom: Math.max(this.cy.zoom(), 1) }, { duration: 200 });
    this.cy.elements().unselect();
    n.select();
    this.selectNode(n);
  }

  unselect() {
    this.selected = null;
    this.highlight();
    clear(this.details).appendChild(h('p', { className: 'hint' }, 'Click a service or an edge to see its flows.'));
  }

  // nameNodes shows every node's name (see graphStyle).
  nameNodes() {
    if (this.named === this.cy) return;
    this.named = this.cy;
    this.cy.batch(() => this.cy.nodes().addClass('named'));
  }

  // spotlight dims everything but eles, so a selection stands out in a
  // large graph; an empty collection undims.
  spotlight(eles) {
    this.cy.batch(() => {
      this.cy.elements().removeClass('dim near');
      if (!eles.length) return;
      // A dimmed team box would dim the services in it too.
      eles = eles.union(eles.nodes().ancestors());
      this.cy.elements().difference(eles).addClass('dim');
      eles.edges().addClass('near');
    });
  }

  selectNode(node) {
    this.nameNodes();
    // A team stands for its services.
    const members = node.isParent() ? node.descendants() : node;
    this.spotlight(members.closedNeighborhood().union(node).union(members.ancestors()));
    const flows = new Set();
    members.connectedEdges().forEach((e) => e.data('flows').forEach((i) => flows.add(i)));
    const d = node.data();
    const svc = d.kind === 'service' ? this.data.graph.services.find((s) => s.name === d.label) : null;
    const meta = [];
    if (svc && svc.team) meta.push(h('div', null, 'team ', h('b', null, svc.team)));
    if (svc && svc.package) meta.push(h('div', { className: 'mono' }, svc.package));
    if (svc && svc.virtual) meta.push(h('div', null, 'virtual peer: named only by the other side'));
    const actions = d.kind === 'service'
      ? h('div', { className: 'actions' },
        h('button', { type: 'button', onclick: () => { this.focus.value = d.label; this.navigate(); } }, 'Focus here'),
        h('a', { href: '#/events?' + new URLSearchParams({ service: d.label }).toString() }, 'Events of this service'))
      : null;
    this.showFlows({ kind: d.kind, title: d.label, meta, actions }, [...flows].sort((a, b) => a - b), d);
  }

  selectEdge(edge) {
    this.nameNodes();
    this.spotlight(edge.union(edge.connectedNodes()));
    const d = edge.data();
    const from = this.cy.getElementById(d.source).data('label');
    const to = this.cy.getElementById(d.target).data('label');
    this.showFlows({ kind: 'edge', title: `${from} → ${to}`, meta: [], actions: null }, d.flows, d);
  }

  showFlows(head, flowIdx, sel) {
    this.selected = sel;
    const flows = flowIdx.map((i) => this.data.graph.flows[i]);
    const cards = flows.slice(0, MAX_CARDS).map((f, i) => this.flowCard(f, i < AUTO_TRACES));
    const counts = flows.reduce((a, f) => {
      a.count += f.stats ? f.stats.count : 0;
      a.errors += f.stats ? f.stats.errors : 0;
      return a;
    }, { count: 0, errors: 0 });
    clear(this.details).append(
      h('h2', { className: 'sel-title' }, h('span', { className: 'kind' }, head.kind), ' ', h('span', { className: 'name' }, head.title)),
      ...head.meta,
      head.actions || '',
      h('p', { className: 'sel-summary' }, `${flows.length} flow${flows.length === 1 ? '' : 's'} · ${counts.count} messages · ${counts.errors} errors`),
      h('div', { className: 'flows' }, cards),
      flows.length > MAX_CARDS ? h('p', { className: 'hint' }, `and ${flows.length - MAX_CARDS} more flows; focus on this service to see them.`) : '',
    );
  }

  flowCard(f, autoTraces) {
    const st = f.stats;
    const rows = [
      ['kind', f.kind + (f.system ? ' · ' + f.system : '')],
      ['channel', f.channel + (f.pattern ? ' (pattern)' : '')],
      ['message type', typeCell(f.message_type)],
    ];
    if (f.observed_type) rows.push(['observed type', typeCell(f.observed_type)]);
    if (f.reply_type) rows.push(['reply type', typeCell(f.reply_type)]);
    if (st) {
      rows.push(['count', String(st.count)], ['errors', String(st.errors)], ['p50 / p95', `${fmtUS(st.p50_us)} / ${fmtUS(st.p95_us)}`],
        ['first seen', fmtTime(st.first_seen)], ['last seen', fmtTime(st.last_seen)]);
    }
    const traces = h('div', { className: 'traces' });
    const card = h('section', { className: 'flow', dataset: { status: f.status || '' } },
      h('h3', null, h('span', { className: 'svc' }, f.from || '(no producer)'), ' → ', h('span', { className: 'svc' }, f.to || '(no consumer)'),
        ' ', statusBadge(f.status), f.baselined ? h('span', { className: 'badge' }, 'baselined') : ''),
      h('dl', null, rows.map(([k, v]) => [h('dt', null, k), h('dd', { title: typeof v === 'string' ? v : undefined }, v)])),
      f.evidence && f.evidence.length
        ? h('div', { className: 'evidence' }, h('div', { className: 'label' }, 'declared at'),
          h('ul', null, f.evidence.map((ev) => h('li', { className: 'mono' }, `${ev.file}:${ev.line}`))))
        : '',
      traces,
      st && st.count ? this.flowEventsLinks(f) : '');
    if (st && st.count) {
      if (autoTraces) this.loadTraces(f, traces);
      else traces.appendChild(h('button', { type: 'button', onclick: () => this.loadTraces(f, traces) }, 'Recent traces'));
    }
    return card;
  }

  // flowEventsLinks open the events page on the events that make the flow:
  // the receiver's consume or serve events (the sender's own, when nobody
  // received), all of them or the failed ones.
  flowEventsLinks(f) {
    const q = new URLSearchParams();
    const recv = f.kind === 'reqrep' ? 'serve' : 'consume';
    const send = f.kind === 'reqrep' ? 'request' : 'publish';
    q.set('service', f.to || f.from);
    q.set('type', f.to ? recv : send);
    q.set('channel', f.channel);
    if (f.observed_type || f.message_type) q.set('message_type', f.observed_type || f.message_type);
    const params = JSON.parse(this.query)[1];
    if (params.since) q.set('since', params.since);
    if (params.until) q.set('until', params.until);
    for (const w of params.where) q.append('where', w);
    const failed = new URLSearchParams(q);
    failed.set('status', 'error');
    return h('div', { className: 'flow-links' },
      h('a', { href: '#/events?' + q.toString() }, 'events'),
      f.stats.errors ? h('a', { href: '#/events?' + failed.toString() }, 'failed events') : '');
  }

  async loadTraces(f, el) {
    clear(el).appendChild(h('div', { className: 'label' }, 'recent traces…'));
    const params = JSON.parse(this.query)[1];
    try {
      const res = await get('/api/flow/traces', {
        kind: f.kind, from: f.from, to: f.to, channel: f.channel, message_type: f.observed_type || f.message_type,
        system: f.system, since: params.since, until: params.until, where: params.where, limit: '5',
        last_seen: f.stats.last_seen,
      });
      clear(el).appendChild(h('div', { className: 'label' }, 'recent traces'));
      if (!res.traces.length) el.appendChild(h('div', { className: 'hint' }, 'none in this window'));
      el.appendChild(h('ul', { className: 'trace-list' }, res.traces.map((t) =>
        h('li', null,
          h('span', { className: 'when' }, fmtTime(t.timestamp).slice(11)), h('span', { className: 'lat' }, fmtUS(t.duration_us)),
          statusBadge(t.status),
          h('a', { href: traceHref(t.trace_id), className: 'trace-link mono', title: t.trace_id }, t.trace_id)))));
    } catch (e) {
      clear(el).appendChild(h('div', { className: 'error' }, e.message));
    }
  }
}
