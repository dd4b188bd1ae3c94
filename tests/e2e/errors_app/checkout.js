import { applyDiscount } from './pricing.js';

export function submitOrder(order) {
  const total = applyDiscount(order);
  return total.toFixed(2);
}

export function validateCard(card) {
  if (!card.number) {
    throw new RangeError('card number missing for order ' + card.order);
  }
  return true;
}
