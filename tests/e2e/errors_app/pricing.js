// The test app's pricing: its bug (a missing coupon) is the TypeError the errors tests group.
export function applyDiscount(order) {
  const percent = order.coupon.percent;
  return order.total * (1 - percent / 100);
}
