// Random ids and the hashes the agent needs, from the platform's crypto.

const hex = (bytes) => Array.from(bytes, (b) => (b | 256).toString(16).slice(1)).join('');

// `bytes` bytes of Math.random as lowercase hex: session and page view ids, which need to be
// unique, not unguessable (and the platform's crypto costs a page its first use).
export const randomId = (bytes) =>
  Array.from({ length: bytes }, () => ((Math.random() * 256) | 256).toString(16).slice(1)).join('');

// `bytes` random bytes from the platform's crypto as lowercase hex, never all zero (W3C trace context forbids it).
export function randomHex(bytes) {
  let h;
  do h = hex(crypto.getRandomValues(new Uint8Array(bytes)));
  while (!/[^0]/.test(h));
  return h;
}

// A number in [0, 1) fixed by `text`: FNV-1a, then MurmurHash3's finaliser so that ids which
// differ only in their last characters still draw evenly. The same session always draws the
// same number; the collector draws it the same way (src/enrich/sampling.cc).
export function unitHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

export const sha256Hex = async (text) =>
  hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
