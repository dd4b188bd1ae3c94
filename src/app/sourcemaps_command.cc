#include "app/sourcemaps_command.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/cli_http.h"
#include "app/loadgen_client.h"

namespace sightline {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: sightline sourcemaps upload --release R --server URL --project P [--token T]\n"
    "                                   [--url-prefix PREFIX] DIR\n"
    "  uploads the source map of every bundle under DIR (*.js, *.mjs, *.cjs with a map beside\n"
    "  it) for the URL PREFIX + its path under DIR; PREFIX defaults to / (any origin).\n"
    "  The token is an upload token (--token or SIGHTLINE_UPLOAD_TOKEN).\n";

Result<std::string> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The map of `bundle`: its sourceMappingURL comment's file (relative, beside it), else bundle.map.
std::optional<fs::path> MapOf(const fs::path& bundle, const std::string& text) {
  for (std::string_view marker : {"//# sourceMappingURL=", "//@ sourceMappingURL="}) {
    size_t at = text.rfind(marker);
    if (at == std::string::npos) continue;
    size_t begin = at + marker.size();
    size_t end = text.find_first_of(" \r\n", begin);
    std::string name = text.substr(begin, end == std::string::npos ? end : end - begin);
    if (name.rfind("data:", 0) == 0 || name.find("://") != std::string::npos) break;
    name = name.substr(0, name.find_first_of("?#"));
    fs::path candidate = bundle.parent_path() / name;
    if (fs::is_regular_file(candidate)) return candidate;
  }
  fs::path beside = bundle;
  beside += ".map";
  if (fs::is_regular_file(beside)) return beside;
  return std::nullopt;
}

}  // namespace

int RunSourceMaps(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] != "upload") {
    err << kUsage;
    return 2;
  }
  std::string release, server, project, prefix = "/", dir;
  const char* env_token = std::getenv("SIGHTLINE_UPLOAD_TOKEN");
  std::string token = env_token ? env_token : "";
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* dst) {
      if (i + 1 >= args.size()) return false;
      *dst = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--release") {
      ok = value(&release);
    } else if (a == "--server") {
      ok = value(&server);
    } else if (a == "--project") {
      ok = value(&project);
    } else if (a == "--token") {
      ok = value(&token);
    } else if (a == "--url-prefix") {
      ok = value(&prefix);
    } else if (a == "-h" || a == "--help") {
      out << kUsage;
      return 0;
    } else if (!a.empty() && a[0] != '-' && dir.empty()) {
      dir = a;
    } else {
      err << "sightline sourcemaps: unknown argument \"" << a << "\"\n" << kUsage;
      return 2;
    }
    if (!ok) {
      err << "sightline sourcemaps: " << a << " needs a value\n" << kUsage;
      return 2;
    }
  }
  if (release.empty() || server.empty() || project.empty() || dir.empty() || token.empty()) {
    err << "sightline sourcemaps: --release, --server, --project, a token and DIR are required\n"
        << kUsage;
    return 2;
  }
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  Result<Target> base = ParseTarget(server);
  if (!base.ok()) {
    err << "sightline sourcemaps: --server: " << base.status().message() << "\n";
    return 2;
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    err << "sightline sourcemaps: " << dir << " is not a directory\n";
    return 2;
  }
  std::vector<fs::path> bundles;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    if (ext == ".js" || ext == ".mjs" || ext == ".cjs") bundles.push_back(entry.path());
  }
  std::sort(bundles.begin(), bundles.end());
  size_t uploaded = 0, failed = 0;
  for (const fs::path& bundle : bundles) {
    Result<std::string> text = ReadAll(bundle);
    if (!text.ok()) {
      err << text.status().message() << "\n";
      ++failed;
      continue;
    }
    std::optional<fs::path> map = MapOf(bundle, *text);
    if (!map) continue;
    Result<std::string> body = ReadAll(*map);
    if (!body.ok()) {
      err << body.status().message() << "\n";
      ++failed;
      continue;
    }
    const std::string url = prefix + fs::relative(bundle, dir).generic_string();
    Target target = *base;
    target.path = "/api/v1/sourcemaps?project=" + UrlEncode(project) +
                  "&release=" + UrlEncode(release) + "&url=" + UrlEncode(url);
    const size_t bytes = body->size();
    Result<std::pair<unsigned, std::string>> res =
        SendRequest(target, "POST", token, std::move(body).value(), "application/json", 120);
    if (!res.ok()) {
      err << "sightline sourcemaps: cannot upload to " << res.status().message() << "\n";
      return 1;
    }
    if (res->first != 201) {
      err << map->string() << ": refused (" << res->first << "): " << res->second << "\n";
      ++failed;
      continue;
    }
    out << "uploaded " << fs::relative(*map, dir).generic_string() << " for " << url << " ("
        << bytes << " bytes)\n";
    ++uploaded;
  }
  out << uploaded << " source maps uploaded for release " << release << ", " << failed
      << " failed\n";
  return failed > 0 || uploaded == 0 ? 1 : 0;
}

}  // namespace sightline
