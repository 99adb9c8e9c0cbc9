// Watch mode's parts: speed, pacing, the inotify watcher with its debounce and content
// hashes, the wake-up pipe, and bundle.lua fingerprints (see watch.hpp).
#include "ntrun/host/watch.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "ntrun/host/lua_vm.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace ntrun::host {
namespace {

std::atomic<std::uint32_t> reloads_requested{0};
std::atomic<int> wake_write_fd{-1};
int wake_read_fd = -1;
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers read it");

/// FNV-1a over the file's bytes; 0 when it cannot be read (deleted, or between a rename's
/// two steps) or is empty (an editor that truncates, closes and writes again: the write
/// comes with its own event).
std::uint64_t content_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  std::uint64_t h = 1469598103934665603ULL;
  std::size_t size = 0;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    size += static_cast<std::size_t>(in.gcount());
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 1099511628211ULL;
    }
  }
  if (size == 0) return 0;
  return h == 0 ? 1 : h;
}

bool watched_name(std::string_view name) {
  auto ends_with = [&](std::string_view s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  };
  return !name.empty() && name.front() != '.' && ends_with(".lua") && !ends_with("_spec.lua");
}

// IN_CREATE only for folders made later: a file's creation is no completed save.
constexpr std::uint32_t watch_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE;
constexpr std::uint32_t saved_mask = IN_CLOSE_WRITE | IN_MOVED_TO;
constexpr int max_depth = 4;

}  // namespace

std::optional<double> parse_speed(std::string_view text) {
  if (text == "max") return 0.0;
  if (text.size() < 2 || (text.back() != 'x' && text.back() != 'X')) return std::nullopt;
  const std::string_view num = text.substr(0, text.size() - 1);
  double v = 0;
  const auto r = std::from_chars(num.data(), num.data() + num.size(), v);
  if (r.ec != std::errc() || r.ptr != num.data() + num.size() || !std::isfinite(v) || v <= 0) {
    return std::nullopt;
  }
  return v;
}

void request_reload_all() noexcept {
  reloads_requested.fetch_add(1, std::memory_order_relaxed);
}

std::uint32_t reload_requests() noexcept {
  return reloads_requested.load(std::memory_order_relaxed);
}

void wake_watch() noexcept {
  const int fd = wake_write_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const char c = 1;
    const int saved = errno;
    (void)!write(fd, &c, 1);  // full pipe: a wake-up is pending anyway
    errno = saved;
  }
}

std::int64_t steady_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t replay_pacer::due(ts_ns t) noexcept {
  const std::int64_t now = steady_now_ns();
  if (!started_) {
    started_ = true;
    t0_ = t;
    wall0_ = now;
  }
  if (speed_ <= 0) return now;
  return wall0_ + static_cast<std::int64_t>(static_cast<double>(t - t0_) / speed_);
}

bundle_watcher::bundle_watcher(const std::string& dir) : dir_(dir) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    throw std::runtime_error(std::string("--watch: cannot start inotify: ") + std::strerror(errno));
  }
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) {
    close(fd_);
    throw std::runtime_error(std::string("--watch: cannot open a pipe: ") + std::strerror(errno));
  }
  wake_read_fd = p[0];
  wake_write_fd.store(p[1], std::memory_order_relaxed);
  try {
    add_dir("", 0);
  } catch (...) {
    close_all();
    throw;
  }
}

bundle_watcher::~bundle_watcher() {
  close_all();
}

void bundle_watcher::close_all() noexcept {
  const int w = wake_write_fd.exchange(-1, std::memory_order_relaxed);
  if (w >= 0) close(w);
  if (wake_read_fd >= 0) close(wake_read_fd);
  wake_read_fd = -1;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void bundle_watcher::add_dir(const std::string& rel, int depth) {
  namespace fs = std::filesystem;
  const std::string path = rel.empty() ? dir_ : dir_ + "/" + rel;
  const int wd = inotify_add_watch(fd_, path.c_str(), watch_mask | IN_ONLYDIR);
  if (wd < 0) {
    if (depth == 0) {
      throw std::runtime_error("--watch: cannot watch '" + path + "': " + std::strerror(errno));
    }
    return;  // a subfolder we may not read: its modules are not watched
  }
  dirs_[wd] = rel;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    const std::string name = e.path().filename().string();
    const std::string r = rel.empty() ? name : rel + "/" + name;
    std::error_code ec2;
    if (e.is_directory(ec2)) {
      if (depth + 1 <= max_depth && name.front() != '.') add_dir(r, depth + 1);
    } else if (watched_name(name)) {
      hash_[r] = content_hash(dir_ + "/" + r);
    }
  }
}

std::string bundle_watcher::full_path(const std::string& rel) const {
  return !rel.empty() && rel.front() == '/' ? rel : dir_ + "/" + rel;
}

void bundle_watcher::watch_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(path, ec);
  const std::string folder = abs.parent_path().string();
  const int wd = inotify_add_watch(fd_, folder.c_str(), watch_mask | IN_ONLYDIR);
  if (wd < 0) {
    throw std::runtime_error("--watch: cannot watch '" + folder + "': " + std::strerror(errno));
  }
  if (dirs_.count(wd) != 0) return;  // inside the bundle's tree: watched already
  outside_[wd] = folder;
  const std::string key = abs.string();
  outside_files_.insert(key);
  hash_[key] = content_hash(key);
}

bool bundle_watcher::wait(int timeout_ms) {
  pollfd fds[2] = {{.fd = fd_, .events = POLLIN, .revents = 0},
                   {.fd = wake_read_fd, .events = POLLIN, .revents = 0}};
  const int n = poll(fds, 2, std::max(timeout_ms, 0));
  if (n <= 0) return false;  // timeout, or EINTR: a signal (the caller checks the flags)
  if ((fds[1].revents & POLLIN) != 0) {
    char buf[64];
    while (read(wake_read_fd, buf, sizeof buf) > 0) {
    }
  }
  return (fds[0].revents & POLLIN) != 0;
}

bool bundle_watcher::read_events() {
  alignas(inotify_event) char buf[16384];
  bool any = false;
  for (;;) {
    const ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    any = true;
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      if ((e->mask & IN_Q_OVERFLOW) != 0) {
        // The kernel's queue overflowed and dropped events: look at every known file (the
        // hashes tell which changed), so no save is lost.
        for (const auto& [rel, h] : hash_) pending_.push_back(rel);
        continue;
      }
      if (e->len == 0) continue;
      const std::string name = e->name;
      if (const auto o = outside_.find(e->wd); o != outside_.end()) {
        const std::string key = o->second + "/" + name;
        if ((e->mask & saved_mask) != 0 && outside_files_.count(key) != 0) pending_.push_back(key);
        continue;
      }
      const auto d = dirs_.find(e->wd);
      if (d == dirs_.end()) continue;
      const std::string rel = d->second.empty() ? name : d->second + "/" + name;
      if ((e->mask & IN_ISDIR) != 0) {
        // A folder made or moved in after the start: watched from now on, its files as they
        // are now being the baseline.
        const int depth = 1 + static_cast<int>(std::count(rel.begin(), rel.end(), '/'));
        if ((e->mask & (IN_CREATE | IN_MOVED_TO)) != 0 && depth <= max_depth &&
            name.front() != '.') {
          add_dir(rel, depth);
        }
        continue;
      }
      if ((e->mask & saved_mask) == 0 || !watched_name(name)) continue;
      pending_.push_back(rel);
    }
  }
  return any;
}

std::vector<std::string> bundle_watcher::take_changes(int debounce_ms) {
  read_events();
  if (pending_.empty()) return {};
  // Quiet for debounce_ms: an editor's save in several steps, or a group of files saved
  // together, becomes one reload.
  while (wait(debounce_ms) && read_events()) {
  }
  std::set<std::string> names(pending_.begin(), pending_.end());
  pending_.clear();
  std::vector<std::string> out;
  for (const std::string& r : names) {
    const std::uint64_t h = content_hash(full_path(r));
    auto [it, fresh] = hash_.try_emplace(r, 0);
    if (h == 0 || it->second == h) continue;  // gone again, or saved without a change
    it->second = h;
    out.push_back(r);
  }
  return out;
}

std::map<std::string, std::string> bundle_fingerprint(lua_vm& vm, const std::string& dir,
                                                      const std::vector<std::string>& data_override,
                                                      const std::vector<std::string>& keep) {
  lua_State* L = vm.state();
  const int top = lua_gettop(L);
  vm.require("nt._watch");
  lua_getfield(L, -1, "fingerprint");
  lua_pushlstring(L, dir.data(), dir.size());
  push_strings(L, data_override, true);
  push_strings(L, keep);
  if (auto err = vm.pcall(3, 1, /*traceback=*/false)) {
    lua_settop(L, top);
    throw std::runtime_error(*err);
  }
  std::map<std::string, std::string> out;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
      out[lua_tostring(L, -2)] = lua_tostring(L, -1);
    }
    lua_pop(L, 1);
  }
  lua_settop(L, top);
  return out;
}

std::vector<std::string> fixed_keys_changed(const std::map<std::string, std::string>& before,
                                            const std::map<std::string, std::string>& now) {
  static const std::set<std::string> live = {"params", "limits", "description"};
  std::set<std::string> keys;
  for (const auto& [k, v] : before) keys.insert(k);
  for (const auto& [k, v] : now) keys.insert(k);
  std::vector<std::string> out;
  for (const std::string& k : keys) {
    if (live.count(k) != 0) continue;
    const auto a = before.find(k);
    const auto b = now.find(k);
    const bool same = a != before.end() && b != now.end() ? a->second == b->second
                                                          : (a == before.end()) == (b == now.end());
    if (!same) out.push_back(k);
  }
  return out;
}

}  // namespace ntrun::host
