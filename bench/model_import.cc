#include "bench/model_import.h"

#include <cmath>
#include <filesystem>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "datasets/npy.h"
#include "nlohmann/json.hpp"
#include "sdl/methods.h"
#include "util/input_file.h"
#include "util/stable_hash.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxModelJsonBytes = 1 << 20;
// The largest array file hashed: a paper-scale dictionary is a few hundred megabytes.
constexpr int64_t kMaxArrayBytes = int64_t{16} << 30;

constexpr char kAcceptedActivations[] =
    "\"relu\", \"topk(k=K)\", \"topk_relu(k=K)\", \"batchtopk(threshold=T)\", \"jumprelu\" "
    "(thresholds in extra.npy) or \"jumprelu(extra=log_thresholds)\"";

std::string Shape(const std::vector<int64_t>& shape) {
  return absl::StrCat("(", absl::StrJoin(shape, ", "), shape.size() == 1 ? ",)" : ")");
}

// The activation of a model trained elsewhere, in model.json's small fixed vocabulary (a file
// format, docs/submitting.md; not LRB's family list: a new LRB family needs no entry here,
// its exports carry their method spec). Each kind is scored as the LRB family of that name,
// but topk_relu, which is the topk family with relu=1 (sdl/family.h TopkReluKnob).
struct Activation {
  std::string kind;  // relu, topk, topk_relu, batchtopk, jumprelu
  int64_t k = 0;
  double threshold = 0;
  bool log_thresholds = false;
};

absl::StatusOr<Activation> ParseActivation(const std::string& raw) {
  std::string text = absl::StrReplaceAll(absl::AsciiStrToLower(raw), {{" ", ""}});
  Activation a;
  const auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "activation \"%s\" %s; expected %s", raw, why, kAcceptedActivations));
  };
  const size_t open = text.find('(');
  a.kind = text.substr(0, open);
  std::string argument;
  if (open != std::string::npos) {
    if (text.back() != ')') return bad("has no closing parenthesis");
    argument = text.substr(open + 1, text.size() - open - 2);
  }
  const auto value_of = [&](const std::string& key) -> std::optional<std::string> {
    if (!absl::StartsWith(argument, key + "=")) return std::nullopt;
    return argument.substr(key.size() + 1);
  };
  if (a.kind == "relu") {
    if (!argument.empty() || open != std::string::npos) return bad("takes no argument");
  } else if (a.kind == "topk" || a.kind == "topk_relu") {
    const std::optional<std::string> k = value_of("k");
    if (!k.has_value() || !absl::SimpleAtoi(*k, &a.k) || a.k < 1) {
      return bad("needs k, a positive integer");
    }
  } else if (a.kind == "batchtopk") {
    const std::optional<std::string> t = value_of("threshold");
    if (!t.has_value() || !absl::SimpleAtod(*t, &a.threshold) || !std::isfinite(a.threshold)) {
      return bad("needs threshold, a finite number (the running threshold used at inference)");
    }
  } else if (a.kind == "jumprelu") {
    if (open != std::string::npos) {
      const std::optional<std::string> extra = value_of("extra");
      if (!extra.has_value() || (*extra != "thresholds" && *extra != "log_thresholds")) {
        return bad("takes only extra=thresholds or extra=log_thresholds");
      }
      a.log_thresholds = *extra == "log_thresholds";
    }
  } else {
    return bad("is not one LRB scores");
  }
  return a;
}

std::string ToString(const Activation& a) {
  if (a.kind == "topk" || a.kind == "topk_relu") return absl::StrCat(a.kind, "(k=", a.k, ")");
  if (a.kind == "batchtopk") return absl::StrFormat("batchtopk(threshold=%.9g)", a.threshold);
  if (a.kind == "jumprelu" && a.log_thresholds) return "jumprelu(extra=log_thresholds)";
  return a.kind;
}

// Reads `name` from `dir` as float32 and checks that every value is finite.
absl::StatusOr<datasets::NpyArray<float>> ReadArray(const std::string& dir,
                                                    const std::string& name) {
  const std::string path = (std::filesystem::path(dir) / name).string();
  absl::StatusOr<datasets::NpyArray<float>> array = datasets::ReadNpyFloat(path);
  if (!array.ok()) {
    return absl::Status(array.status().code(),
                        absl::StrCat(array.status().message(),
                                     " (model arrays are float32: numpy.save(path, "
                                     "array.astype(numpy.float32)))"));
  }
  for (size_t i = 0; i < array->values.size(); ++i) {
    if (!std::isfinite(array->values[i])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: element %d (C order) is %f; a model's parameters must be finite", path, i,
          array->values[i]));
    }
  }
  return array;
}

// A 2-d array expected as (rows, cols) named `rows_name` x `cols_name`.
absl::Status CheckMatrix(const std::string& file, const datasets::NpyArray<float>& array,
                         int64_t rows, int64_t cols, const std::string& rows_name,
                         const std::string& cols_name, const std::string& meaning) {
  const std::vector<int64_t> expected = {rows, cols};
  if (array.shape == expected) return absl::OkStatus();
  std::string message = absl::StrFormat(
      "%s has shape %s; expected (%s, %s) = %s (%s)", file, Shape(array.shape), rows_name,
      cols_name, Shape(expected), meaning);
  if (array.shape == std::vector<int64_t>{cols, rows}) {
    absl::StrAppend(&message, "; transposed? save its transpose (.T)");
  }
  return absl::InvalidArgumentError(message);
}

absl::Status CheckVector(const std::string& file, const datasets::NpyArray<float>& array,
                         int64_t size, const std::string& size_name) {
  if (array.shape == std::vector<int64_t>{size}) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat("%s has shape %s; expected (%s,) = (%d,)",
                                                    file, Shape(array.shape), size_name, size));
}

std::string TopologyPrefix(const std::string& topology, int64_t sources) {
  if (topology == "crosscoder") return absl::StrFormat("crosscoder.%%s(sources=%d,", sources);
  return absl::StrCat(topology, ".%s(");
}

}  // namespace

absl::StatusOr<std::string> CanonicalActivation(const std::string& text) {
  LRB_ASSIGN_OR_RETURN(const Activation a, ParseActivation(text));
  return ToString(a);
}

absl::StatusOr<ImportedModel> LoadModelDirectory(const std::string& dir, int64_t n_p,
                                                 int64_t n_r, const std::string& topology,
                                                 int64_t sources) {
  if (!std::filesystem::is_directory(dir)) {
    return absl::NotFoundError(absl::StrCat("--model=", dir, " is not a directory"));
  }
  const std::string json_path = (std::filesystem::path(dir) / "model.json").string();
  LRB_ASSIGN_OR_RETURN(const std::string json_text, ReadSmallFile(json_path, kMaxModelJsonBytes));
  const json description = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (description.is_discarded() || !description.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(json_path, " is not a JSON object; expected {\"activation\": ...}"));
  }
  const auto string_key = [&](const char* key) -> absl::StatusOr<std::optional<std::string>> {
    if (!description.contains(key)) return std::nullopt;
    if (!description[key].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(json_path, ": \"", key, "\" is not a string"));
    }
    return description[key].get<std::string>();
  };
  LRB_ASSIGN_OR_RETURN(const std::optional<std::string> activation_text, string_key("activation"));
  LRB_ASSIGN_OR_RETURN(const std::optional<std::string> method_text, string_key("method_spec"));
  if (!activation_text.has_value() && !method_text.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(json_path, " has no \"activation\"; expected one of ", kAcceptedActivations));
  }

  ImportedModel imported;
  LRB_ASSIGN_OR_RETURN(const datasets::NpyArray<float> w_e, ReadArray(dir, "W_E.npy"));
  if (w_e.shape.size() != 2 || (w_e.shape[1] != n_p && w_e.shape[0] != n_p)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s/W_E.npy has shape %s; expected (n_q, n_p) with n_p = %d, the dataset's input "
        "dimension (row i: latent i's encoder row)",
        dir, Shape(w_e.shape), n_p));
  }
  // n_q from W_E; a W_E stored (n_p, n_q) is caught by CheckMatrix's transposed hint.
  const int64_t n_q = w_e.shape[1] == n_p ? w_e.shape[0] : w_e.shape[1];
  LRB_RETURN_IF_ERROR(CheckMatrix(dir + "/W_E.npy", w_e, n_q, n_p, "n_q", "n_p",
                                  "row i: latent i's encoder row"));
  LRB_ASSIGN_OR_RETURN(const datasets::NpyArray<float> b_e, ReadArray(dir, "b_E.npy"));
  LRB_RETURN_IF_ERROR(CheckVector(dir + "/b_E.npy", b_e, n_q, "n_q"));
  LRB_ASSIGN_OR_RETURN(const datasets::NpyArray<float> w_d, ReadArray(dir, "W_D.npy"));
  LRB_RETURN_IF_ERROR(CheckMatrix(dir + "/W_D.npy", w_d, n_r, n_q, "n_r", "n_q",
                                  "column i: latent i's decoder direction"));
  LRB_ASSIGN_OR_RETURN(const datasets::NpyArray<float> b_d, ReadArray(dir, "b_D.npy"));
  LRB_RETURN_IF_ERROR(CheckVector(dir + "/b_D.npy", b_d, n_r, "n_r"));
  const bool has_extra = std::filesystem::exists(std::filesystem::path(dir) / "extra.npy");

  sdl::SaeModel& model = imported.model;
  model.n_p = n_p;
  model.n_r = n_r;
  model.n_q = n_q;
  model.w_enc = w_e.values;
  model.b_enc = b_e.values;
  model.b_dec = b_d.values;
  model.w_dec.resize(n_q * n_r);  // stored n_q x n_r: a latent's direction contiguous
  for (int64_t d = 0; d < n_r; ++d) {
    for (int64_t i = 0; i < n_q; ++i) model.w_dec[i * n_r + d] = w_d.values[d * n_q + i];
  }

  if (method_text.has_value()) {
    // Written by ExportModel: the LRB family itself, with its extra layout and threshold.
    LRB_ASSIGN_OR_RETURN(imported.method, sdl::ParseMethodSpec(*method_text));
    if (has_extra) {
      LRB_ASSIGN_OR_RETURN(const datasets::NpyArray<float> extra, ReadArray(dir, "extra.npy"));
      model.extra = extra.values;
    }
    if (description.contains("inference_threshold") &&
        description["inference_threshold"].is_number()) {
      sdl::SetInferenceStateValue(imported.method, "threshold",
                                  description["inference_threshold"].get<float>(), model);
    }
    imported.activation = activation_text.has_value()
                              ? *activation_text
                              : absl::StrCat("lrb:", sdl::ToString(imported.method));
  } else {
    LRB_ASSIGN_OR_RETURN(const Activation a, ParseActivation(*activation_text));
    imported.activation = ToString(a);
    std::string family = a.kind;
    std::string knobs = absl::StrCat("latents=", n_q);
    if (a.kind == "topk" || a.kind == "topk_relu") {
      if (a.k > n_q) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: activation %s(k=%d) with only %d latents (W_E.npy); expected k <= %d",
            json_path, a.kind, a.k, n_q, n_q));
      }
      absl::StrAppend(&knobs, ",k=", a.k);
      if (a.kind == "topk_relu") {
        family = "topk";
        absl::StrAppend(&knobs, ",relu=1");
      }
    } else if (a.kind == "batchtopk") {
      absl::StrAppend(&knobs, ",k=1");  // training-only; inference uses the threshold
    } else if (a.kind == "jumprelu") {
      if (!has_extra) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: a jumprelu model needs extra.npy, its %d thresholds", dir, n_q));
      }
      LRB_ASSIGN_OR_RETURN(const datasets::NpyArray<float> extra, ReadArray(dir, "extra.npy"));
      LRB_RETURN_IF_ERROR(CheckVector(dir + "/extra.npy", extra, n_q, "n_q"));
      model.extra.resize(n_q);
      for (int64_t i = 0; i < n_q; ++i) {
        const float t = extra.values[i];
        if (!a.log_thresholds && !(t > 0)) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "%s/extra.npy: threshold %d is %g; JumpReLU thresholds must be > 0 (if these "
              "are log-thresholds, say \"jumprelu(extra=log_thresholds)\")",
              dir, i, t));
        }
        model.extra[i] = a.log_thresholds ? t : std::log(t);
      }
    } else if (has_extra) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s/extra.npy is only read for jumprelu; the activation is %s", dir,
                          imported.activation));
    }
    const std::string spec = absl::StrCat(
        absl::StrFormat(TopologyPrefix(topology, sources).c_str(), family), knobs, ")");
    LRB_ASSIGN_OR_RETURN(imported.method, sdl::ParseMethodSpec(spec));
    if (a.kind == "batchtopk") {
      sdl::SetInferenceStateValue(imported.method, "threshold", static_cast<float>(a.threshold),
                                  model);
    }
  }

  // The provenance hash: every file that defines the model, by name and bytes.
  StableHasher hasher;
  hasher.UpdateField("lrb-external-model@1");
  for (const char* name : {"model.json", "W_E.npy", "b_E.npy", "W_D.npy", "b_D.npy", "extra.npy"}) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    if (std::string(name) == "extra.npy" && !has_extra) continue;
    LRB_ASSIGN_OR_RETURN(const std::string bytes, ReadSmallFile(path, kMaxArrayBytes));
    hasher.UpdateField(name).UpdateField(bytes);
  }
  imported.model_hash = hasher.HexDigest();
  return imported;
}

}  // namespace lrb::bench
