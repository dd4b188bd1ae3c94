// Removes personal data from a string before it leaves the browser: e-mail addresses, phone
// numbers, US social security numbers, card numbers (Luhn-checked), IPv4 and IPv6 addresses, and
// the values of query parameters whose names say they are secret. Each becomes
// `[REDACTED_<TYPE>]`. The collector scrubs again; this keeps the data off the wire too.

export const DEFAULT_SECRET_PARAMS = ('token access_token id_token refresh_token auth authorization ' +
  'password passwd pwd secret api_key apikey key session sessionid code email signature sig sl_sid')
  .split(' ');

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// A card number: 13 to 19 digits, optionally grouped by single spaces or dashes.
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;
// Candidates: hex groups joined by colons, three at least; an address among them has exactly one
// "::" or eight groups (so that times such as 12:30:45 stay).
const IPV6 = /(?<![\w:.])[\dA-Fa-f]{0,4}(?::[\dA-Fa-f]{0,4}){2,7}(?![\w:])/g;
// International (+CC ...) or grouped national numbers. Groups are separated by spaces or dashes
// (dots only after a +CC), so that versions (131.0.6778.85) and dates stay.
const PHONE =
  /(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ -]?)?\d{2,4}(?:[ -]\d{2,4}){1,4}(?![\w.-])/g;
const INTERNATIONAL_DOTTED = /(?<![\w+])\+\d{1,3}(?:[.]\d{2,4}){2,5}(?![\w.])/g;
// Issuer prefixes of the major card networks (Visa, Mastercard, Amex, Diners, Discover, JCB,
// UnionPay): a 13-digit millisecond timestamp that happens to pass Luhn is not a card.
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[0478]|6(?:011|5|2))/;

const luhnValid = (digits) => [...digits].reverse()
  .reduce((sum, c, i) => sum + (i % 2 ? (c * 2 > 9 ? c * 2 - 9 : c * 2) : +c), 0) % 10 === 0;

// Query parameters named in `names` (case-insensitive) keep their name and lose their value, in
// URLs and in query-like text (`?a=1&token=x`).
function scrubParams(text, names) {
  return text.replace(/([?&;#])([^=&;#?\s]+)=([^&;#\s]*)/g, (all, sep, name, value) => {
    if (!value) return all;
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    return names.includes(decoded.toLowerCase()) ? `${sep}${name}=[REDACTED_PARAM]` : all;
  });
}

export function createScrubber(options = {}) {
  const names = (options.secretParams || DEFAULT_SECRET_PARAMS).map((n) => `${n}`.toLowerCase());
  return function scrub(text) {
    // Every kind of personal data has a digit, '@', '=' or ':' in it: most strings are done here.
    if (typeof text !== 'string' || !/[\d@=:]/.test(text)) return text;
    let out = scrubParams(text, names);
    out = out.replace(EMAIL, '[REDACTED_EMAIL]');
    out = out.replace(SSN, '[REDACTED_SSN]');
    out = out.replace(CARD, (m) => {
      const digits = m.replace(/[ -]/g, '');
      return CARD_PREFIX.test(digits) && luhnValid(digits) ? '[REDACTED_CARD]' : m;
    });
    out = out.replace(IPV4, '[REDACTED_IPV4]');
    out = out.replace(IPV6, (m) => {
      const parts = m.split('::').length;
      return m.length > 2 && (parts === 2 || (parts === 1 && m.split(':').length === 8)) ? '[REDACTED_IPV6]' : m;
    });
    out = out.replace(PHONE, (m) => {
      const n = m.replace(/\D/g, '').length;
      // Nine digits at least (a date has eight), seven with a country code.
      return n <= 15 && (n >= 9 || (m[0] === '+' && n >= 7)) ? '[REDACTED_PHONE]' : m;
    });
    out = out.replace(INTERNATIONAL_DOTTED, '[REDACTED_PHONE]');
    return out;
  };
}

// Scrubs every string inside a JSON-like value (objects and arrays are copied).
export function scrubDeep(value, scrub, depth = 0) {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1));
  const out = {};
  for (const k of Object.keys(value)) out[k] = scrubDeep(value[k], scrub, depth + 1);
  return out;
}
