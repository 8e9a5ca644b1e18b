// The window and tag filter controls shared by the topology and events
// pages. Their values travel as since, until and where parameters.
import { h, clear } from './dom.js';

export const WINDOWS = [
  ['', 'All time'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['custom', 'Custom…'],
];

// WindowControl is a preset select plus since/until inputs for a custom
// window (RFC 3339 times, dates or ages, as the CLI takes them).
export class WindowControl {
  constructor(onChange) {
    this.select = h('select', {
      name: 'window', title: 'Time window',
      onchange: () => {
        this.sync();
        // A custom window waits for its times.
        if (this.select.value !== 'custom') onChange();
        else if (this.onCustom) this.onCustom(this);
      },
    },
      WINDOWS.map(([v, label]) => h('option', { value: v }, label)));
    this.since = h('input', { name: 'since', placeholder: 'since (2026-11-24T10:00:00Z, 24h)', size: 22, onchange: onChange });
    this.until = h('input', { name: 'until', placeholder: 'until', size: 22, onchange: onChange });
    this.custom = h('span', { className: 'custom-window' }, this.since, this.until);
    this.el = h('span', { className: 'window' }, this.select, this.custom);
    this.sync();
  }

  sync() {
    this.custom.hidden = this.select.value !== 'custom';
  }

  // suggest fills an empty custom window with the span the data covers,
  // so recorded data far from now is one edit away.
  suggest(first, last) {
    if (!this.since.value) this.since.value = first;
    if (!this.until.value) this.until.value = last;
  }

  set(since, until) {
    const preset = WINDOWS.find(([v]) => v && v !== 'custom' && v === since);
    if (!until && (!since || preset)) {
      this.select.value = since || '';
      this.since.value = '';
      this.until.value = '';
    } else {
      this.select.value = 'custom';
      this.since.value = since || '';
      this.until.value = until || '';
    }
    this.sync();
  }

  values() {
    if (this.select.value === 'custom') {
      return { since: this.since.value.trim(), until: this.until.value.trim() };
    }
    return { since: this.select.value, until: '' };
  }
}

// TagControl edits a list of key=value tag filters, shown as removable chips.
export class TagControl {
  constructor(onChange) {
    this.tags = [];
    this.onChange = onChange;
    this.chips = h('span', { className: 'chips' });
    this.input = h('input', {
      name: 'where', placeholder: 'tag filter key=value', size: 20,
      onkeydown: (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); this.add(); } },
    });
    this.el = h('span', { className: 'tags' }, this.chips, this.input,
      h('button', { type: 'button', onclick: () => this.add() }, 'Add'));
  }

  add() {
    const v = this.input.value.trim();
    if (!v) return;
    if (!v.includes('=') || v.startsWith('=')) {
      this.input.setCustomValidity('want key=value');
      this.input.reportValidity();
      return;
    }
    this.input.setCustomValidity('');
    this.input.value = '';
    if (!this.tags.includes(v)) this.tags.push(v);
    this.render();
    this.onChange();
  }

  set(tags) {
    this.tags = [...tags];
    this.render();
  }

  render() {
    clear(this.chips);
    for (const t of this.tags) {
      this.chips.appendChild(h('span', { className: 'chip' }, t,
        h('button', {
          type: 'button', title: 'Remove ' + t, className: 'chip-x',
          onclick: () => { this.tags = this.tags.filter((x) => x !== t); this.render(); this.onChange(); },
        }, '×')));
    }
  }
}
