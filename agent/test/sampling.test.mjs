import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSampled, sessionRate } from '../src/core/sampling.js';

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
