// tracegraph serve's pages. The URL fragment names the page and its
// parameters (#/events?service=inventory), so every view is a link.
import { get } from './api.js';
import { clear, traceHref } from './dom.js';
import { TopologyPage } from './topology.js';
import { renderTrace } from './trace.js';
import { renderEvents } from './events.js';

// route reads the fragment: #/trace/ID?x=y → {page: 'trace', id, params}.
function route() {
  const frag = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = frag.split('?', 2);
  const parts = path.split('/').filter(Boolean);
  const page = parts[0] || 'topology';
  const id = parts.length > 1 ? decodeURIComponent(parts.slice(1).join('/')) : '';
  return { page, id, params: new URLSearchParams(qs || '') };
}

async function start() {
  const root = document.getElementById('page');
  const app = { info: null, topology: null };
  try {
    app.info = await get('/api/info');
    document.getElementById('describe').textContent = app.info.describe || '';
  } catch (e) {
    root.textContent = 'Cannot reach the tracegraph server: ' + e.message;
    return;
  }
  const jump = document.getElementById('trace-jump');
  jump.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = jump.elements.trace.value.trim();
    if (id) location.hash = traceHref(id);
  });

  const show = () => {
    const r = route();
    for (const a of document.querySelectorAll('header nav a')) {
      a.classList.toggle('active', a.dataset.page === r.page);
    }
    if (r.page === 'topology') {
      // The graph survives visits to other pages; only its query reloads it.
      if (!app.topology) app.topology = new TopologyPage(app.info);
      if (root.firstChild !== app.topology.el) {
        clear(root).appendChild(app.topology.el);
      }
      app.topology.show(r.params);
      return;
    }
    clear(root);
    if (r.page === 'trace') renderTrace(root, r.id);
    else if (r.page === 'events') renderEvents(root, r.params, app.info);
    else root.textContent = 'No page ' + r.page;
  };
  window.addEventListener('hashchange', show);
  show();
}

start();
