// Tests of watch mode's parts (runtime/src/host/watch.cpp): --speed, the pacing, the inotify
// watcher (completed saves, renames, unchanged and empty files, spec and hidden files,
// subfolders) and what a bundle.lua change may touch in a running session.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include "ntrun/host/lua_vm.hpp"
#include "ntrun/host/watch.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ntrun;
using namespace ntrun::host;

/// A fresh folder under the temp directory, removed at the end.
struct temp_dir {
  fs::path path;
  explicit temp_dir(const char* name)
      : path(fs::temp_directory_path() / (std::string(name) + "_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

TEST_CASE("parse_speed: Nx and max") {
  CHECK(parse_speed("1x") == 1.0);
  CHECK(parse_speed("60x") == 60.0);
  CHECK(parse_speed("2.5x") == 2.5);
  CHECK(parse_speed("0.5X") == 0.5);
  CHECK(parse_speed("max") == 0.0);
  for (const char* bad : {"", "x", "0x", "-1x", "60", "fast", "1e999x", "nanx", "1xx", "MAX"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_speed(bad).has_value());
  }
}

TEST_CASE("replay_pacer: bar time over speed, from the first bar") {
  replay_pacer max(0);
  const std::int64_t due = max.due(1'000'000'000'000);
  CHECK(due <= steady_now_ns());  // at max speed every bar is due at once
  replay_pacer p(60);
  const std::int64_t first = p.due(0);
  const std::int64_t later = p.due(60 * ns_per_second);  // a minute of bars: a second of wall time
  CHECK(later - first == doctest::Approx(1e9).epsilon(0.01));
}

TEST_CASE("bundle_watcher: completed saves whose content changed") {
  temp_dir d("ntrun_watch");
  write(d.path / "strategy.lua", "-- v1\n");
  write(d.path / "notes.txt", "x");
  fs::create_directories(d.path / "lib");
  write(d.path / "lib" / "util.lua", "return {}\n");
  bundle_watcher w(d.path.string());
  CHECK(w.take_changes(1).empty());

  // A plain save.
  write(d.path / "strategy.lua", "-- v2\n");
  CHECK(w.take_changes(1) == std::vector<std::string>{"strategy.lua"});
  // The same content again (a save without a change, a touch): nothing.
  write(d.path / "strategy.lua", "-- v2\n");
  CHECK(w.take_changes(1).empty());
  // Saved by rename over the file.
  write(d.path / ".strategy.lua.swp", "-- v3\n");
  fs::rename(d.path / ".strategy.lua.swp", d.path / "strategy.lua");
  CHECK(w.take_changes(1) == std::vector<std::string>{"strategy.lua"});
  // Truncated and closed: no version yet; the write after it is one.
  write(d.path / "strategy.lua", "");
  CHECK(w.take_changes(1).empty());
  write(d.path / "strategy.lua", "-- v4\n");
  CHECK(w.take_changes(1) == std::vector<std::string>{"strategy.lua"});
  // A module in a subfolder, with two saves of the same file: one change.
  write(d.path / "lib" / "util.lua", "return { x = 1 }\n");
  write(d.path / "lib" / "util.lua", "return { x = 2 }\n");
  CHECK(w.take_changes(1) == std::vector<std::string>{"lib/util.lua"});
  // Not watched: other files, specs, hidden files.
  write(d.path / "notes.txt", "y");
  write(d.path / "strategy_spec.lua", "-- spec\n");
  write(d.path / ".hidden.lua", "-- x\n");
  CHECK(w.take_changes(1).empty());
  // Two files saved together come back together, sorted.
  write(d.path / "strategy.lua", "-- v5\n");
  write(d.path / "bundle.lua", "return {}\n");
  CHECK(w.take_changes(1) == std::vector<std::string>{"bundle.lua", "strategy.lua"});
  // A folder made after the start is watched from then on; a file's creation alone (still
  // empty, or being written) is no save.
  fs::create_directories(d.path / "later");
  CHECK(w.take_changes(1).empty());
  {
    std::ofstream open_file(d.path / "later" / "mod.lua");  // created, not closed yet
    CHECK(w.take_changes(1).empty());
    open_file << "return 1\n";
  }
  CHECK(w.take_changes(1) == std::vector<std::string>{"later/mod.lua"});
  write(d.path / "later" / "mod.lua", "return 2\n");
  CHECK(w.take_changes(1) == std::vector<std::string>{"later/mod.lua"});
  // wait() says when events are pending, and gives up at its timeout when none is.
  CHECK_FALSE(w.wait(1));
  write(d.path / "strategy.lua", "-- v6\n");
  CHECK(w.wait(1000));
  CHECK(w.take_changes(1) == std::vector<std::string>{"strategy.lua"});
}

TEST_CASE("bundle_watcher: a strategy file outside the bundle folder") {
  temp_dir d("ntrun_watch_outside");
  fs::create_directories(d.path / "bundle");
  fs::create_directories(d.path / "shared");
  write(d.path / "shared" / "a.lua", "-- a1\n");
  write(d.path / "shared" / "other.lua", "-- o1\n");
  bundle_watcher w((d.path / "bundle").string());
  w.watch_file((d.path / "bundle" / ".." / "shared" / "a.lua").string());
  write(d.path / "shared" / "a.lua", "-- a2\n");
  write(d.path / "shared" / "other.lua", "-- o2\n");  // not a strategy file: not watched
  const auto changes = w.take_changes(1);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0] == fs::weakly_canonical(d.path / "shared" / "a.lua").string());
}

TEST_CASE("bundle_watcher: a missing folder is an error that names it") {
  CHECK_THROWS_WITH_AS(bundle_watcher("/nonexistent/ntrun/bundle"),
                       doctest::Contains("/nonexistent/ntrun/bundle"), std::runtime_error);
}

TEST_CASE("wake_watch: a signal handler's wake-up ends the wait") {
  temp_dir d("ntrun_watch_wake");
  bundle_watcher w(d.path.string());
  wake_watch();
  const std::int64_t t0 = steady_now_ns();
  CHECK_FALSE(w.wait(10'000));  // woken, no file event
  CHECK(steady_now_ns() - t0 < 5'000'000'000LL);
  const std::uint32_t n = reload_requests();
  request_reload_all();
  CHECK(reload_requests() == n + 1);
}

TEST_CASE("bundle.lua in a running session: params and limits apply, the rest is refused") {
  temp_dir d("ntrun_watch_bundle");
  write(d.path / "strategy.lua", "function on_bar() end\n");
  write(d.path / "other.lua", "function on_bar() end\n");
  write(d.path / "a.csv", "time,close\n2024-01-02,1\n");
  write(d.path / "b.csv", "time,close\n2024-01-02,1\n");
  const std::string base =
      "return { strategy = %S, data = { { file = %F, symbol = %Y } }, params = { n = %N }, "
      "capital = %C, limits = { max_position = %P } }\n";
  struct manifest {
    std::string strategy = "\"strategy.lua\"", file = "\"a.csv\"", symbol = "\"X\"", n = "1",
                capital = "1000", position = "0";
  };
  auto text = [&](const manifest& m) {
    std::string s = base;
    for (const auto& [key, value] : std::map<std::string, std::string>{{"%S", m.strategy},
                                                                       {"%F", m.file},
                                                                       {"%Y", m.symbol},
                                                                       {"%N", m.n},
                                                                       {"%C", m.capital},
                                                                       {"%P", m.position}}) {
      s.replace(s.find(key), key.size(), value);
    }
    return s;
  };
  auto changed = [&](const manifest& m, const std::vector<std::string>& keep = {}) {
    lua_vm vm;
    write(d.path / "bundle.lua", text(manifest{}));
    const auto before = bundle_fingerprint(vm, d.path.string(), {}, keep);
    write(d.path / "bundle.lua", text(m));
    const auto now = bundle_fingerprint(vm, d.path.string(), {}, keep);
    return fixed_keys_changed(before, now);
  };
  using keys = std::vector<std::string>;
  CHECK(changed(manifest{}).empty());
  CHECK(changed(manifest{.n = "2"}).empty());          // params apply
  CHECK(changed(manifest{.position = "10"}).empty());  // limits apply
  CHECK(changed(manifest{.symbol = "\"Y\""}) == keys{"data"});
  CHECK(changed(manifest{.file = "\"b.csv\""}) == keys{"data"});
  CHECK(changed(manifest{.strategy = "\"other.lua\""}) == keys{"strategies"});
  CHECK(changed(manifest{.capital = "2000"}) == keys{"capital"});
  CHECK(changed(manifest{.capital = "2000"}, {"capital"}).empty());  // --capital overrides it
  CHECK(changed(manifest{.symbol = "\"Y\"", .capital = "2000"}) == keys{"capital", "data"});

  // A limits change shows in the fingerprint (the host applies it), params too.
  lua_vm vm;
  write(d.path / "bundle.lua", text(manifest{}));
  const auto a = bundle_fingerprint(vm, d.path.string(), {}, {});
  write(d.path / "bundle.lua", text(manifest{.n = "5", .position = "10"}));
  const auto b = bundle_fingerprint(vm, d.path.string(), {}, {});
  CHECK(a.at("limits") != b.at("limits"));
  CHECK(a.at("params") != b.at("params"));
  // A broken manifest raises with its file name.
  write(d.path / "bundle.lua", "return { strategy = \n");
  CHECK_THROWS_WITH_AS(bundle_fingerprint(vm, d.path.string(), {}, {}),
                       doctest::Contains("bundle.lua"), std::runtime_error);
}
