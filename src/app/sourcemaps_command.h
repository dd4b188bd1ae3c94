// `sightline sourcemaps upload`: uploads a build's source maps for a release.
//
//   sightline sourcemaps upload --release R --server URL --project P [--token T]
//                               [--url-prefix PREFIX] DIR
//
// Every bundle under DIR (*.js, *.mjs, *.cjs) with a map beside it — the file its
// `//# sourceMappingURL=` comment names, or else <bundle>.map — is uploaded with
// POST /api/v1/sourcemaps for the URL PREFIX + its path under DIR. PREFIX defaults to "/", so
// DIR/static/app.js becomes "/static/app.js", which matches that path on any origin; give
// "https://cdn.example/assets/" to match one origin only. The token is an upload token of the
// project (--token, or the SIGHTLINE_UPLOAD_TOKEN environment variable). Exit codes: 0 every map
// stored, 1 a map was refused or the server could not be reached (reasons printed), 2 usage.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sightline {

int RunSourceMaps(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sightline
