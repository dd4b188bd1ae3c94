import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkedSessionId } from '../src/core/links.js';

const id = '0123456789abcdef0123456789abcdef';
const now = 1_800_000_000_000;

test('a decorated link continues the session only while it is fresh', () => {
  assert.equal(linkedSessionId(`?step=pay&sl_sid=${id}.${now / 1000 - 30}`, now), id);
  assert.equal(linkedSessionId(`?sl_sid=${id}.${now / 1000}&x=1`, now), id);
  // Older than two minutes (a bookmarked or shared link): a new session.
  assert.equal(linkedSessionId(`?sl_sid=${id}.${now / 1000 - 600}`, now), undefined);
  // Malformed ids and other parameters are not sessions.
  assert.equal(linkedSessionId(`?sl_sid=${id.slice(1)}.${now / 1000}`, now), undefined);
  assert.equal(linkedSessionId(`?not_sl_sid=${id}.${now / 1000}`, now), undefined);
  assert.equal(linkedSessionId('', now), undefined);
});
