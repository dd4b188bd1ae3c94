import { formatPrice, shippingFor } from './extras.js';
import { submitOrder, validateCard } from './checkout.js';

const banner = document.createElement('p');
banner.textContent = formatPrice(shippingFor('DE'), 'EUR');
document.body.appendChild(banner);

document.getElementById('pay').addEventListener('click', () => {
  submitOrder({ total: 10 + shippingFor('FR') });
});
document.getElementById('card').addEventListener('click', () => {
  validateCard({ order: Date.now() });
});
