import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScrubber, scrubDeep } from '../src/core/scrubber.js';

const scrub = createScrubber();

test('personal data becomes REDACTED markers', () => {
  const cases = [
    ['mail jane.doe+shop@example.co.uk now', 'mail [REDACTED_EMAIL] now'],
    ['call +1 415 555 2671', 'call [REDACTED_PHONE]'],
    ['or (415) 555-2671 today', 'or [REDACTED_PHONE] today'],
    ['uk +44.20.7946.0958', 'uk [REDACTED_PHONE]'],
    ['visa 4111 1111 1111 1111.', 'visa [REDACTED_CARD].'],
    ['mc 5500-0000-0000-0004', 'mc [REDACTED_CARD]'],
    ['ssn 123-45-6789', 'ssn [REDACTED_SSN]'],
    ['from 192.168.1.20:8080', 'from [REDACTED_IPV4]:8080'],
    ['v6 2001:db8::8a2e:370:7334 and fe80::1', 'v6 [REDACTED_IPV6] and [REDACTED_IPV6]'],
    ['full 2001:0db8:85a3:0000:0000:8a2e:0370:7334.', 'full [REDACTED_IPV6].'],
    ['http://[::1]:8080/x', 'http://[[REDACTED_IPV6]]:8080/x'],
  ];
  for (const [input, want] of cases) assert.equal(scrub(input), want, input);
});

test('secret query parameters lose their values, others stay', () => {
  assert.equal(scrub('https://shop.example/cb?code=abc&state=1&Password=x#t'),
    'https://shop.example/cb?code=[REDACTED_PARAM]&state=1&Password=[REDACTED_PARAM]#t');
  const custom = createScrubber({ secretParams: ['coupon'] });
  assert.equal(custom('/cart?coupon=SAVE10&token=t'), '/cart?coupon=[REDACTED_PARAM]&token=t');
});

test('look-alikes are left alone', () => {
  for (const text of [
    'ts 1795812453165',                      // a millisecond timestamp passing Luhn
    '4111 1111 1111 1112',                   // fails Luhn
    'date 2026-11-28 at 12:30:45',
    'chrome 131.0.6778.85 on Windows 10.0.19045',
    'TypeError: a.b is undefined at https://shop.example/app.js:12:34',
    'order 12345 of 3 items',
    'std::vector<int> at Foo::bar (a.cc:1:2)',
    'colour #ff00aa, trace 4bf92f3577b34da6a3ce929d0e0e4736',
  ]) {
    assert.equal(scrub(text), text, text);
  }
});

test('scrubDeep scrubs every string in objects and arrays', () => {
  const out = scrubDeep({ a: 'x@y.example', b: [1, 'ip 10.0.0.1'], c: { d: null } }, scrub);
  assert.deepEqual(out, { a: '[REDACTED_EMAIL]', b: [1, 'ip [REDACTED_IPV4]'], c: { d: null } });
});
