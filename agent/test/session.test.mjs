import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_TIMEOUT_MS, forgetSession, readSession, saveSession } from '../src/core/session.js';

// What the agent does on activity: read the session, extend it, write it back.
function touchSession(storage, now, id) {
  const session = readSession(storage, now, id);
  saveSession(storage, session);
  return session;
}

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k) };
}

test('activity within 30 minutes keeps the session; a longer pause starts a new one', () => {
  const storage = memoryStorage();
  const t0 = 1_800_000_000_000;
  const first = touchSession(storage, t0);
  assert.equal(first.isNew, true);
  const again = touchSession(storage, t0 + SESSION_TIMEOUT_MS - 1);
  assert.equal(again.id, first.id);
  assert.equal(again.isNew, false);
  const later = touchSession(storage, t0 + 2 * SESSION_TIMEOUT_MS);
  assert.notEqual(later.id, first.id);
  assert.equal(later.isNew, true);
});

test('without storage or with broken storage a session still exists for the page', () => {
  assert.match(touchSession(null, 1).id, /^[0-9a-f]{32}$/);
  const broken = { getItem() { throw new Error('blocked'); }, setItem() { throw new Error('full'); } };
  assert.equal(touchSession(broken, 1).isNew, true);
  const garbage = memoryStorage();
  garbage.setItem('sightline_session', '{not json');
  assert.equal(touchSession(garbage, 1).isNew, true);
});

test('a decorated link continues its session, or starts one with its id', () => {
  const storage = memoryStorage();
  const id = 'ab'.repeat(16);
  assert.equal(touchSession(storage, 1000, id).id, id);
  assert.equal(touchSession(storage, 2000, id).isNew, false);
  // Another tab's link to a different session: that session, from its start.
  const other = 'cd'.repeat(16);
  assert.equal(touchSession(storage, 3000, other).id, other);
  assert.equal(touchSession(storage, 3000, other).started, 3000);
});

test('forgetting removes the stored session', () => {
  const storage = memoryStorage();
  const s = touchSession(storage, 1000);
  forgetSession(() => storage);
  assert.notEqual(touchSession(storage, 1001).id, s.id);
});
