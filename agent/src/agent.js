// The agent: init, the public API, consent and sampling gates, sessions, page views and the
// page's lifecycle. Signals (./signals) observe the page and call `emit`; nothing they do may
// break it: every callback runs through `safe`, which swallows and counts errors and measures the
// agent's own main-thread time.

import { normaliseConfig } from './core/config.js';
import { effectiveConsent, normaliseConsent } from './core/consent.js';
import { randomId, sha256Hex } from './core/ids.js';
import { linkedSessionId } from './core/links.js';
import { createPlugins } from './core/plugins.js';
import { isSampled, remoteRate, sessionRate } from './core/sampling.js';
import { createScrubber, scrubDeep } from './core/scrubber.js';
import { SESSION_TIMEOUT_MS, cookieStorage, forgetSession, readSession, saveSession } from './core/session.js';
import { OFFLINE_KEY, createBatcher, createRetryQueue, createSender } from './core/transport.js';
import { customEvent } from './signals/custom.js';
import { startErrors } from './signals/errors.js';
import { startNavigation } from './signals/navigation.js';
import { startNetwork } from './signals/network.js';
import { startVitals } from './signals/vitals.js';

const MAX_BREADCRUMBS = 20;
const MAX_HELD_EVENTS = 200;
const SESSION_SAVE_MS = 15000;  // how often activity is written through to the session store
const REMOTE_WAIT_MS = 3000;    // how long a new session waits for the collector's rates
// Interactions before the extras arrive are kept (at most MAX_EARLY_EVENTS) and replayed to them.
const EARLY_EVENTS = ['click', 'submit', 'focusin', 'focusout', 'input'];
const MAX_EARLY_EVENTS = 300;

// `loadExtras(config, ready)` calls ready(startExtras) once the signals not needed at page start
// have arrived (./extras.js).
export function createAgent(loadExtras) {
  let config;
  let consent = 'none';
  let session = null;
  let rate = 1;
  let sampled = true;  // false: not sampled; undefined: waiting for the collector's rates
  let held = [];       // this page's events held back while not sampled or undecided
  let view;            // the current page view: {id, url}
  let hardView;        // the last loaded one (the first, or a return from the bfcache)
  const byUrl = {};    // URL → this page's latest soft page view of it
  let flags = [];
  let scrub = (s) => s;
  let batcher;
  let plugins;
  let retry;
  const user = { id: '', tier: '' };
  const crumbs = [];
  const onView = [];
  const onHide = [];
  const footprint = { ms: 0, errors: 0, bytes: 0, beacons: 0 };
  const rates = new WeakMap();  // event → its inclusion probability

  let depth = 0;  // of nested `safe` calls: only the outermost adds its time
  function safe(fn) {
    return function guarded(...args) {
      const start = performance.now();
      depth++;
      try {
        return fn.apply(this, args);
      } catch {
        footprint.errors++;
      } finally {
        if (!--depth) footprint.ms += performance.now() - start;
      }
    };
  }

  const full = () => consent === 'full';
  const storage = (name) => {
    try {
      return full() ? globalThis[name] : null;
    } catch {
      return null;  // blocked (sandboxed frames, some privacy modes)
    }
  };
  // Where the session lives: the parent domain's cookie when configured, else sessionStorage.
  const sessionStore = () => full() && config.trackSessions &&
    (config.cookieDomain ? cookieStorage(config.cookieDomain) : storage('sessionStorage'));

  // Decides this session's rate once: the stored decision, else the collector's rates for the
  // visitor (fetched, waiting at most REMOTE_WAIT_MS), else the local configuration.
  function decide(remote) {
    if (!session || session.rate != null) return;
    const who = { userTier: user.tier, featureFlags: flags };
    session.rate = sessionRate(config, { ...who, id: session.id, region: remote && remote.region,
      remoteRate: remoteRate(remote, who) });
    save();
    applyRate();
  }

  // Writes the session through to its store; `saved` is the activity time written.
  function save() {
    if (!session) return;
    saveSession(sessionStore(), session);
    session.saved = session.last;
  }

  function applyRate() {
    rate = session && session.rate != null ? session.rate : 1;
    sampled = !session || (session.rate == null ? undefined : isSampled(session.id, rate));
    if (sampled) release(rate);
  }

  // Sends the held events, at the inclusion probability `p`.
  function release(p) {
    held.splice(0).forEach((e) => enqueue(e, p));
  }

  // The probability that an error reaches the collector: its session was sampled, or it was not
  // and errors are sent at errorSampleRate. Beacons state it as their sample_rate.
  const errorRate = () => rate + (1 - rate) * config.errorSampleRate;

  function startSession(linkedId) {
    const store = sessionStore();
    session = store ? readSession(store, Date.now(), linkedId) : null;
    if (session) session.saved = session.last;  // written below, once the rate is known
    applyRate();
    if (sampled !== undefined) return save();
    if (!config.configUrl) return decide();
    const timer = setTimeout(safe(decide), REMOTE_WAIT_MS);
    fetch(`${config.configUrl}?key=${encodeURIComponent(config.key)}`, { credentials: 'omit' })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)
      .then(safe((remote) => {
        clearTimeout(timer);
        decide(remote);
      }));
  }

  // Activity extends the session; after 30 minutes without any, the next event starts a new one.
  // The store is read and written again every SESSION_SAVE_MS (other tabs and subdomains share it).
  function activity() {
    const now = Date.now();
    if (now - session.last < SESSION_TIMEOUT_MS && now - session.saved < SESSION_SAVE_MS) {
      session.last = now;
    } else {
      startSession();
    }
  }

  function envelope(events) {
    const conn = navigator.connection || {};
    const context = {
      url: scrub(view.url), referrer: scrub(document.referrer), release: config.release,
      environment: config.environment, service: config.service,
      user: { id: full() ? user.id : '', tier: user.tier }, flags,
    };
    if (conn.effectiveType) {
      context.network = { effective_type: conn.effectiveType, rtt: conn.rtt,
        downlink: conn.downlink, save_data: !!conn.saveData };
    }
    return { v: 1, session_id: full() && session ? session.id : undefined,
      page_view_id: full() ? view.id : undefined, consent: full() ? 'full' : 'minimal',
      sample_rate: rates.get(events[0]) || rate, context, events };
  }

  // `p`: the event's inclusion probability (beacons group events by it).
  function enqueue(event, p) {
    const edited = plugins.beforeSend(event);
    if (edited) {
      rates.set(edited, p);
      batcher.add(edited);
    }
    return edited;
  }

  // A new page view: hard (a load, or a return from the bfcache) or soft (a route change).
  function newView(hard) {
    view = { id: randomId(8), url: location.href };
    hard ? (hardView = view) : (byUrl[view.url] = view);
  }

  // kind: {performance, interaction, error}; `at`: the page view it happened on (default: the
  // current one; an earlier one's URL goes with the event). The event may be dropped (consent,
  // configuration) or held back (sampling). Returns the event as it will be sent, while it waits,
  // or undefined.
  function emit(event, kind = {}, at = view) {
    if (!config || consent === 'none' || (consent === 'minimal' && !kind.error) ||
      (kind.performance && !config.trackPerformance) ||
      (kind.interaction && !config.trackInteractions) || (kind.error && !config.trackErrors)) return;
    if (session) activity();
    const e = scrubDeep({ ...event, ts: Date.now(), page_url: at !== view ? at.url : undefined }, scrub);
    if (full()) e.page_view_id = at.id;
    if (!sampled) {
      // Not sampled (or not yet decided): kept for this page only, and sent if an error occurs.
      if (!kind.error) {
        held.push(e);
        if (held.length > MAX_HELD_EVENTS) held.shift();
        return e;
      }
      if (!isSampled(`error:${session.id}`, config.errorSampleRate)) return;
      release(errorRate());
    }
    return enqueue(e, kind.error ? errorRate() : rate);
  }

  const api = {
    init: safe((options) => {
      if (config) return;  // once per page
      config = normaliseConfig(options);
      consent = effectiveConsent(config.consent, config.respectDNT, navigator);
      scrub = createScrubber({ secretParams: config.secretParams });
      user.tier = config.metadata.userTier;
      flags = config.metadata.featureFlags;
      plugins = createPlugins(config, safe);
      retry = createRetryQueue();
      const { send, post } = createSender({
        url: `${config.endpoint}${config.endpoint.includes('?') ? '&' : '?'}key=${encodeURIComponent(config.key)}`,
        retry, stats: footprint });
      batcher = createBatcher({ envelope, send, groupOf: (e) => rates.get(e) });
      startSession(full() ? linkedSessionId(location.search, Date.now()) : undefined);
      newView(1);
      const agent = {
        config, safe, emit, scrub: (s) => scrub(s),
        pending: (e) => held.includes(e) || batcher.has(e),
        breadcrumb: (c) => {
          crumbs.push({ ...c, ts: Date.now() });
          if (crumbs.length > MAX_BREADCRUMBS) crumbs.shift();
        },
        breadcrumbs: () => crumbs.slice(),
        // Events still queued go out with the page view they happened on.
        newPageView: (hard) => {
          batcher.flush();
          newView(hard);
          if (sampled === false) held = [];
          onView.forEach((l) => l());
        },
        onPageView: (l) => onView.push(safe(l)),
        view: () => view,
        // The page view a web-vitals metric measures: a soft navigation's by its URL (the latest
        // of that URL), any other's the last loaded one.
        viewOf: (m) => (m.navigationType === 'soft-navigation' && byUrl[m.navigationURL]) || hardView,
        onPageHide: (l) => onHide.push(safe(l)),
        sessionId: () => (full() && session ? session.id : ''),
        footprint,
        queued: () => batcher.size(),
        retry: [retry, post, () => storage('sessionStorage')],
      };
      // Each signal starts on its own: one that cannot run here leaves the others running.
      const start = (fn, on = true) => on && safe(fn)(agent);
      const errors = start(startErrors) || {};
      agent.reportError = errors.report || (() => {});
      start(startNavigation, config.trackPerformance);
      start(startVitals, config.trackPerformance);
      start(startNetwork, config.trackNetwork);

      // The extras, loaded once the page has: actions, resources, long tasks, link decoration.
      // One capture listener per interaction type keeps the events until the extras' handlers
      // (set with `agent.on`) arrive, then hands each event to them.
      const handlers = {};
      const early = [];
      agent.on = (type, fn) => (handlers[type] = safe(fn));
      if (config.trackInteractions) {
        for (const type of EARLY_EVENTS) {
          addEventListener(type, (e) => (handlers[type] ? handlers[type](e) :
            early.length < MAX_EARLY_EVENTS && early.push(e)), true);
        }
      }
      if (config.trackPerformance || config.trackInteractions || config.decorateDomains.length) {
        loadExtras(config, safe((startExtras) => {
          startExtras(agent);
          early.splice(0).forEach((e) => handlers[e.type] && handlers[e.type](e));
        }));
      }
      plugins.setup({ emit, track: api.track, reportError: errors.report });

      // Leaving (or hiding) the page: what is pending is sent.
      const leave = safe(() => {
        onHide.forEach((l) => l());
        // Activity since the last write: the next page must see it (a few seconds' worth may be
        // missed, against a 30-minute timeout).
        if (session && session.last - session.saved > 5000) save();
        batcher.flush(true);
      });
      // On the document: it is fired there (and bubbles to the window only when the browser fires it).
      document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && leave());
      addEventListener('pagehide', leave);
      setInterval(safe(() => batcher.flush()), config.flushIntervalMs);
    }),

    track: safe((name, data) => emit(customEvent(name, data))),

    identify: safe((info = {}) => {
      if (info.tier !== undefined) user.tier = String(info.tier);
      // Only a hash of the id leaves the page.
      if (info.id != null && info.id !== '') sha256Hex(String(info.id)).then((h) => (user.id = h), () => {});
    }),

    setFlags: safe((list) => {
      flags = Array.isArray(list) ? list.map(String) : [];
    }),

    setConsent: safe((level) => {
      const before = consent;
      const next = effectiveConsent(normaliseConsent(level, consent), !config || config.respectDNT,
        navigator);
      // Queued events go out under the consent they were given with (none: not at all).
      if (config && next !== before) next === 'none' ? batcher.clear() : batcher.flush();
      consent = next;
      if (!config || before === consent) return;
      if (!full()) {
        // Nothing of the visit stays in the browser below full consent.
        forgetSession(() => sessionStorage);
        if (config.cookieDomain) forgetSession(() => cookieStorage(config.cookieDomain));
        forgetSession(() => sessionStorage, OFFLINE_KEY);
        retry.take();
      }
      startSession();
    }),

    flush: safe(() => batcher?.flush()),
    use: safe((plugin) => plugins && plugins.add(plugin)),
  };
  return api;
}
