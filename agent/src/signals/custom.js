// Custom (business) events: `Sightline.track(name, {value, ...attributes})`, e.g.
// `track('checkout_completed', {value: 129.9, currency: 'EUR'})`. `value` is kept only when it is
// a finite number; every other member becomes an attribute.

export function customEvent(name, data) {
  const { value, ...attributes } = data && typeof data === 'object' ? data : {};
  return { type: 'custom', name: String(name),
    value: typeof value === 'number' && Number.isFinite(value) ? value : undefined, attributes };
}
