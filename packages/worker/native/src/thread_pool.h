// A fixed pool of threads that any number of callers share. parallel_for
// hands out task indices one at a time (the tasks of a ragged batch are of
// very different sizes) and the calling thread works too, so concurrent
// batches never wait on each other to get a thread.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ns {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads) {
    for (unsigned i = 1; i < threads; i++) workers_.emplace_back([this, i] { loop(i); });
    size_ = threads == 0 ? 1 : threads;
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Threads that may run tasks at once (the caller included).
  unsigned size() const { return size_; }

  // Runs fn(task, slot) for task in [0, tasks); slot < size() is unique among the calls
  // running at one moment within this parallel_for, for per-thread scratch. Rethrows the
  // first exception a task threw, after every task has finished or been skipped.
  void parallel_for(size_t tasks, const std::function<void(size_t task, unsigned slot)>& fn) {
    if (tasks == 0) return;
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->tasks = tasks;
    const unsigned helpers = unsigned(std::min<size_t>(tasks, size_)) - 1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (unsigned h = 0; h < helpers; h++) queue_.push_back(job);
    }
    cv_.notify_all();
    run(*job);
    std::unique_lock<std::mutex> lock(job->mu);
    job->done_cv.wait(lock, [&] { return job->active == 0 && job->next.load() >= job->tasks; });
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  struct Job {
    const std::function<void(size_t, unsigned)>* fn = nullptr;
    size_t tasks = 0;
    std::atomic<size_t> next{0};
    std::atomic<unsigned> slots{0};
    unsigned active = 0;
    std::exception_ptr error;
    std::mutex mu;
    std::condition_variable done_cv;
  };

  static void run(Job& job) {
    {
      std::lock_guard<std::mutex> lock(job.mu);
      job.active++;
    }
    const unsigned slot = job.slots.fetch_add(1);
    for (size_t t; (t = job.next.fetch_add(1)) < job.tasks;) {
      try {
        (*job.fn)(t, slot);
      } catch (...) {
        std::lock_guard<std::mutex> lock(job.mu);
        if (!job.error) job.error = std::current_exception();
        job.next.store(job.tasks);  // skip the rest
      }
    }
    std::lock_guard<std::mutex> lock(job.mu);
    if (--job.active == 0) job.done_cv.notify_all();
  }

  void loop(unsigned) {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_ && queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      run(*job);
    }
  }

  std::vector<std::thread> workers_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  unsigned size_ = 1;
};

}  // namespace ns
