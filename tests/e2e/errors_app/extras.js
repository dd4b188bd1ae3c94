// Added in the second release: code that moves the bug and changes the minifier's names.
export function formatPrice(amount, currency) {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount);
}

export function shippingFor(country) {
  const table = { DE: 4.9, FR: 5.9, US: 9.9 };
  return table[country] ?? 12.5;
}
