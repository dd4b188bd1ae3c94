// Random ids and the hashes the agent needs, from the platform's crypto.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export function randomId(length = 21) {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[bytes[i] & 63];
  return id;
}

// `bytes` random bytes as lowercase hex, never all zero (W3C trace context forbids it).
export function randomHex(bytes) {
  const buf = new Uint8Array(bytes);
  let hex;
  do {
    globalThis.crypto.getRandomValues(buf);
    hex = Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
  } while (/^0+$/.test(hex));
  return hex;
}

// A number in [0, 1) fixed by `text` (FNV-1a): the same session always draws the same number.
export function unitHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 4294967296;
}

export async function sha256Hex(text) {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
