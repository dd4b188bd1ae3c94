import { submitOrder, validateCard } from './checkout.js';

document.getElementById('pay').addEventListener('click', () => {
  submitOrder({ total: 10 });
});
document.getElementById('card').addEventListener('click', () => {
  validateCard({ order: Date.now() });
});
