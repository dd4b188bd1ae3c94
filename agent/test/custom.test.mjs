import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customEvent } from '../src/signals/custom.js';

test('track() gives a custom event with its value and the rest as attributes', () => {
  assert.deepEqual(customEvent('checkout_completed', { value: 129.9, currency: 'EUR', items: 3 }),
    { type: 'custom', name: 'checkout_completed', value: 129.9, attributes: { currency: 'EUR', items: 3 } });
  assert.deepEqual(customEvent('signup'), { type: 'custom', name: 'signup', value: undefined, attributes: {} });
  for (const value of ['12', NaN, Infinity, null]) {
    assert.equal(customEvent('x', { value }).value, undefined, String(value));
  }
});
