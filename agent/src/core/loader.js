// The async loader's queue: calls made before the agent arrived, as [method, args] pairs.
// `init` runs first (the other calls need it), then the rest in the order they were made.

export const QUEUED_METHODS = ['init', 'track', 'identify', 'setFlags', 'setConsent'];

export function drainQueue(api, queue) {
  const calls = (Array.isArray(queue) ? queue : [])
    .filter((c) => Array.isArray(c) && QUEUED_METHODS.includes(c[0]))
    .sort((a, b) => (b[0] === 'init') - (a[0] === 'init'));
  for (const [method, args] of calls) api[method](...(Array.isArray(args) ? args : []));
  return calls.length;
}
