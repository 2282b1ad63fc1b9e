#pragma once
#include "batch.h"
#include "kernels.h"
#include "thread_pool.h"

namespace ns {

// Runs a whole batch on the CPU kernels, spread over the pool: across jobs, and across one long
// sequence (in chunks for minhash and embed, in row ranges for attention). out holds
// num_jobs · result_len(p) elements (uint32 for minhash, float otherwise); job_seconds gets each
// job's thread-seconds.
void run_cpu_batch(const CpuKernels& k, ThreadPool& pool, const BatchView& b, const OpParams& p, void* out,
                   double* job_seconds);

}  // namespace ns
