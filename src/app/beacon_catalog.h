// The simulated shop behind BeaconGenerator: browsers, routes, releases and error templates.
//
// Internal to beacon_generator.cc (one translation unit includes it). Everything here is constant
// data; the weights are relative and only their ratios matter. The user-agent strings are real ones
// from late 2024 (Chrome's reduced UA, Safari 17/18, Firefox 132/133, Edge, Samsung Internet).
#pragma once

#include <array>
#include <string_view>

namespace sightline::beacon_catalog {

enum class Family { kChromium, kWebKit, kGecko };

struct Agent {
  std::string_view ua;
  int weight;
  bool mobile;
  Family family;  // decides which APIs the page has and how errors and stacks read
};

// About 55% mobile (phones and a tablet), 45% desktop.
inline constexpr std::array<Agent, 12> kAgents = {{
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36",
     17, true, Family::kChromium},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Mobile Safari/537.36",
     9, true, Family::kChromium},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1",
     12, true, Family::kWebKit},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
     8, true, Family::kWebKit},
    {"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
     5, true, Family::kChromium},
    {"Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
     4, true, Family::kWebKit},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     20, false, Family::kChromium},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     6, false, Family::kChromium},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Safari/605.1.15",
     7, false, Family::kWebKit},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
     6, false, Family::kChromium},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 4, false,
     Family::kGecko},
    {"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", 2, false,
     Family::kGecko},
}};

enum class RouteId { kHome, kProduct, kCategory, kSearch, kCart, kCheckout, kAccount, kBlog };

struct Route {
  RouteId id;
  std::string_view tmpl;  // the route as the agent reports it
  int weight;
  // The click (or submit) that a visit of this route makes, and the feature it belongs to.
  std::string_view action, target, feature;
  // The LCP element and, for images, its resource ("" for a text LCP).
  std::string_view lcp_element, lcp_url;
  // The API calls the page makes while loading (path on https://api.shop.example).
  std::array<std::string_view, 2> load_calls;
  // The call the action triggers ("" for none), with its method.
  std::string_view action_method, action_call;
  double custom_chance;  // probability of a business (custom) event on this page
};

inline constexpr std::array<Route, 8> kRoutes = {{
    {RouteId::kHome,
     "/",
     15,
     "click",
     "a.hero-cta",
     "hero-banner",
     "img.hero",
     "https://cdn.shop.example/img/hero-winter.avif",
     {"/v1/cart", "/v1/recommendations?slot=home"},
     "",
     "",
     0.08},
    {RouteId::kProduct,
     "/products/:id",
     35,
     "click",
     "button#add-to-cart",
     "add-to-cart",
     "img.product-image",
     "https://cdn.shop.example/img/products/{id}-800.webp",
     {"/v1/products/{id}", "/v1/products/{id}/reviews?page=1"},
     "POST",
     "/v1/cart/items",
     0.25},
    {RouteId::kCategory,
     "/category/:slug",
     20,
     "click",
     "a.product-card",
     "product-grid",
     "img.category-banner",
     "https://cdn.shop.example/img/categories/{slug}.webp",
     {"/v1/categories/{slug}/products?page=1", "/v1/cart"},
     "",
     "",
     0.08},
    {RouteId::kSearch,
     "/search",
     10,
     "submit",
     "form#search",
     "search",
     "div.result-list",
     "",
     {"/v1/search?q={q}", "/v1/cart"},
     "GET",
     "/v1/search/suggest?q={q}",
     0.3},
    {RouteId::kCart,
     "/cart",
     8,
     "click",
     "button.qty-increase",
     "cart-edit",
     "h1.cart-title",
     "",
     {"/v1/cart", "/v1/shipping/estimate"},
     "PATCH",
     "/v1/cart/items/{id}",
     0.08},
    {RouteId::kCheckout,
     "/checkout",
     6,
     "click",
     "button#pay",
     "checkout-pay",
     "div.order-summary",
     "",
     {"/v1/cart", "/v1/shipping/options"},
     "POST",
     "/v1/checkout/payment",
     0.6},
    {RouteId::kAccount,
     "/account/orders",
     3,
     "click",
     "a.order-link",
     "order-history",
     "table.orders",
     "",
     {"/v1/orders?page=1", "/v1/me"},
     "",
     "",
     0.05},
    {RouteId::kBlog,
     "/blog/:slug",
     3,
     "click",
     "a.related-post",
     "related-posts",
     "h1.post-title",
     "",
     {"/v1/cart", "/v1/recommendations?slot=blog"},
     "",
     "",
     0.05},
}};

inline constexpr std::array<std::string_view, 8> kCategories = {
    "shoes", "jackets", "backpacks", "accessories", "kids", "sale", "running", "outdoor"};
inline constexpr std::array<std::string_view, 6> kSearches = {
    "running+shoes", "rain+jacket", "gift+card", "wool+socks", "backpack+30l", "trail"};
inline constexpr std::array<std::string_view, 5> kPosts = {
    "how-to-choose-running-shoes", "winter-layering-guide", "care-for-your-down-jacket",
    "spring-collection-2025", "sustainability-report"};

struct Release {
  std::string_view version;
  int weight;
  std::string_view bundle_hash;  // content hash in the file names of this release's bundles
};

inline constexpr std::array<Release, 3> kReleases = {{
    {"2.4.1", 65, "3f9a1c"},
    {"2.4.0", 25, "b27e90"},
    {"2.3.9", 10, "71d4c5"},
}};

struct Frame {
  std::string_view function;
  int line, column;
};

// One kind of error as each browser family words it. The bundle is a file name stem under
// https://shop.example/static/ (e.g. "checkout" → checkout.3f9a1c.js).
struct ErrorTemplate {
  std::string_view kind;
  std::array<std::string_view, 3> message;  // by Family
  std::string_view bundle;
  std::array<Frame, 3> frames;
  int weight;
};

inline constexpr std::array<ErrorTemplate, 5> kErrors = {{
    {"TypeError",
     {"Cannot read properties of undefined (reading 'price')",
      "undefined is not an object (evaluating 'e.price')", "e is undefined"},
     "checkout",
     {{{"renderCart", 847, 12}, {"Array.map", 846, 30}, {"Tn", 1203, 5}}},
     35},
    {"TypeError",
     {"Failed to fetch", "Load failed", "NetworkError when attempting to fetch resource."},
     "api-client",
     {{{"request", 112, 18}, {"getCart", 240, 9}, {"r", 58, 22}}},
     25},
    {"ChunkLoadError",
     {"Loading chunk 412 failed.", "Loading chunk 412 failed.", "Loading chunk 412 failed."},
     "runtime",
     {{{"j.f.j", 1, 3810}, {"Array.reduce", 1, 4022}, {"j.e", 1, 3977}}},
     15},
    {"ReferenceError",
     {"gtag is not defined", "Can't find variable: gtag", "gtag is not defined"},
     "analytics",
     {{{"trackPurchase", 31, 7}, {"onPay", 902, 15}, {"HTMLButtonElement.<anonymous>", 915, 3}}},
     10},
    {"Error",
     {"Payment authorization timed out after 30000ms",
      "Payment authorization timed out after 30000ms",
      "Payment authorization timed out after 30000ms"},
     "checkout",
     {{{"authorize", 1310, 19}, {"async submitPayment", 1288, 5}, {"onPay", 902, 15}}},
     15},
}};

struct Step {
  std::string_view action, target, feature;
};

// A second, route-independent interaction some visits make.
inline constexpr std::array<Step, 3> kExtraActions = {{
    {"click", "button#menu", "nav-menu"},
    {"click", "a.cart-link", "header-cart"},
    {"click", "button.accept-cookies", "consent-banner"},
}};

inline constexpr std::array<std::string_view, 4> kClsSources = {
    "div.promo-banner", "img.product-thumb", "div.cookie-banner", "section.reviews"};

struct Flag {
  std::string_view name;
  double rollout;  // share of visits that have it on
};

inline constexpr std::array<Flag, 4> kFlags = {{
    {"new-payment-flow", 0.3},
    {"quick-add", 0.5},
    {"reco-v2", 0.1},
    {"lazy-hero", 0.2},
}};

}  // namespace sightline::beacon_catalog
