// The dashboard: signs in with a project's read token, keeps the view in the URL and renders it
// from the public query API only.
import { api, auth } from './api.js';
import { h } from './dom.js';
import { DIMENSIONS, RANGES, state } from './state.js';
import { VIEWS } from './views.js';

const $ = (id) => document.getElementById(id);
let renderSerial = 0;

function applyTheme() {
  const theme = localStorage.getItem('sightline.theme');
  if (theme) document.documentElement.dataset.theme = theme;
}

function signIn(message = '') {
  $('nav').replaceChildren();
  $('bar').hidden = true;
  $('project').hidden = true;
  $('signout').hidden = true;
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true,
    'aria-describedby': 'token-help' });
  const error = h('p', { class: 'error', role: 'alert' }, message);
  const form = h('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const { projects } = await api('projects', {}, { token: input.value.trim(), project: '' });
        const list = auth.list().filter((x) => !projects.some((p) => p.id === x.project));
        for (const p of projects) list.push({ project: p.id, token: input.value.trim() });
        auth.save(list);
        state.go({ project: state.project && auth.tokenFor(state.project) ? state.project : projects[0].id }, { replace: true });
      } catch (err) {
        error.textContent = err.status === 401 ? 'That token is not a read token of any project.' : err.message;
      }
    },
  },
  h('label', { for: 'token' }, 'Read token'), input,
  h('p', { id: 'token-help', class: 'muted' }, 'A project\'s read token (read_tokens in the server\'s configuration). ' +
    'It stays in this browser tab only; every request is checked by the server.'),
  h('button', { type: 'submit' }, 'Sign in'), error);
  $('main').replaceChildren(h('div', { class: 'signin card' }, h('h1', {}, 'Sign in to Sightline'), form));
  input.focus();
}

function renderChrome() {
  const view = VIEWS[state.view] ? state.view : 'overview';
  $('nav').replaceChildren(...Object.entries(VIEWS).map(([key, v]) => h('a', {
    href: state.href({ view: key }), 'aria-current': key === view ? 'page' : null,
    onclick: (e) => { e.preventDefault(); state.go({ view: key }); },
  }, v.title)));
  const projects = auth.list();
  const select = $('project');
  select.hidden = false;
  select.replaceChildren(...projects.map((p) => h('option', { value: p.project, selected: p.project === state.project }, p.project)),
    h('option', { value: '+' }, 'Add a project…'));
  select.onchange = () => (select.value === '+' ? signIn() : state.go({ project: select.value }));
  $('signout').hidden = false;
  $('signout').onclick = () => { auth.clear(); state.go({ project: null }); };
  renderBar();
}

// The time range and the filter chips, shared by every view.
function renderBar() {
  const bar = $('bar');
  bar.hidden = false;
  const range = h('select', { id: 'range', 'aria-label': 'Time range',
    onchange: () => state.go({ range: range.value, from: null, to: null }) },
  ...Object.keys(RANGES).map((r) => h('option', { value: r, selected: state.range === r }, `Last ${r}`)),
  state.range === 'custom' ? h('option', { value: 'custom', selected: true }, 'Custom range') : null);
  const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const fromInput = h('input', { type: 'datetime-local', 'aria-label': 'From', value: local(state.fromMs()) });
  const toInput = h('input', { type: 'datetime-local', 'aria-label': 'To', value: local(state.toMs()) });
  const custom = h('form', { class: 'custom-range', onsubmit: (e) => {
    e.preventDefault();
    const from = Date.parse(fromInput.value), to = Date.parse(toInput.value);
    if (from < to) state.go({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), range: null });
  } }, fromInput, toInput, h('button', { type: 'submit' }, 'Apply range'));
  const chips = state.filters.map((f, i) => h('span', { class: 'chip' }, f,
    h('button', { type: 'button', 'aria-label': `Remove filter ${f}`,
      onclick: () => state.go({ filter: state.filters.filter((_, j) => j !== i) }) }, '×')));
  const dim = h('select', { 'aria-label': 'Filter dimension' }, ...DIMENSIONS.map((d) => h('option', { value: d }, d)));
  const value = h('input', { 'aria-label': 'Filter value', placeholder: 'value (a trailing * is a prefix)', size: 22 });
  const add = h('form', { class: 'add-filter', onsubmit: (e) => {
    e.preventDefault();
    if (value.value.trim()) state.go({ filter: [...state.filters, `${dim.value}:${value.value.trim()}`] });
  } }, dim, value, h('button', { type: 'submit' }, 'Add filter'));
  bar.replaceChildren(range, custom, ...chips, add);
}

async function render() {
  applyTheme();
  const serial = ++renderSerial;
  if (!state.project || !auth.tokenFor(state.project)) {
    const first = auth.list()[0];
    if (first && !state.project) { state.go({ project: first.project }, { replace: true }); return; }
    signIn(state.project ? `Sign in to read project "${state.project}".` : '');
    return;
  }
  renderChrome();
  const view = VIEWS[state.view] ?? VIEWS.overview;
  document.title = `${view.title} · ${state.project} · Sightline`;
  const main = $('main');
  main.replaceChildren(h('h1', {}, view.title), h('p', { class: 'loading muted' }, 'Loading…'));
  try {
    const content = await view.render();
    if (serial !== renderSerial) return;
    main.replaceChildren(h('h1', {}, view.title), content);
    view.mounted?.();
  } catch (err) {
    if (serial !== renderSerial) return;
    if (err.status === 401) { signIn('The token was refused; sign in again.'); return; }
    main.replaceChildren(h('h1', {}, view.title), h('p', { class: 'error', role: 'alert' }, `The query failed: ${err.message}`));
  }
}

$('theme').onclick = () => {
  const dark = document.documentElement.dataset.theme === 'dark' ||
    (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
  localStorage.setItem('sightline.theme', dark ? 'light' : 'dark');
  applyTheme();
  render();
};
// We eat our own cooking: with server.dashboard_rum_key set, the agent measures this page's loads
// (and its views, as soft navigations) into that project, like any app's.
async function monitorSelf() {
  const config = await fetch('/dashboard-config.json').then((r) => r.json()).catch(() => ({}));
  if (!config.rum_key) return;
  const queue = window.Sightline = window.Sightline || { q: [] };
  for (const m of ['init', 'track', 'identify', 'setFlags', 'setConsent']) {
    queue[m] = queue[m] || ((...args) => queue.q.push([m, args]));
  }
  queue.init({ key: config.rum_key, endpoint: '/v1/beacon', release: 'dashboard' });
  document.head.append(h('script', { async: true, src: '/sightline.js' }));
}

state.onChange(render);
render();
monitorSelf();
