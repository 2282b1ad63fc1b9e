#include "cpu_backend.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>

#include "hashing.h"

namespace ns {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A piece of one job's sequence: tokens (minhash: shingle windows) [begin, end).
struct Piece {
  size_t job, begin, end;
};

// Long sequences are cut so that every core has work even for a batch of one.
constexpr size_t kPieceTokens = 32768;

std::vector<Piece> pieces(size_t jobs, size_t (*units)(const BatchView&, const OpParams&, size_t), const BatchView& b,
                          const OpParams& p) {
  std::vector<Piece> out;
  for (size_t j = 0; j < jobs; j++) {
    const size_t n = units(b, p, j);
    if (n <= kPieceTokens) {
      out.push_back({j, 0, n});
      continue;
    }
    for (size_t s = 0; s < n; s += kPieceTokens) out.push_back({j, s, std::min(n, s + kPieceTokens)});
  }
  return out;
}

// Shingle windows of a job (the single short shingle counts as one).
size_t windows(const BatchView& b, const OpParams& p, size_t j) {
  const size_t n = b.length(j);
  return n == 0 ? 0 : n >= p.shingle ? n - p.shingle + 1 : 1;
}

size_t tokens(const BatchView& b, const OpParams&, size_t j) { return b.length(j); }

void run_minhash(const CpuKernels& k, ThreadPool& pool, const BatchView& b, const OpParams& p, uint32_t* out,
                 std::vector<double>& secs) {
  std::vector<uint64_t> a, bb;
  minhash_coefficients(p.seed, p.num_perm, a, bb);
  const auto work = pieces(b.num_jobs, windows, b, p);
  std::vector<uint32_t> partial(work.size() * p.num_perm);
  std::vector<double> piece_secs(work.size(), 0.0);
  pool.parallel_for(work.size(), [&](size_t t, unsigned) {
    const auto t0 = Clock::now();
    const Piece& w = work[t];
    const size_t n = b.length(w.job);
    // Windows [begin, end) cover tokens [begin, end − 1 + shingle); a short sequence is one shingle.
    const size_t len = n == 0 ? 0 : n >= p.shingle ? (w.end - w.begin) + p.shingle - 1 : n;
    k.minhash(b.job(w.job) + w.begin, len, p.shingle, a.data(), bb.data(), p.num_perm, &partial[t * p.num_perm]);
    piece_secs[t] = since(t0);
  });
  std::fill(out, out + b.num_jobs * p.num_perm, 0xFFFFFFFFu);
  for (size_t t = 0; t < work.size(); t++) {
    uint32_t* sig = out + work[t].job * p.num_perm;
    for (uint32_t j = 0; j < p.num_perm; j++) sig[j] = std::min(sig[j], partial[t * p.num_perm + j]);
    secs[work[t].job] += piece_secs[t];
  }
}

void run_embed(const CpuKernels& k, ThreadPool& pool, const BatchView& b, const OpParams& p, float* out,
               std::vector<double>& secs) {
  const auto work = pieces(b.num_jobs, tokens, b, p);
  std::vector<int64_t> partial(work.size() * p.dim, 0);
  std::vector<double> piece_secs(work.size(), 0.0);
  pool.parallel_for(work.size(), [&](size_t t, unsigned) {
    const auto t0 = Clock::now();
    const Piece& w = work[t];
    k.embed_accumulate(b.job(w.job) + w.begin, w.end - w.begin, p.seed, p.dim, &partial[t * p.dim]);
    piece_secs[t] = since(t0);
  });
  // Σ_i g = S/2^23 − n exactly; e = that / n; the result is e / ‖e‖.
  std::vector<int64_t> sums(b.num_jobs * p.dim, 0);
  for (size_t t = 0; t < work.size(); t++) {
    for (uint32_t d = 0; d < p.dim; d++) sums[work[t].job * p.dim + d] += partial[t * p.dim + d];
    secs[work[t].job] += piece_secs[t];
  }
  std::vector<double> e(p.dim);
  for (size_t j = 0; j < b.num_jobs; j++) {
    const double n = double(b.length(j));
    float* r = out + j * p.dim;
    double norm2 = 0;
    for (uint32_t d = 0; d < p.dim; d++) {
      e[d] = n > 0 ? (double(sums[j * p.dim + d]) / 8388608.0 - n) / n : 0.0;
      norm2 += e[d] * e[d];
    }
    const double inv = norm2 > 0 ? 1.0 / std::sqrt(norm2) : 0.0;
    for (uint32_t d = 0; d < p.dim; d++) r[d] = float(e[d] * inv);
  }
}

// W_m[r][c] = g(seed, 2^32 − 1 − (m·D + r), c) / √D for m = 1, 2, 3.
std::vector<float> attention_weights(const CpuKernels& k, const OpParams& p, int m) {
  const uint32_t D = p.dim;
  std::vector<uint32_t> rows(D);
  for (uint32_t r = 0; r < D; r++) rows[r] = uint32_t(0xFFFFFFFFu - (uint32_t(m) * D + r));
  std::vector<float> w(size_t(D) * D);
  k.token_vectors(rows.data(), D, p.seed, D, w.data());
  const float inv_sqrt = float(1.0 / std::sqrt(double(D)));
  for (auto& x : w) x *= inv_sqrt;
  return w;
}

struct AttentionWeights {
  std::vector<float> wq, wk, wv;
};

// Sequences at least this long are split across threads by query rows; shorter ones run one per thread.
constexpr size_t kLongAttention = 512;
constexpr size_t kRowBlock = 256;

// One job's attention; `parallel` spreads its rows over the pool.
void attention_job(const CpuKernels& k, ThreadPool* pool, const AttentionWeights& W, const uint32_t* t, size_t n,
                   const OpParams& p, float* result) {
  const uint32_t D = p.dim;
  if (n == 0) {
    std::fill(result, result + D, 0.0f);
    return;
  }
  std::vector<float> x(n * D), q(n * D), kk(n * D), v(n * D);
  auto project = [&](size_t r0, size_t r1) {
    k.token_vectors(t + r0, r1 - r0, p.seed, D, &x[r0 * D]);
    k.matmul(&x[r0 * D], r1 - r0, W.wq.data(), D, &q[r0 * D]);
    k.matmul(&x[r0 * D], r1 - r0, W.wk.data(), D, &kk[r0 * D]);
    k.matmul(&x[r0 * D], r1 - r0, W.wv.data(), D, &v[r0 * D]);
  };
  const float scale = float(1.0 / std::sqrt(double(D)));
  std::vector<double> w(n, 0.0);
  if (!pool) {
    project(0, n);
    std::vector<float> scratch(n);
    k.attention_rows(q.data(), kk.data(), n, D, scale, 0, n, w.data(), scratch.data());
  } else {
    const size_t blocks = (n + kRowBlock - 1) / kRowBlock;
    pool->parallel_for(blocks, [&](size_t i, unsigned) { project(i * kRowBlock, std::min(n, (i + 1) * kRowBlock)); });
    // Row i costs i + 1 dot products: cut [0, n) into ranges of equal area, several per thread.
    const size_t ranges = std::min<size_t>(n, size_t(pool->size()) * 8);
    std::vector<size_t> cut(ranges + 1);
    for (size_t r = 0; r <= ranges; r++) cut[r] = size_t(std::llround(double(n) * std::sqrt(double(r) / double(ranges))));
    std::vector<std::vector<double>> slot_w(pool->size());
    std::vector<std::vector<float>> slot_scratch(pool->size());
    pool->parallel_for(ranges, [&](size_t r, unsigned slot) {
      if (cut[r] >= cut[r + 1]) return;
      if (slot_w[slot].empty()) slot_w[slot].assign(n, 0.0), slot_scratch[slot].resize(n);
      k.attention_rows(q.data(), kk.data(), n, D, scale, cut[r], cut[r + 1], slot_w[slot].data(), slot_scratch[slot].data());
    });
    for (const auto& sw : slot_w)
      if (!sw.empty())
        for (size_t j = 0; j < n; j++) w[j] += sw[j];
  }
  // mean_i o_i = (1/n) Σ_j (Σ_i p_ij) v_j
  std::vector<double> acc(D, 0.0);
  for (size_t j = 0; j < n; j++)
    for (uint32_t d = 0; d < D; d++) acc[d] += w[j] * double(v[j * D + d]);
  for (uint32_t d = 0; d < D; d++) result[d] = float(acc[d] / double(n));
}

void run_attention(const CpuKernels& k, ThreadPool& pool, const BatchView& b, const OpParams& p, float* out,
                   std::vector<double>& secs) {
  const AttentionWeights W{attention_weights(k, p, 1), attention_weights(k, p, 2), attention_weights(k, p, 3)};
  std::vector<size_t> short_jobs, long_jobs;
  for (size_t j = 0; j < b.num_jobs; j++) (b.length(j) >= kLongAttention && pool.size() > 1 ? long_jobs : short_jobs).push_back(j);
  pool.parallel_for(short_jobs.size(), [&](size_t i, unsigned) {
    const size_t j = short_jobs[i];
    const auto t0 = Clock::now();
    attention_job(k, nullptr, W, b.job(j), b.length(j), p, out + j * p.dim);
    secs[j] = since(t0);
  });
  for (size_t j : long_jobs) {
    const auto t0 = Clock::now();
    attention_job(k, &pool, W, b.job(j), b.length(j), p, out + j * p.dim);
    secs[j] = since(t0) * pool.size();  // every thread worked on it
  }
}

}  // namespace

void run_cpu_batch(const CpuKernels& k, ThreadPool& pool, const BatchView& b, const OpParams& p, void* out,
                   double* job_seconds) {
  std::vector<double> secs(b.num_jobs, 0.0);
  switch (p.op) {
    case Op::Minhash:
      run_minhash(k, pool, b, p, static_cast<uint32_t*>(out), secs);
      break;
    case Op::Embed:
      run_embed(k, pool, b, p, static_cast<float*>(out), secs);
      break;
    case Op::Attention:
      run_attention(k, pool, b, p, static_cast<float*>(out), secs);
      break;
  }
  std::copy(secs.begin(), secs.end(), job_seconds);
}

}  // namespace ns
