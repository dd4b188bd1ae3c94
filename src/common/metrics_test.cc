#include "common/metrics.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(MetricsTest, RendersPrometheusTextWithHelpTypeAndLabels) {
  MetricsRegistry registry;
  registry.AddCounter("x_total", "Things", "kind=\"a\"").Inc(3);
  registry.AddCounter("x_total", "Things", "kind=\"b\"").Inc();
  registry.AddGauge("y", "Level").Set(-2);
  registry.AddGaugeCallback("z", "Computed", [] { return 1.5; });
  std::string text = registry.Render();
  EXPECT_NE(text.find("# HELP x_total Things\n# TYPE x_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("x_total{kind=\"a\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("x_total{kind=\"b\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("y -2\n"), std::string::npos);
  EXPECT_NE(text.find("z 1.5\n"), std::string::npos);
}

TEST(MetricsTest, RegisteringTheSameSeriesTwiceReturnsOneCounter) {
  MetricsRegistry registry;
  Counter& a = registry.AddCounter("c_total", "C", "r=\"1\"");
  Counter& b = registry.AddCounter("c_total", "C", "r=\"1\"");
  EXPECT_EQ(&a, &b);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  Histogram& h = registry.AddHistogram("lat_seconds", "Latency", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = registry.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NEAR(h.sum(), 5.55, 1e-6);
}

}  // namespace
}  // namespace sightline
