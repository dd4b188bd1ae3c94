#include "enrich/routes.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(RouteOf, TemplatesVolatileSegments) {
  const std::vector<RouteRule> none;
  EXPECT_EQ(RouteOf("/users/12345/orders", none), "/users/:id/orders");
  EXPECT_EQ(RouteOf("/o/3f2b8c1e-9d4a-4e7b-8f6a-2c1d0e9b8a7f/edit", none), "/o/:id/edit");
  EXPECT_EQ(RouteOf("/commit/9f8e7d6c5b4a3928", none), "/commit/:id");
  EXPECT_EQ(RouteOf("/reset/Zm9vYmFyYmF6cXV4MTIzNDU2", none), "/reset/:id");
  EXPECT_EQ(RouteOf("/p/42?ref=mail#reviews", none), "/p/:id");
  EXPECT_EQ(RouteOf("/", none), "/");
  EXPECT_EQ(RouteOf("", none), "/");
  // Names stay: words, slugs with numbers, short codes, versions.
  EXPECT_EQ(RouteOf("/blog/top-10-tips-for-2024", none), "/blog/top-10-tips-for-2024");
  EXPECT_EQ(RouteOf("/api/v2/checkout", none), "/api/v2/checkout");
  EXPECT_EQ(RouteOf("/docs/2.4.1/install", none), "/docs/2.4.1/install");
  EXPECT_EQ(RouteOf("/category/deadbeef", none), "/category/deadbeef");
  EXPECT_EQ(RouteOf("/products/", none), "/products/");
}

TEST(RouteOf, ProjectRulesComeFirst) {
  const std::vector<RouteRule> rules = {
      {"/blog/*", "/blog/:slug"}, {"/docs/**", "/docs/*"}, {"/u/*/settings", "/u/:user/settings"}};
  EXPECT_EQ(RouteOf("/blog/why-rum-matters", rules), "/blog/:slug");
  EXPECT_EQ(RouteOf("/blog/why/rum", rules), "/blog/why/rum");
  EXPECT_EQ(RouteOf("/docs/a/b/c", rules), "/docs/*");
  EXPECT_EQ(RouteOf("/docs", rules), "/docs/*");
  EXPECT_EQ(RouteOf("/u/jane/settings", rules), "/u/:user/settings");
  EXPECT_EQ(RouteOf("/u/jane/orders/77", rules), "/u/jane/orders/:id");
}

}  // namespace
}  // namespace sightline

namespace sightline {
namespace {

TEST(RouteOf, HashRoutersRoutesAreTemplatedLikePathsUnlessTurnedOff) {
  EXPECT_EQ(RouteOf("/app#/orders/12345", {}), "/app#/orders/:id");
  EXPECT_EQ(RouteOf("/#!/cart/9f8e7d6c5b4a39281706", {}), "/#/cart/:id");
  EXPECT_EQ(RouteOf("/app#/orders/12345?tab=2", {}), "/app#/orders/:id");
  EXPECT_EQ(RouteOf("/app#top", {}), "/app");
  EXPECT_EQ(RouteOf("/app#/orders/12345", {}, /*hash_routes=*/false), "/app");
  std::vector<RouteRule> rules = {{"/app#/orders/*", "/app#/orders/:order"}};
  EXPECT_EQ(RouteOf("/app#/orders/12345", rules), "/app#/orders/:order");
  EXPECT_EQ(RouteOf("/app#/orders/12345", rules, false), "/app");
}

TEST(RequestRouteOf, HostAndTemplatedPathWithoutPortQueryOrCredentials) {
  EXPECT_EQ(RequestRouteOf("https://api.shop.example/v1/products/42?currency=EUR"),
            "api.shop.example/v1/products/:id");
  EXPECT_EQ(RequestRouteOf("https://user:pw@api.shop.example:8443/v1/users/12345#x"),
            "api.shop.example/v1/users/:id");
  EXPECT_EQ(RequestRouteOf("https://api.shop.example"), "api.shop.example/");
  EXPECT_EQ(RequestRouteOf("https://[2001:db8::1]:443/v1/cart"), "[2001:db8::1]/v1/cart");
  EXPECT_EQ(RequestRouteOf("/v1/cart/9f8e7d6c5b4a39281706?x=1"), "/v1/cart/:id");
}

}  // namespace
}  // namespace sightline
