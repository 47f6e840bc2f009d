// The host processor as a differential-test engine: the driver side of pvlab-diff-host (see
// host_helper.c). Cases go down a pipe and results come back; a helper that dies (a sequence
// that wandered into the helper's own memory) is restarted and that case reported as not run.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "engines.h"

extern char** environ;

namespace pvdiff {

namespace {

bool write_all(int fd, const void* buf, size_t n) {
  const char* p = static_cast<const char*>(buf);
  while (n) {
    ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= size_t(k);
  }
  return true;
}

// Reads give up after `timeout_ms` without data (a helper stuck in a sequence).
bool read_all(int fd, void* buf, size_t n, int timeout_ms = 20000) {
  char* p = static_cast<char*>(buf);
  while (n) {
    pollfd pf{fd, POLLIN, 0};
    int pr = ::poll(&pf, 1, timeout_ms);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) return false;
    ssize_t k = ::read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= size_t(k);
  }
  return true;
}

}  // namespace

HostEngine::HostEngine(std::string helper) : helper_(std::move(helper)) {
  ::signal(SIGPIPE, SIG_IGN);
  start();
}

HostEngine::~HostEngine() { stop(); }

void HostEngine::start() {
  int down[2], up[2];
  if (::pipe2(down, O_CLOEXEC) != 0 || ::pipe2(up, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, down[0], 0);
  posix_spawn_file_actions_adddup2(&fa, up[1], 1);
  char* argv[] = {const_cast<char*>(helper_.c_str()), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, helper_.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(down[0]);
  ::close(up[1]);
  if (rc != 0) {
    ::close(down[1]);
    ::close(up[0]);
    throw std::runtime_error("cannot start " + helper_ + ": " + std::strerror(rc));
  }
  pid_ = pid;
  to_ = down[1];
  from_ = up[0];
  pd_hello h;
  if (!read_all(from_, &h, sizeof h) || h.magic != PD_MAGIC_HELLO || h.count > PD_MAX_RANGES) {
    stop();
    throw std::runtime_error(helper_ + " did not start (is it a 32-bit x86 program?)");
  }
  ranges_.clear();
  for (uint32_t k = 0; k < h.count; ++k) ranges_.emplace_back(h.start[k], h.end[k]);
}

void HostEngine::stop() {
  if (to_ >= 0) ::close(to_);
  if (from_ >= 0) ::close(from_);
  to_ = from_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
  }
  pid_ = -1;
}

bool HostEngine::host_mapped(uint32_t a, uint32_t n) const {
  // The shared layout's own pages are mapped in every engine.
  if (pd_data_index(a) >= 0 || a - PD_CODE_BASE < PD_PAGE) return false;
  for (auto& [s, e] : ranges_)
    if (uint64_t(a) + n > s && a < e) return true;
  return false;
}

void HostEngine::run(const TestCase& tc, Result& r) {
  static pd_case c;
  static pd_result res;
  r = Result{};
  c.magic = PD_MAGIC_CASE;
  std::memcpy(c.regs, tc.regs, sizeof c.regs);
  c.eflags = tc.eflags;
  std::memcpy(c.code, tc.code, sizeof c.code);
  std::memcpy(c.data, tc.data, sizeof c.data);
  if (!write_all(to_, &c, sizeof c) || !read_all(from_, &res, sizeof res) ||
      res.magic != PD_MAGIC_RESULT) {
    r.ran = false;
    r.note = "the host helper died";
    stop();
    ++restarts_;
    start();
    return;
  }
  r.ran = true;
  std::memcpy(r.regs, res.regs, sizeof r.regs);
  r.eflags = res.eflags;
  if (res.trapno < 0) {
    r.vector = -1;
    r.eip = tc.end;
  } else {
    r.vector = res.trapno;
    r.eip = res.eip;
    r.err = vector_has_error(res.trapno) ? res.err : 0;
    r.cr2 = res.trapno == 14 ? res.cr2 : 0;
  }
  std::memcpy(r.data, res.data, sizeof r.data);
}

}  // namespace pvdiff
