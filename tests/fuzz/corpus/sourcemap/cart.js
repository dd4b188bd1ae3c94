// Cart and checkout for the demo shop.
export class Cart {
  constructor(items = []) {
    this.items = items;
  }
  add(item, quantity = 1) {
    const existing = this.items.find((i) => i.sku === item.sku);
    if (existing) existing.quantity += quantity;
    else this.items.push({ ...item, quantity });
  }
  total() {
    return this.items.reduce((sum, i) => sum + i.price.amount * i.quantity, 0);
  }
}

export async function checkout(cart, api) {
  const body = JSON.stringify({ lines: cart.items.map((i) => [i.sku, i.quantity]) });
  const response = await api.post(`/orders?currency=${cart.currency}`, body);
  if (!response.ok) {
    throw new Error(`order failed: ${response.status}`);
  }
  return response.json();
}
