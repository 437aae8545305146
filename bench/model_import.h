#ifndef LRB_BENCH_MODEL_IMPORT_H_
#define LRB_BENCH_MODEL_IMPORT_H_

// Reading a dictionary trained anywhere (PyTorch, JAX, ...) for `lrb score`: a directory in
// the layout ExportModel writes (bench/model_export.h; docs/submitting.md):
//   W_E.npy  (n_q, n_p)   row i: latent i's encoder row           z = W_E x + b_E
//   b_E.npy  (n_q,)
//   W_D.npy  (n_r, n_q)   column i: latent i's decoder direction  x_hat = W_D a + b_D
//   b_D.npy  (n_r,)
//   extra.npy (n_q,)      JumpReLU only: the thresholds
//   model.json            {"activation": ...}, one of
//       "relu"                      a = max(z, 0)
//       "topk(k=K)"                 the K largest z of each sample (1 <= K <= n_q), kept
//                                   even when negative
//       "topk_relu(k=K)"            the same followed by a ReLU: max(0, z) on the K largest
//                                   (OpenAI's, SAELens' and dictionary_learning's TopK)
//       "batchtopk(threshold=T)"    a_i = z_i where z_i >= T (BatchTopK at inference)
//       "jumprelu"                  a_i = z_i where z_i > theta_i, theta from extra.npy (> 0)
//       "jumprelu(extra=log_thresholds)"  the same with extra.npy holding log(theta_i)
//     A model.json written by ExportModel also has "method_spec"; then that LRB family
//     encodes (every family, anchoring included) and "activation" is informational.
// Arrays are float32 (float16 is converted exactly; anything else is refused with the
// dtype named), C order, finite. n_p and n_r are the dataset's; n_q is read from W_E.
// Every error names the file, what was found and what was expected; a W_E or W_D stored the
// other way round gets an error that asks "transposed?".

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::bench {

struct ImportedModel {
  sdl::MethodSpec method;  // the LRB family that encodes like the model
  sdl::SaeModel model;
  std::string activation;  // canonical, e.g. "topk(k=8)"
  std::string model_hash;  // 16 hex digits over the names and bytes of the model's files
};

// topology / sources: the dataset's ("sae", "transcoder", or "crosscoder" with m sources).
absl::StatusOr<ImportedModel> LoadModelDirectory(const std::string& dir, int64_t n_p,
                                                 int64_t n_r, const std::string& topology,
                                                 int64_t sources);

// The canonical activation for a model.json value ("topk(k = 8)" -> "topk(k=8)"), or an
// error listing the accepted forms.
absl::StatusOr<std::string> CanonicalActivation(const std::string& text);

}  // namespace lrb::bench

#endif  // LRB_BENCH_MODEL_IMPORT_H_
