// The agent: init, the public API, consent and sampling gates, page views and the page's
// lifecycle. Signals (./signals) observe the page and call `emit`; nothing they do may break it:
// every callback runs through `safe`, which swallows and counts errors and measures the agent's
// own main-thread time.

import { normaliseConfig } from './core/config.js';
import { effectiveConsent, normaliseConsent } from './core/consent.js';
import { randomId, sha256Hex } from './core/ids.js';
import { createPlugins } from './core/plugins.js';
import { isSampled, sessionRate } from './core/sampling.js';
import { createScrubber, scrubDeep } from './core/scrubber.js';
import { forgetSession, touchSession } from './core/session.js';
import { Batcher, RetryQueue, createSender } from './core/transport.js';
import { startActions } from './signals/actions.js';
import { customEvent } from './signals/custom.js';
import { startErrors } from './signals/errors.js';
import { startLongTasks } from './signals/longtasks.js';
import { startNavigation } from './signals/navigation.js';
import { startNetwork } from './signals/network.js';
import { startResources } from './signals/resources.js';
import { startVitals } from './signals/vitals.js';

const MAX_BREADCRUMBS = 20;
const MAX_UNSAMPLED_BUFFER = 200;

export function createAgent() {
  let config = null;
  let consent = 'none';
  let session = null;
  let sampled = true;
  let rate = 1;
  let pageViewId = '';
  let user = { id: '', tier: '' };
  let flags = [];
  let scrub = (s) => s;
  let batcher = null;
  let plugins = null;
  const crumbs = [];
  const pageViewListeners = [];
  const pageHideListeners = [];
  let unsampledBuffer = [];
  const footprint = { scriptMs: 0, bytes: 0, beacons: 0, errors: 0 };

  function safe(fn) {
    return function guarded(...args) {
      const start = performance.now();
      try {
        return fn.apply(this, args);
      } catch {
        footprint.errors++;
        return undefined;
      } finally {
        footprint.scriptMs += performance.now() - start;
      }
    };
  }

  function storage() {
    if (consent !== 'full') return null;
    try {
      return globalThis.sessionStorage;
    } catch {
      return null;
    }
  }

  function startSession() {
    if (consent !== 'full' || !config.trackSessions) {
      session = null;
      sampled = true;
      rate = 1;
      return;
    }
    session = touchSession(storage(), Date.now());
    rate = sessionRate(config, { id: session.id, userTier: user.tier, featureFlags: flags });
    sampled = isSampled(session.id, rate);
  }

  function envelope(events) {
    const nav = globalThis.navigator || {};
    const conn = nav.connection || {};
    const full = consent === 'full';
    const context = {
      url: scrub(location.href), referrer: scrub(document.referrer || ''),
      release: config.release, environment: config.environment, service: config.service,
      user: { id: full ? user.id : '', tier: user.tier }, flags,
    };
    if (conn.effectiveType) {
      context.network = { effective_type: conn.effectiveType, rtt: conn.rtt,
        downlink: conn.downlink, save_data: !!conn.saveData };
    }
    return { v: 1, session_id: full && session ? session.id : undefined,
      page_view_id: full ? pageViewId : undefined, consent: full ? 'full' : 'minimal',
      sample_rate: sampled ? rate : config.errorSampleRate, context, events };
  }

  function enqueue(event) {
    const edited = plugins.beforeSend(event);
    if (edited) batcher.add(edited);
  }

  // kind: {performance, interaction, error}. Returns nothing; the event may be dropped.
  function emit(event, kind = {}) {
    if (!config || consent === 'none') return;
    if (consent === 'minimal' && !kind.error) return;
    if (kind.performance && !config.trackPerformance) return;
    if (kind.interaction && !config.trackInteractions) return;
    if (kind.error && !config.trackErrors) return;
    if (session) session = touchSession(storage(), Date.now());
    const e = scrubDeep({ ...event, ts: Date.now() }, scrub);
    if (consent === 'full') e.page_view_id = pageViewId;
    if (!sampled) {
      // Not sampled: kept for this page only, and sent if an error occurs here.
      if (!kind.error) {
        unsampledBuffer.push(e);
        if (unsampledBuffer.length > MAX_UNSAMPLED_BUFFER) unsampledBuffer.shift();
        return;
      }
      const buffered = unsampledBuffer;
      unsampledBuffer = [];
      for (const b of buffered) enqueue(b);
    }
    enqueue(e);
  }

  const api = {
    init: safe((options) => {
      if (config) return;  // once per page
      config = normaliseConfig(options);
      consent = effectiveConsent(config.consent, config.respectDNT, globalThis.navigator);
      scrub = createScrubber({ secretParams: config.secretParams || undefined });
      user = { id: '', tier: config.metadata.userTier };
      flags = config.metadata.featureFlags;
      plugins = createPlugins(config, safe);
      const url = `${config.endpoint}${config.endpoint.includes('?') ? '&' : '?'}key=${encodeURIComponent(config.key)}`;
      const retry = new RetryQueue();
      const stats = { bytes: 0, beacons: 0 };
      const send = createSender({ url, gzipEnabled: config.gzip, retry, stats,
        allowRetry: () => consent === 'full' });
      batcher = new Batcher({ maxEvents: config.maxBatchEvents, maxBytes: config.maxBatchBytes,
        envelope, send: (body, opts) => {
          send(body, opts);
          footprint.bytes = stats.bytes;
          footprint.beacons = stats.beacons;
        } });
      startSession();
      pageViewId = randomId(16);
      const agent = {
        config, safe, emit, scrub: (s) => scrub(s),
        breadcrumb: (c) => {
          crumbs.push({ ...c, ts: Date.now() });
          if (crumbs.length > MAX_BREADCRUMBS) crumbs.shift();
        },
        breadcrumbs: () => crumbs.slice(),
        newPageView: () => {
          batcher.flush(false);
          pageViewId = randomId(16);
          unsampledBuffer = [];
          pageViewListeners.forEach((l) => l());
        },
        onPageView: (l) => pageViewListeners.push(l),
        onPageHide: (l) => pageHideListeners.push(l),
      };
      const errors = startErrors(agent);
      if (config.trackPerformance) {
        startNavigation(agent);
        startVitals(agent);
        if (config.trackResources) startResources(agent);
        startLongTasks(agent);
      }
      if (config.trackNetwork && config.trackPerformance) startNetwork(agent);
      if (config.trackInteractions) startActions(agent);
      plugins.setup({ emit, track: api.track, reportError: errors.report });

      const leave = safe((final) => {
        pageHideListeners.forEach((l) => l());
        if (consent === 'full' && footprint.beacons + batcher.queue.length > 0) {
          emit({ type: 'custom', name: 'sightline_footprint', attributes: {
            script_ms: Math.round(footprint.scriptMs * 10) / 10, bytes_sent: footprint.bytes,
            beacons: footprint.beacons, agent_errors: footprint.errors } }, { performance: true });
        }
        batcher.flush(final);
      });
      addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') leave(true);
      });
      addEventListener('pagehide', () => leave(true));
      setInterval(safe(() => batcher.flush(false)), config.flushIntervalMs);
    }),

    track: safe((name, data) => emit(customEvent(name, data))),

    identify: safe((info = {}) => {
      if (info.tier !== undefined) user.tier = String(info.tier);
      if (info.id !== undefined && info.id !== null && info.id !== '') {
        // Only a hash of the id leaves the page.
        sha256Hex(String(info.id)).then((hash) => {
          user.id = hash;
        }, () => {});
      }
    }),

    setFlags: safe((list) => {
      flags = Array.isArray(list) ? list.map(String) : [];
    }),

    setConsent: safe((level) => {
      const before = consent;
      consent = effectiveConsent(normaliseConsent(level, consent), config ? config.respectDNT : true,
        globalThis.navigator);
      if (!config || before === consent) return;
      if (consent !== 'full') {
        forgetSession(globalThis.sessionStorage);
        session = null;
        if (consent === 'none') batcher.queue = [];
      }
      startSession();
    }),

    flush: safe(() => batcher && batcher.flush(false)),
    use: safe((plugin) => plugins && plugins.add(plugin)),
  };
  return api;
}
