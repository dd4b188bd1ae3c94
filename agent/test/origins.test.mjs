import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originAllowed } from '../src/core/config.js';

const page = 'https://shop.example';
const allowed = (url, patterns) => originAllowed(url, patterns, page);

test("the page's own origin is always allowed, other origins only when a pattern names them", () => {
  assert.equal(allowed('/api/cart', []), true);
  assert.equal(allowed('https://shop.example/api/cart?x=1', []), true);
  assert.equal(allowed('https://api.shop.example/v1/cart', []), false);
  assert.equal(allowed('http://shop.example/api/cart', []), false, 'another scheme is another origin');
});

test('an origin pattern matches its scheme, host and port exactly', () => {
  const patterns = ['https://api.shop.example'];
  assert.equal(allowed('https://api.shop.example/v1/cart', patterns), true);
  assert.equal(allowed('http://api.shop.example/v1/cart', patterns), false, 'scheme mismatch');
  assert.equal(allowed('https://api.shop.example:8443/v1/cart', patterns), false, 'another port');
  assert.equal(allowed('https://api.shop.example.evil.test/v1', patterns), false, 'a longer host');
  assert.equal(allowed('https://xapi.shop.example/v1', patterns), false);
  assert.equal(allowed('https://api.shop.example:8443/x', ['https://api.shop.example:8443']), true);
});

test('an origin pasted with a path or a trailing slash still matches its origin', () => {
  assert.equal(allowed('https://api.shop.example/v1/cart', ['https://api.shop.example/']), true);
  assert.equal(allowed('https://api.shop.example/v2/cart', ['https://api.shop.example/v1']), true);
  assert.equal(allowed('https://other.example/v1/cart', ['https://api.shop.example/']), false);
});

test('a host pattern matches any scheme; with a port, only that port', () => {
  assert.equal(allowed('https://api.shop.example/v1', ['api.shop.example']), true);
  assert.equal(allowed('http://api.shop.example/v1', ['api.shop.example']), true);
  assert.equal(allowed('https://api.shop.example:8443/v1', ['api.shop.example']), true);
  assert.equal(allowed('https://api.shop.example:8443/v1', ['api.shop.example:8443']), true);
  assert.equal(allowed('https://api.shop.example/v1', ['api.shop.example:8443']), false);
  assert.equal(allowed('https://cdn.shop.example/v1', ['api.shop.example']), false);
});

test('a wildcard host matches subdomains at any depth, not the apex or look-alikes', () => {
  const patterns = ['*.shop.example'];
  assert.equal(allowed('https://api.shop.example/v1', patterns), true);
  assert.equal(allowed('https://eu.api.shop.example/v1', patterns), true);
  assert.equal(allowed('https://shop.example.evil.test/v1', patterns), false);
  assert.equal(allowed('https://evilshop.example/v1', patterns), false);
  assert.equal(allowed('https://other.example/v1', patterns), false);
  // After a scheme: that scheme only.
  assert.equal(allowed('https://api.shop.example/v1', ['https://*.shop.example']), true);
  assert.equal(allowed('http://api.shop.example/v1', ['https://*.shop.example']), false);
});

test('a RegExp is tested against the origin', () => {
  const patterns = [/^https:\/\/(eu|us)\.api\.shop\.example$/];
  assert.equal(allowed('https://eu.api.shop.example/v1', patterns), true);
  assert.equal(allowed('https://ap.api.shop.example/v1', patterns), false);
  assert.equal(allowed('http://eu.api.shop.example/v1', patterns), false);
});

test('URLs that do not parse, and patterns of other types, allow nothing', () => {
  assert.equal(allowed('http://[::1', ['*']), false);
  assert.equal(allowed('https://api.shop.example/v1', [42, null, {}]), false);
});
