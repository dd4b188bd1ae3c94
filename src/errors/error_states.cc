#include "errors/error_states.h"

#include <simdjson.h>

#include "common/env.h"
#include "common/json_writer.h"

namespace sightline {

Result<std::unique_ptr<ErrorStates>> ErrorStates::Open(std::string dir) {
  Env* env = Env::Default();
  SL_RETURN_IF_ERROR(env->CreateDirs(dir));
  std::unique_ptr<ErrorStates> states(new ErrorStates(dir));
  Result<std::vector<std::string>> files = env->ListDir(dir);
  if (!files.ok()) return files.status();
  simdjson::dom::parser parser;
  for (const std::string& file : *files) {
    if (file.size() <= 6 || file.substr(file.size() - 6) != ".jsonl") continue;
    Result<std::string> text = env->ReadFile(JoinPath(dir, file));
    if (!text.ok()) return text.status();
    auto& project = states->states_[file.substr(0, file.size() - 6)];
    for (size_t begin = 0; begin < text->size();) {
      size_t end = text->find('\n', begin);
      if (end == std::string::npos) break;  // torn: that change was never acknowledged
      std::string_view line(text->data() + begin, end - begin);
      begin = end + 1;
      simdjson::dom::object o;
      std::string_view fingerprint, status;
      int64_t changed = 0;
      if (parser.parse(line.data(), line.size()).get(o) != simdjson::SUCCESS ||
          o["fingerprint"].get(fingerprint) != simdjson::SUCCESS ||
          o["status"].get(status) != simdjson::SUCCESS || !ValidStatus(status)) {
        continue;
      }
      if (o["changed_ms"].get(changed) != simdjson::SUCCESS) changed = 0;
      project[std::string(fingerprint)] = {std::string(status), changed};
    }
  }
  return states;
}

Status ErrorStates::Set(const std::string& project, const std::string& fingerprint,
                        std::string_view status, int64_t now_ms) {
  if (!ValidStatus(status)) {
    return Status::InvalidArgument("status: must be open, resolved or ignored");
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("fingerprint");
  w.String(fingerprint);
  w.Key("status");
  w.String(status);
  w.Key("changed_ms");
  w.Int(now_ms);
  w.EndObject();
  std::lock_guard<std::mutex> lock(mu_);
  SL_RETURN_IF_ERROR(
      Env::Default()->AppendLineDurably(JoinPath(dir_, project + ".jsonl"), w.Take()));
  states_[project][fingerprint] = {std::string(status), now_ms};
  return Status::Ok();
}

std::unordered_map<std::string, ErrorState> ErrorStates::Snapshot(
    const std::string& project) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(project);
  return it == states_.end() ? std::unordered_map<std::string, ErrorState>{} : it->second;
}

}  // namespace sightline
