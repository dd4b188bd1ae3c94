import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSampled, remoteRate, sessionRate } from '../src/core/sampling.js';

test('a session makes the same choice every time', () => {
  for (let i = 0; i < 100; i++) {
    const id = `session-${i}`;
    assert.equal(isSampled(id, 0.3), isSampled(id, 0.3));
  }
});

test('the share of sessions kept follows the rate', () => {
  let kept = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) if (isSampled(`s${i}-${i * 7919}`, 0.25)) kept++;
  assert.ok(Math.abs(kept / n - 0.25) < 0.02, `kept ${kept / n}`);
  assert.equal(isSampled('x', 1), true);
  assert.equal(isSampled('x', 0), false);
});

test('sampleRateFor decides per session, falling back to sampleRate', () => {
  const config = { sampleRate: 0.1,
    sampleRateFor: (s) => (s.userTier === 'enterprise' ? 1 : s.featureFlags.includes('beta') ? 0.5 : undefined) };
  assert.equal(sessionRate(config, { userTier: 'enterprise', featureFlags: [] }), 1);
  assert.equal(sessionRate(config, { userTier: 'free', featureFlags: ['beta'] }), 0.5);
  assert.equal(sessionRate(config, { userTier: 'free', featureFlags: [] }), 0.1);
  assert.equal(sessionRate({ sampleRate: 0.2, sampleRateFor: () => { throw new Error('x'); } }, {}), 0.2);
  assert.equal(sessionRate({ sampleRate: 0.2, sampleRateFor: () => 7 }, {}), 1);
});

test("the collector's rules: the most generous of the visitor's rate, tier and flags", () => {
  const remote = { sample_rate: 0.1, by_user_tier: { enterprise: 1, paid: 0.5 },
    by_feature_flag: { beta: 0.8 } };
  assert.equal(remoteRate(remote, { userTier: 'free', featureFlags: [] }), 0.1);
  assert.equal(remoteRate(remote, { userTier: 'paid', featureFlags: [] }), 0.5);
  assert.equal(remoteRate(remote, { userTier: 'paid', featureFlags: ['x', 'beta'] }), 0.8);
  assert.equal(remoteRate(remote, { userTier: 'enterprise', featureFlags: ['beta'] }), 1);
  // No answer from the collector: no remote rate, and the page's own configuration decides.
  assert.equal(remoteRate(null, { userTier: 'paid', featureFlags: [] }), undefined);
  assert.equal(sessionRate({ sampleRate: 0.3 }, { remoteRate: undefined }), 0.3);
  assert.equal(sessionRate({ sampleRate: 0.3 }, { remoteRate: 0.05 }), 0.05);
  // The page's hook still has the last word, and sees the collector's rate.
  assert.equal(sessionRate({ sampleRate: 0.3, sampleRateFor: (s) => s.remoteRate * 2 },
    { remoteRate: 0.05 }), 0.1);
});
