// What one native call works on: a ragged batch and its op's params.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ns {

enum class Op { Minhash, Embed, Attention };

// Job i's tokens are tokens[offsets[i] … offsets[i + 1]); offsets has num_jobs + 1 entries.
struct BatchView {
  const uint32_t* tokens;
  size_t num_tokens;
  const uint32_t* offsets;
  size_t num_jobs;
  size_t length(size_t i) const { return offsets[i + 1] - offsets[i]; }
  const uint32_t* job(size_t i) const { return tokens + offsets[i]; }
};

// Checked before native code runs (see src/native/check-params.ts); fields an op does not use are 0.
struct OpParams {
  Op op;
  uint32_t num_perm;  // minhash
  uint32_t shingle;   // minhash
  uint32_t dim;       // embed, attention
  uint64_t seed;
};

// Elements of one job's result: uint32 for minhash, float for embed and attention.
inline size_t result_len(const OpParams& p) { return p.op == Op::Minhash ? p.num_perm : p.dim; }

}  // namespace ns
