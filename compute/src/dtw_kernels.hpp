// Private seam between the DTW front-end (dtw.cpp) and its per-ISA kernels: the kernel table,
// the run-time dispatch (with a way to force a path, for tests) and the shared argument checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ntrun/compute/dtw.hpp"

namespace ntrun::compute::dtw::detail {

enum class isa : std::uint8_t { scalar = 0, avx2 = 1, avx512 = 2 };

/// Upper bound of kernel_table::block_lanes (the front-end keeps a block's pointers on the
/// stack).
inline constexpr std::size_t max_block_lanes = 64;

/// The kernels of one instruction set. Every kernel returns the *accumulated* cost (the sum,
/// before the square root of cost::sq), works with a normalised band (0 <= band <=
/// max(n, m); "no band" is max(n, m)), trusts its arguments (the front-end validated them) and
/// uses only the caller's workspace (`ws`, 64-byte aligned, at least the size its
/// *_workspace function asks for), so it never allocates.
///
/// All kernels evaluate each cell as cost(a_i, b_j) + min(diag, up, left) with the cost
/// rounded before the add (no FMA); min is exact, so every kernel, lane, thread and ISA
/// produces the same bits for the same pair.
struct kernel_table {
  isa id;
  const char* name;
  std::size_t block_lanes;  ///< candidates per SIMD block (lanes x register groups)

  /// No NaN or +-inf in x[0..n).
  bool (*all_finite)(const double* x, std::size_t n);

  /// Doubles of workspace `block` needs for candidates of length m.
  std::size_t (*block_workspace)(std::size_t m);
  /// One query (length n) against `count` <= block_lanes candidates of length m each;
  /// accumulated costs to out[0..count).
  void (*block)(const double* query, std::size_t n, const double* const* candidates,
                std::size_t count, std::size_t m, cost metric, std::size_t band, double* ws,
                double* out);

  /// Whether `pair` runs SIMD (anti-diagonals) for this shape rather than one-lane rows.
  bool (*pair_is_simd)(std::size_t n, std::size_t m, std::size_t band);
  /// Doubles of workspace `pair` and `pair_bounded` need.
  std::size_t (*pair_workspace)(std::size_t n, std::size_t m);
  /// One pair, the kernel of choice for its shape (row tiles, or anti-diagonals when long).
  double (*pair)(const double* a, std::size_t n, const double* b, std::size_t m, cost metric,
                 std::size_t band, double* ws);
  /// One pair by row tiles, returning +inf as soon as a whole row exceeds `limit` (an
  /// accumulated cost). Otherwise the exact accumulated cost.
  double (*pair_bounded)(const double* a, std::size_t n, const double* b, std::size_t m,
                         cost metric, std::size_t band, double limit, double* ws);
};

[[nodiscard]] const kernel_table& scalar_kernels() noexcept;
[[nodiscard]] const kernel_table& avx2_kernels() noexcept;
[[nodiscard]] const kernel_table& avx512_kernels() noexcept;

/// The table dispatch uses now: the best the CPU supports unless a test forced another.
[[nodiscard]] const kernel_table& active_kernels() noexcept;
/// Whether this CPU (and OS) can run `which`.
[[nodiscard]] bool isa_supported(isa which) noexcept;
/// Forces dispatch to `which` (tests only; not thread-safe against running kernels). Returns
/// false, changing nothing, when the CPU cannot run it.
bool force_isa(isa which) noexcept;
/// Back to the automatic choice.
void reset_isa() noexcept;

/// Work (K x in-band cells of one pair) from which batch() fans out on oneTBB. Measured in
/// bench/bench_dtw.cpp (BM_threshold, docs/dtw.md): two threads win from about 16k cells with
/// hot workers; 64k (about 5 us of serial work) leaves room for waking them.
inline constexpr std::uint64_t default_parallel_min_cells = 65'536;
[[nodiscard]] std::uint64_t parallel_min_cells() noexcept;
/// For the threshold benchmark only.
void set_parallel_min_cells(std::uint64_t cells) noexcept;

/// A SIMD block holding at most this many candidates (the tail of a batch, or a small K) runs
/// them through the pair kernel one by one instead: a SIMD pair kernel matches a quarter of a
/// block's lanes, a one-lane one an eighth (measured, docs/dtw.md).
[[nodiscard]] inline std::size_t block_min_fill(const kernel_table& k, std::size_t n, std::size_t m,
                                                std::size_t band) noexcept {
  const std::size_t fill = k.pair_is_simd(n, m, band) ? k.block_lanes / 4 : k.block_lanes / 8;
  return fill > 0 ? fill : 1;
}

// ---- argument checks shared with the reference (throw std::invalid_argument) ----
inline constexpr std::size_t not_an_item = static_cast<std::size_t>(-1);
/// Non-empty and finite; `item` names the element of a list argument ("candidate 3").
void check_series(std::span<const double> s, const char* name, std::size_t item = not_an_item);
void check_options(const options& opt, std::size_t n, std::size_t m,
                   std::size_t item = not_an_item);
/// Largest matrix path() and the reference build (cells): 2^28, 2 GiB of doubles.
inline constexpr std::uint64_t max_matrix_cells = std::uint64_t{1} << 28;
void check_matrix_size(std::uint64_t cells, std::size_t n, std::size_t m);
/// The band as the kernels take it: in [0, max(n, m)], max(n, m) meaning none.
[[nodiscard]] std::size_t normalised_band(const options& opt, std::size_t n,
                                          std::size_t m) noexcept;
/// Cells inside the band of an n x m matrix (exact count).
[[nodiscard]] std::uint64_t band_cells(std::size_t n, std::size_t m, std::size_t band) noexcept;

}  // namespace ntrun::compute::dtw::detail
