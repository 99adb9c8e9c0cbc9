// Benchmark of CSV bar ingest (csv_bar_reader::next) and the timestamp parser.
// Budget: CSV ingest at least 5 million rows per second (one core, file in the page cache).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include <fmt/format.h>

#include "ntrun/data/csv_bars.hpp"
#include "ntrun/data/feed.hpp"
#include "ntrun/data/time.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ntrun;

constexpr int bench_rows = 2'000'000;

// A random-walk minute-bar file, written once per process and removed at exit.
class minute_file {
 public:
  explicit minute_file(int rows) {
    path_ = (fs::temp_directory_path() / fmt::format("ntrun_bench_csv_{}.csv", rows)).string();
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) throw std::runtime_error("bench_csv: cannot create " + path_);
    std::fputs("datetime,open,high,low,close,volume\n", f);
    std::mt19937_64 rng(42);
    std::normal_distribution<double> step(0.0, 0.05);
    std::uniform_real_distribution<double> wick(0.0, 0.03);
    const ts_ns t0 = data::parse_timestamp("2015-01-02").value();
    double price = 100;
    char stamp[data::max_datetime_chars];
    for (int i = 0; i < rows; ++i) {
      const double open = price;
      price = std::max(1.0, price + step(rng));
      const double high = std::max(open, price) + wick(rng);
      const double low = std::min(open, price) - wick(rng);
      char* end = data::write_datetime(t0 + i * 60 * ns_per_second, stamp);
      stamp[10] = ' ';
      fmt::print(f, "{},{:.4f},{:.4f},{:.4f},{:.4f},{}\n", std::string_view(stamp, end - 1), open,
                 high, low, price, 100 + rng() % 100000);
    }
    std::fclose(f);
    bytes_ = fs::file_size(path_);
  }
  ~minute_file() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  minute_file(const minute_file&) = delete;
  minute_file& operator=(const minute_file&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::uintmax_t bytes() const { return bytes_; }

 private:
  std::string path_;
  std::uintmax_t bytes_ = 0;
};

const minute_file& file() {
  static const minute_file f(bench_rows);
  return f;
}

void BM_csv_reader_next(benchmark::State& state) {
  const minute_file& f = file();
  std::int64_t rows = 0;
  for (auto _ : state) {
    data::csv_bar_reader reader({.path = f.path()});
    bar b;
    double sum = 0;
    while (reader.next(b)) sum += b.close;
    benchmark::DoNotOptimize(sum);
    rows += static_cast<std::int64_t>(reader.stats().rows);
  }
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(static_cast<std::int64_t>(f.bytes()) * state.iterations());
}
BENCHMARK(BM_csv_reader_next)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_feed_next(benchmark::State& state) {
  const minute_file& f = file();
  std::int64_t bars = 0;
  for (auto _ : state) {
    data::bar_feed feed;
    (void)feed.add_source({.path = f.path()});
    bar b;
    while (feed.next(b)) ++bars;
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(bars);
}
BENCHMARK(BM_feed_next)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_parse_timestamp(benchmark::State& state) {
  const std::string texts[4] = {"2015-01-02 09:30:00", "2020-02-29", "1999-12-31T23:59:59.5Z",
                                "2024-06-30 16:00"};
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(data::parse_timestamp_ex(texts[i++ & 3]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_parse_timestamp);

}  // namespace
