#include "common/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/env.h"

namespace sightline {
namespace {

std::string Where(const std::string& path, const YAML::Node& node) {
  std::string out = path;
  if (node.Mark().line >= 0) out += " (line " + std::to_string(node.Mark().line + 1) + ")";
  return out;
}

Status TypeError(const std::string& path, const YAML::Node& node, std::string_view expected) {
  std::string got = node.IsScalar()     ? "\"" + node.Scalar() + "\""
                    : node.IsSequence() ? "a list"
                    : node.IsMap()      ? "a mapping"
                                        : "nothing";
  return Status::InvalidArgument(Where(path, node) + ": expected " + std::string(expected) +
                                 ", got " + got);
}

// Walks one YAML mapping: each key may be read once, unknown and duplicate keys are errors.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  // `handlers` maps each allowed key to the function that reads its value.
  Status Read(
      const std::map<std::string, std::function<Status(const YAML::Node&, const std::string&)>>&
          handlers) {
    if (!node_.IsMap()) return TypeError(path_.empty() ? "config" : path_, node_, "a mapping");
    std::set<std::string> seen;
    for (const auto& entry : node_) {
      if (!entry.first.IsScalar()) {
        return Status::InvalidArgument(Where(path_.empty() ? "config" : path_, entry.first) +
                                       ": a key must be a plain name, not a mapping or a list");
      }
      std::string key = entry.first.Scalar();
      std::string key_path = path_.empty() ? key : path_ + "." + key;
      if (!seen.insert(key).second) {
        return Status::InvalidArgument(Where(key_path, entry.first) + ": duplicate key");
      }
      auto it = handlers.find(key);
      if (it == handlers.end()) {
        std::string allowed;
        for (const auto& [name, unused] : handlers) allowed += (allowed.empty() ? "" : ", ") + name;
        return Status::InvalidArgument(Where(key_path, entry.first) +
                                       ": unknown key (expected one of " + allowed + ")");
      }
      SL_RETURN_IF_ERROR(it->second(entry.second, key_path));
    }
    return Status::Ok();
  }

 private:
  YAML::Node node_;
  std::string path_;
};

using Handler = std::function<Status(const YAML::Node&, const std::string&)>;

template <typename Int>
Handler ReadInt(Int* out, int64_t min, int64_t max) {
  return [=](const YAML::Node& node, const std::string& path) -> Status {
    if (!node.IsScalar()) return TypeError(path, node, "an integer");
    const std::string& text = node.Scalar();
    int64_t value = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
      return TypeError(path, node, "an integer");
    }
    if (value < min || value > max) {
      return Status::InvalidArgument(Where(path, node) + ": " + text + " is out of range [" +
                                     std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    *out = static_cast<Int>(value);
    return Status::Ok();
  };
}

Handler ReadDouble(double* out, double min, double max) {
  return [=](const YAML::Node& node, const std::string& path) -> Status {
    if (!node.IsScalar()) return TypeError(path, node, "a number");
    const std::string& text = node.Scalar();
    double value = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size() || !std::isfinite(value)) {
      return TypeError(path, node, "a number");
    }
    if (value < min || value > max) {
      return Status::InvalidArgument(Where(path, node) + ": " + text + " is out of range");
    }
    *out = value;
    return Status::Ok();
  };
}

Handler ReadBool(bool* out) {
  return [=](const YAML::Node& node, const std::string& path) -> Status {
    if (!node.IsScalar() || (node.Scalar() != "true" && node.Scalar() != "false")) {
      return TypeError(path, node, "true or false");
    }
    *out = node.Scalar() == "true";
    return Status::Ok();
  };
}

Handler ReadString(std::string* out) {
  return [=](const YAML::Node& node, const std::string& path) -> Status {
    if (!node.IsScalar()) return TypeError(path, node, "a string");
    *out = node.Scalar();
    return Status::Ok();
  };
}

Handler ReadStringList(std::vector<std::string>* out) {
  return [=](const YAML::Node& node, const std::string& path) -> Status {
    if (!node.IsSequence()) return TypeError(path, node, "a list of strings");
    out->clear();
    for (size_t idx = 0; idx < node.size(); ++idx) {
      std::string item_path = path + "[" + std::to_string(idx) + "]";
      if (!node[idx].IsScalar() || node[idx].Scalar().empty()) {
        return TypeError(item_path, node[idx], "a non-empty string");
      }
      out->push_back(node[idx].Scalar());
    }
    return Status::Ok();
  };
}

Handler ReadRateMap(RateMap* out) {
  return [=](const YAML::Node& node, const std::string& path) -> Status {
    if (!node.IsMap()) return TypeError(path, node, "a mapping of names to rates");
    out->clear();
    for (const auto& entry : node) {
      std::string name = entry.first.as<std::string>();
      if (name.empty()) return Status::InvalidArgument(Where(path, entry.first) + ": empty name");
      double rate = 0;
      SL_RETURN_IF_ERROR(ReadDouble(&rate, 0, 1)(entry.second, path + "." + name));
      out->emplace_back(std::move(name), rate);
    }
    return Status::Ok();
  };
}

bool ValidProjectId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status ReadProject(const YAML::Node& node, const std::string& path, ProjectConfig* project) {
  MapReader reader(node, path);
  SL_RETURN_IF_ERROR(reader.Read({
      {"id", ReadString(&project->id)},
      {"ingest_keys", ReadStringList(&project->ingest_keys)},
      {"read_tokens", ReadStringList(&project->read_tokens)},
      {"upload_tokens", ReadStringList(&project->upload_tokens)},
      {"server_tokens", ReadStringList(&project->server_tokens)},
      {"allowed_origins", ReadStringList(&project->allowed_origins)},
      {"retention_days", ReadInt(&project->retention_days, 1, 36500)},
      {"hash_routes", ReadBool(&project->hash_routes)},
      {"sampling",
       [&](const YAML::Node& sampling, const std::string& sampling_path) {
         SamplingConfig& sc = project->sampling;
         return MapReader(sampling, sampling_path)
             .Read({
                 {"sample_rate", ReadDouble(&sc.sample_rate, 0, 1)},
                 {"error_sample_rate", ReadDouble(&sc.error_sample_rate, 0, 1)},
                 {"by_region", ReadRateMap(&sc.by_region)},
                 {"by_user_tier", ReadRateMap(&sc.by_user_tier)},
                 {"by_feature_flag", ReadRateMap(&sc.by_feature_flag)},
             });
       }},
      {"routes",
       [&](const YAML::Node& routes, const std::string& routes_path) -> Status {
         if (!routes.IsSequence()) return TypeError(routes_path, routes, "a list of rules");
         for (size_t idx = 0; idx < routes.size(); ++idx) {
           std::string rule_path = routes_path + "[" + std::to_string(idx) + "]";
           RouteRule rule;
           SL_RETURN_IF_ERROR(
               MapReader(routes[idx], rule_path)
                   .Read({{"match", ReadString(&rule.match)}, {"route", ReadString(&rule.route)}}));
           if (rule.match.empty() || rule.match[0] != '/' || rule.route.empty()) {
             return Status::InvalidArgument(
                 Where(rule_path, routes[idx]) +
                 ": a route rule needs a match starting with '/' and a route");
           }
           project->routes.push_back(std::move(rule));
         }
         return Status::Ok();
       }},
  }));
  if (!ValidProjectId(project->id)) {
    return Status::InvalidArgument(Where(path + ".id", node) +
                                   ": a project needs an id of 1-64 characters [a-z0-9_-]");
  }
  if (project->ingest_keys.empty()) {
    return Status::InvalidArgument(Where(path + ".ingest_keys", node) +
                                   ": a project needs at least one ingest key");
  }
  return Status::Ok();
}

Status ValidateCrossReferences(const Config& config) {
  std::set<std::string> ids, keys, tokens;
  for (const ProjectConfig& project : config.projects) {
    if (!ids.insert(project.id).second) {
      return Status::InvalidArgument("projects: duplicate project id \"" + project.id + "\"");
    }
    for (const std::string& key : project.ingest_keys) {
      if (!keys.insert(key).second) {
        return Status::InvalidArgument("projects: ingest key \"" + key +
                                       "\" belongs to more than one project");
      }
    }
    for (const std::string& token : project.read_tokens) {
      if (!tokens.insert(token).second) {
        return Status::InvalidArgument("projects: a read token belongs to more than one project");
      }
    }
    for (const std::string& token : project.upload_tokens) {
      if (!tokens.insert(token).second) {
        return Status::InvalidArgument(
            "projects: an upload token belongs to more than one project or is also a read token");
      }
    }
    for (const std::string& token : project.server_tokens) {
      if (!tokens.insert(token).second || keys.count(token) > 0) {
        return Status::InvalidArgument(
            "projects: a server token belongs to more than one project, or is also another kind "
            "of token or an ingest key");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ParseListen(const std::string& text, ServerConfig* server) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("listen: expected HOST:PORT, got \"" + text + "\"");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  std::string port_text = text.substr(colon + 1);
  auto res = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (res.ec != std::errc() || res.ptr != port_text.data() + port_text.size() || port > 65535) {
    return Status::InvalidArgument("listen: bad port in \"" + text + "\"");
  }
  server->host = host;
  server->port = static_cast<uint16_t>(port);
  return Status::Ok();
}

static Result<Config> ReadConfig(const YAML::Node& root);

Result<Config> ParseConfig(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("config is not valid YAML: ") + e.what());
  }
  // Reading checks every node's kind before converting it; yaml-cpp's own exceptions are caught
  // too, so that no configuration file can end the process with one.
  try {
    return ReadConfig(root);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("config cannot be read: ") + e.what());
  }
}

static Result<Config> ReadConfig(const YAML::Node& root) {
  Config config;
  if (root.IsNull()) return Status::InvalidArgument("config is empty");
  MapReader reader(root, "");
  Status status = reader.Read({
      {"listen",
       [&](const YAML::Node& node, const std::string& path) -> Status {
         if (!node.IsScalar()) return TypeError(path, node, "HOST:PORT");
         return ParseListen(node.Scalar(), &config.server);
       }},
      {"data_dir", ReadString(&config.storage.data_dir)},
      {"server",
       [&](const YAML::Node& node, const std::string& path) {
         ServerConfig& s = config.server;
         return MapReader(node, path)
             .Read({
                 {"max_connections", ReadInt(&s.max_connections, 1, 1000000)},
                 {"idle_timeout_ms", ReadInt(&s.idle_timeout_ms, 100, 3600000)},
                 {"request_timeout_ms", ReadInt(&s.request_timeout_ms, 100, 3600000)},
                 {"io_threads", ReadInt(&s.io_threads, 0, 256)},
                 {"query_threads", ReadInt(&s.query_threads, 1, 64)},
                 {"query_timeout_ms", ReadInt(&s.query_timeout_ms, 100, 3600000)},
                 {"max_pending_queries", ReadInt(&s.max_pending_queries, 1, 100000)},
                 {"trusted_proxies", ReadStringList(&s.trusted_proxies)},
                 {"dashboard_rum_key", ReadString(&s.dashboard_rum_key)},
             });
       }},
      {"limits",
       [&](const YAML::Node& node, const std::string& path) {
         LimitsConfig& l = config.limits;
         return MapReader(node, path)
             .Read({
                 {"beacons_per_second_per_client",
                  ReadDouble(&l.beacons_per_second_per_client, 0, 1e9)},
                 {"beacons_per_second_per_key", ReadDouble(&l.beacons_per_second_per_key, 0, 1e9)},
                 {"max_body_bytes", ReadInt(&l.max_body_bytes, 1024, 64 << 20)},
                 {"max_inflated_bytes", ReadInt(&l.max_inflated_bytes, 1024, 256 << 20)},
                 {"max_events_per_beacon", ReadInt(&l.max_events_per_beacon, 1, 100000)},
                 {"max_string_bytes", ReadInt(&l.max_string_bytes, 16, 1 << 20)},
                 {"max_text_bytes", ReadInt(&l.max_text_bytes, 16, 4 << 20)},
                 {"max_depth", ReadInt(&l.max_depth, 2, 1024)},
                 {"max_event_age_s", ReadInt(&l.max_event_age_s, 1, 30 * 86400)},
                 {"max_event_future_s", ReadInt(&l.max_event_future_s, 0, 86400)},
                 {"max_sourcemap_bytes", ReadInt(&l.max_sourcemap_bytes, 1024, 1 << 30)},
                 {"max_trace_bytes", ReadInt(&l.max_trace_bytes, 1024, 1 << 30)},
                 {"max_spans_per_export", ReadInt(&l.max_spans_per_export, 1, 1000000)},
                 {"traffic_posts_per_second", ReadDouble(&l.traffic_posts_per_second, 0, 1e6)},
                 {"max_query_groups", ReadInt(&l.max_query_groups, 100, 100000000)},
                 {"max_memory_mb", ReadInt(&l.max_memory_mb, 0, 16777216)},
                 {"max_query_memory_mb", ReadDouble(&l.max_query_memory_mb, 0, 16777216)},
             });
       }},
      {"storage",
       [&](const YAML::Node& node, const std::string& path) {
         StorageConfig& st = config.storage;
         SL_RETURN_IF_ERROR(
             MapReader(node, path)
                 .Read({
                     {"region", ReadString(&st.region)},
                     {"wal_fsync_interval_ms", ReadInt(&st.wal_fsync_interval_ms, 1, 60000)},
                     {"memtable_flush_bytes",
                      ReadInt(&st.memtable_flush_bytes, 1 << 16, int64_t{1} << 40)},
                     {"memtable_max_bytes",
                      ReadInt(&st.memtable_max_bytes, 1 << 17, int64_t{1} << 42)},
                     {"max_open_files", ReadInt(&st.max_open_files, 4, 1000000)},
                     {"memtable_flush_interval_s",
                      ReadInt(&st.memtable_flush_interval_s, 1, 86400)},
                     {"compact_interval_s", ReadInt(&st.compact_interval_s, 0, 86400)},
                 }));
         // The memtable holds one flushing and one filling: room for both, and more.
         if (st.memtable_max_bytes < 2 * st.memtable_flush_bytes) {
           if (node["memtable_max_bytes"]) {
             return Status::InvalidArgument(
                 Where(path + ".memtable_max_bytes", node["memtable_max_bytes"]) +
                 ": must be at least twice storage.memtable_flush_bytes");
           }
           st.memtable_max_bytes = 4 * st.memtable_flush_bytes;
         }
         return Status::Ok();
       }},
      {"geo",
       [&](const YAML::Node& node, const std::string& path) {
         return MapReader(node, path)
             .Read({{"country_db", ReadString(&config.geo.country_db)},
                    {"city_db", ReadString(&config.geo.city_db)}});
       }},
      {"user_agent",
       [&](const YAML::Node& node, const std::string& path) {
         return MapReader(node, path)
             .Read({{"regexes", ReadString(&config.user_agent.regexes)},
                    {"cache_size", ReadInt(&config.user_agent.cache_size, 1, 10000000)}});
       }},
      {"privacy",
       [&](const YAML::Node& node, const std::string& path) {
         return MapReader(node, path)
             .Read({{"secret_params", ReadStringList(&config.privacy.secret_params)}});
       }},
      {"sourcemaps",
       [&](const YAML::Node& node, const std::string& path) {
         return MapReader(node, path)
             .Read({{"cache_mb", ReadInt(&config.sourcemaps.cache_mb, 1, 1 << 20)}});
       }},
      {"log",
       [&](const YAML::Node& node, const std::string& path) {
         return MapReader(node, path).Read({{"level", ReadString(&config.log.level)}});
       }},
      {"projects",
       [&](const YAML::Node& node, const std::string& path) -> Status {
         if (!node.IsSequence()) return TypeError(path, node, "a list of projects");
         for (size_t idx = 0; idx < node.size(); ++idx) {
           ProjectConfig project;
           SL_RETURN_IF_ERROR(
               ReadProject(node[idx], path + "[" + std::to_string(idx) + "]", &project));
           config.projects.push_back(std::move(project));
         }
         return Status::Ok();
       }},
  });
  if (!status.ok()) return status;
  if (config.projects.empty())
    return Status::InvalidArgument("projects: at least one project is required");
  if (config.storage.region.empty() || !ValidProjectId(config.storage.region)) {
    return Status::InvalidArgument("storage.region: 1-64 characters [a-z0-9_-]");
  }
  const std::string& level = config.log.level;
  if (level != "debug" && level != "info" && level != "warn" && level != "error") {
    return Status::InvalidArgument("log.level: expected debug, info, warn or error, got \"" +
                                   level + "\"");
  }
  SL_RETURN_IF_ERROR(ValidateCrossReferences(config));
  if (const std::string& key = config.server.dashboard_rum_key; !key.empty()) {
    const bool known =
        std::any_of(config.projects.begin(), config.projects.end(), [&](const auto& p) {
          return std::find(p.ingest_keys.begin(), p.ingest_keys.end(), key) != p.ingest_keys.end();
        });
    if (!known) {
      return Status::InvalidArgument(
          "server.dashboard_rum_key: not an ingest key of any configured project");
    }
  }
  return config;
}

Result<Config> LoadConfigFile(const std::string& path) {
  Result<std::string> text = Env::Default()->ReadFile(path);
  if (!text.ok()) return Status::InvalidArgument("cannot read config: " + text.status().message());
  Result<Config> config = ParseConfig(*text);
  if (!config.ok()) return Status::InvalidArgument(path + ": " + config.status().message());
  return config;
}

}  // namespace sightline
