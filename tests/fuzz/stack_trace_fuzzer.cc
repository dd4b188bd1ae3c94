// Fuzz target: any bytes as an error's stack and message, as a browser (or anyone on the internet)
// sends them. Parsing, normalizing and fingerprinting must never crash or read out of bounds, and:
// - ParseStack keeps at most max_frames frames, and a smaller limit gives a prefix of the same
//   frames; lines and columns are never negative;
// - NormalizeMessage leaves no digit (numbers, ids, URLs and quoted text are replaced) and no
//   run of whitespace but single spaces between words; NormalizeScriptPath leaves no digit;
//   NormalizeSourcePath starts with no "./", "../" or "/";
// - IdentifyError's fingerprint is 16 lowercase hex digits, with or without a source map.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "errors/error_grouping.h"
#include "errors/source_map.h"
#include "errors/stack_trace.h"

namespace {

using namespace sightline;

bool HasDigit(std::string_view s) {
  for (char c : s) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

bool SameFrame(const StackFrame& a, const StackFrame& b) {
  return a.function == b.function && a.file == b.file && a.line == b.line && a.column == b.column &&
         a.native == b.native;
}

void CheckFingerprint(const ErrorIdentity& identity) {
  if (identity.fingerprint.size() != 16) __builtin_trap();
  for (char c : identity.fingerprint) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) __builtin_trap();
  }
}

// Every script has the same small map, so frames of any position go through Lookup, FunctionAt
// and Context.
class OneMapResolver : public SourceMapResolver {
 public:
  OneMapResolver() {
    // Line 1 of the bundle: columns 1, 11 and 31 map to lines 2, 3 and 7 of src/pay.js.
    const char* kMap =
        R"({"version":3,"sources":["webpack://shop/./src/pay.js"],"names":["pay","order"],)"
        R"("sourcesContent":["export class Checkout {\n  pay(order) {\n    return order.total.)"
        R"(amount;\n  }\n}\nexport const refund = async (order) => {\n  throw new Error(`no )"
        R"(${order.id}`);\n};\n"],"mappings":"AACEA,UACEC,oBAII"})";
    map_ = std::move(SourceMap::Parse(kMap)).value();
  }
  std::shared_ptr<const SourceMap> Find(std::string_view, std::string_view,
                                        std::string_view) override {
    return map_;
  }

 private:
  std::shared_ptr<const SourceMap> map_;
};

void CheckNormalizers(std::string_view input) {
  std::string message = NormalizeMessage(input);
  if (HasDigit(message)) __builtin_trap();
  if (!message.empty() && (message.front() == ' ' || message.back() == ' ')) __builtin_trap();
  for (size_t char_idx = 0; char_idx < message.size(); ++char_idx) {
    const char c = message[char_idx];
    if (c == '\n' || c == '\t' || c == '\r') __builtin_trap();
    if (c == ' ' && char_idx > 0 && message[char_idx - 1] == ' ') __builtin_trap();
  }
  if (HasDigit(NormalizeScriptPath(input))) __builtin_trap();
  std::string source = NormalizeSourcePath(input);
  if (source.starts_with("./") || source.starts_with("../") || source.starts_with('/')) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static OneMapResolver* const resolver = new OneMapResolver();
  std::string_view input(reinterpret_cast<const char*>(data), size);

  std::vector<StackFrame> frames = ParseStack(input);
  if (frames.size() > 64) __builtin_trap();
  for (const StackFrame& frame : frames) {
    if (frame.line < 0 || frame.column < 0) __builtin_trap();
    (void)IsInAppFile(frame.file, "https://shop.example/checkout");
    (void)IsInAppFile(frame.file, "");
  }
  std::vector<StackFrame> first = ParseStack(input, 3);
  if (first.size() != std::min<size_t>(frames.size(), 3)) __builtin_trap();
  for (size_t frame_idx = 0; frame_idx < first.size(); ++frame_idx) {
    if (!SameFrame(first[frame_idx], frames[frame_idx])) __builtin_trap();
  }

  CheckNormalizers(input);

  // The first line is the message (as in Error.prototype.stack), the whole input the stack.
  ErrorInput error;
  error.project = "shop";
  error.release = "1.0";
  error.kind = "TypeError";
  error.message = input.substr(0, input.find('\n'));
  error.stack = input;
  error.file = "https://shop.example/static/js/main.8c1e9d4a.js";
  error.line = 1;
  error.column = 12;
  error.page_url = "https://shop.example/checkout";
  ErrorIdentity plain = IdentifyError(error, nullptr);
  CheckFingerprint(plain);
  if (plain.frames.empty() || plain.frames.size() > 64) __builtin_trap();  // else error.file
  for (const MappedFrame& f : plain.frames) {
    if (f.mapped || f.context) __builtin_trap();
  }
  ErrorIdentity mapped = IdentifyError(error, resolver, 3);
  CheckFingerprint(mapped);
  if (mapped.frames.size() != plain.frames.size()) __builtin_trap();
  for (const MappedFrame& f : mapped.frames) {
    if (f.mapped && (f.source != "webpack://shop/./src/pay.js" || f.source_line < 1 ||
                     f.source_column < 1 || !f.context)) {
      __builtin_trap();
    }
  }
  return 0;
}
