// The async loader's queue: calls made before the agent arrived, as [method, args] pairs.
// `init` runs first (the other calls need it), then the rest in the order they were made.

export const QUEUED_METHODS = ['init', 'track', 'identify', 'setFlags', 'setConsent'];

export function drainQueue(api, queue) {
  if (!Array.isArray(queue)) return 0;
  const calls = queue.filter((c) => Array.isArray(c) && QUEUED_METHODS.includes(c[0]));
  const ordered = [...calls.filter((c) => c[0] === 'init'), ...calls.filter((c) => c[0] !== 'init')];
  for (const [method, args] of ordered) api[method](...(Array.isArray(args) ? args : []));
  return ordered.length;
}
