// Monte Carlo VaR/CVaR (multivariate normal / Student-t through a covariance factor) and the
// i.i.d. bootstrap: Philox4x32-10 counter streams keyed by the seed, Box-Muller normals, an
// AVX-512 kernel (16 paths at a time) beside the scalar reference, oneTBB over fixed blocks.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <Random123/philox.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <Random123/boxmuller.hpp>

#if defined(__x86_64__)
// GCC 12 reports its own _mm*_undefined_pd() (self-initialised on purpose) as maybe
// uninitialised where the intrinsics inline.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "ntrun/compute/risk.hpp"
#include "risk_detail.hpp"

namespace ntrun::compute::risk::detail {
namespace {

// Paths per task. Fixed, so block boundaries (and every reduction order) do not depend on the
// number of threads; a multiple of the kernel's 16 paths.
constexpr std::size_t k_block = 1024;
constexpr std::uint32_t k_chi2_block = 0x80000000u;  // counter blocks of the chi2 draws

using philox = r123::Philox4x32;

philox::ctr_type::value_type lo32(std::uint64_t x) {
  return static_cast<std::uint32_t>(x);
}
philox::ctr_type::value_type hi32(std::uint64_t x) {
  return static_cast<std::uint32_t>(x >> 32);
}

philox::ctr_type draw(std::uint64_t seed, std::uint64_t path, std::uint32_t step,
                      std::uint32_t block) noexcept {
  const philox::ctr_type ctr = {{lo32(path), hi32(path), step, block}};
  const philox::key_type key = {{lo32(seed), hi32(seed)}};
  return philox{}(ctr, key);
}

std::uint64_t word64(const philox::ctr_type& r, int half) noexcept {
  return static_cast<std::uint64_t>(r[2 * half]) |
         (static_cast<std::uint64_t>(r[2 * half + 1]) << 32);
}

// The return of one path over the horizon: the scalar reference of the kernels below.
double path_scalar(const mc_model& m, const var_options& opt, std::uint64_t path) noexcept {
  const std::size_t cols = m.loading.size();
  const auto steps = static_cast<std::uint32_t>(opt.horizon);
  double total = 0;
  for (std::uint32_t s = 0; s < steps; ++s) {
    double acc = 0;
    for (std::uint32_t b = 0; 2 * b < cols; ++b) {
      const normal_pair z = philox_normals(opt.seed, path, s, b);
      acc += m.loading[2 * b] * z.z0;
      if (2 * b + 1 < cols) acc += m.loading[2 * b + 1] * z.z1;
    }
    if (opt.dof > 0) acc *= std::sqrt((opt.dof - 2) / philox_chi2(opt.seed, path, s, opt.dof));
    const double r = m.drift + acc;
    total += r * (1 + total);  // compounding; exact r for one step
  }
  return total;
}

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")

using f64x8 = double __attribute__((vector_size(64)));
using u64x8 = std::uint64_t __attribute__((vector_size(64)));
using i64x8 = std::int64_t __attribute__((vector_size(64)));

// Four 32-bit Philox words of 8 counters, one word per 64-bit lane (high halves ignored).
struct words {
  u64x8 x0, x1, x2, x3;
};

inline f64x8 splat(double v) {
  return f64x8{} + v;
}
inline u64x8 splat_u(std::uint64_t v) {
  return u64x8{} + v;
}

// Philox4x32-10 as in Random123: multiply, swap, xor with the bumped key; rounds unrolled so
// the independent multiplies overlap.
__attribute__((always_inline)) inline void philox8(words& c, std::uint32_t k0, std::uint32_t k1) {
  const u64x8 low = splat_u(0xffffffffu);
  const __m512i m0 = (__m512i)splat_u(0xD2511F53u), m1 = (__m512i)splat_u(0xCD9E8D57u);
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
    // vpmuludq reads the low 32 bits of each lane: the high halves may hold anything.
    const u64x8 p0 = (u64x8)_mm512_mask_mul_epu32(m0, 0xff, (__m512i)c.x0, m0);
    const u64x8 p1 = (u64x8)_mm512_mask_mul_epu32(m1, 0xff, (__m512i)c.x2, m1);
    c = words{(p1 >> 32) ^ c.x1 ^ k0, p1, (p0 >> 32) ^ c.x3 ^ k1, p0};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  c = words{c.x0 & low, c.x1 & low, c.x2 & low, c.x3 & low};
}

// log(x) for normal x > 0: fdlibm's e_log.c (reduction to [sqrt(2)/2, sqrt(2)), s = f/(2+f),
// degree-14 polynomial in s), branch-free; error below 1 ulp.
__attribute__((always_inline)) inline f64x8 log8(f64x8 x) {
  u64x8 bits;
  std::memcpy(&bits, &x, sizeof bits);
  i64x8 k = (i64x8)(bits >> 52) - 1023;
  const u64x8 mbits = (bits & 0x000fffffffffffffu) | 0x3ff0000000000000u;
  f64x8 m;
  std::memcpy(&m, &mbits, sizeof m);
  const i64x8 big = (i64x8)(m > 1.4142135623730951);  // -1 in the lanes that halve
  m = big ? m * 0.5 : m;
  k = k - big;
  const f64x8 f = m - 1.0, hfsq = 0.5 * f * f, s = f / (2.0 + f);
  const f64x8 z = s * s, w = z * z;
  const f64x8 t1 = w * (3.999999999940941908e-01 +
                        w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const f64x8 t2 = z * (6.666666666666735130e-01 +
                        w * (2.857142874366239149e-01 +
                             w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const f64x8 dk = __builtin_convertvector(k, f64x8);
  return dk * 6.93147180369123816490e-01 -
         ((hfsq - (s * (hfsq + (t1 + t2)) + dk * 1.90821492927058770002e-10)) - f);
}

// sin(pi x), cos(pi x) for x in [-1, 1]: exact reduction to r = x - q/2 in [-1/4, 1/4], then
// fdlibm's __kernel_sin / __kernel_cos on pi r and the quadrant q mod 4.
__attribute__((always_inline)) inline void sincospi8(f64x8 x, f64x8& sn, f64x8& cs) {
  const f64x8 magic = splat(6755399441055744.0);  // 1.5 * 2^52: round to nearest integer
  const f64x8 qd = (x * 2.0 + magic) - magic;
  const f64x8 t = (x - qd * 0.5) * 3.14159265358979323846;
  const i64x8 q = __builtin_convertvector(qd, i64x8);
  const f64x8 z = t * t, w = z * z, v = z * t;
  const f64x8 rs = 8.33333333332248946124e-03 +
                   z * (-1.98412698298579493134e-04 + z * 2.75573137070700676789e-06) +
                   z * w * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10);
  const f64x8 s = t + v * (-1.66666666666666324348e-01 + z * rs);
  const f64x8 rc = z * (4.16666666666666019037e-02 +
                        z * (-1.38888888888741095749e-03 + z * 2.48015872894767294178e-05)) +
                   w * w *
                       (-2.75573143513906633035e-07 +
                        z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11));
  const f64x8 hz = 0.5 * z, one_hz = 1.0 - hz;
  const f64x8 c = one_hz + (((1.0 - one_hz) - hz) + z * rc);
  const i64x8 odd = -(q & 1), neg_s = -((q >> 1) & 1), neg_c = -(((q + 1) >> 1) & 1);
  const f64x8 s1 = odd ? c : s, c1 = odd ? s : c;
  sn = neg_s ? -s1 : s1;
  cs = neg_c ? -c1 : c1;
}

// r123::boxmuller on 8 lanes: angle from uneg11(word 0..1), radius from u01(word 2..3).
__attribute__((always_inline)) inline void box_muller8(const words& o, f64x8& z0, f64x8& z1) {
  const u64x8 a = o.x0 | (o.x1 << 32), b = o.x2 | (o.x3 << 32);
  const f64x8 x = __builtin_convertvector((i64x8)a, f64x8) * 0x1p-63 + 0x1p-64;
  const f64x8 y = __builtin_convertvector(b, f64x8) * 0x1p-64 + 0x1p-65;
  f64x8 s, c;
  sincospi8(x, s, c);
  const __m512d r2 = (__m512d)(-2.0 * log8(y));
  const f64x8 r = (f64x8)_mm512_mask_sqrt_pd(r2, 0xff, r2);  // masked form: no undefined source
  z0 = s * r;
  z1 = c * r;
}

// Horizon returns of paths first .. first + 15 into out[0 .. 15].
void paths16_avx512(const mc_model& m, const var_options& opt, std::uint64_t first, double* out) {
  const std::size_t cols = m.loading.size();
  const auto steps = static_cast<std::uint32_t>(opt.horizon);
  const auto k0 = static_cast<std::uint32_t>(opt.seed),
             k1 = static_cast<std::uint32_t>(opt.seed >> 32);
  u64x8 pa, pb;
  for (int l = 0; l < 8; ++l) {
    pa[l] = first + static_cast<std::uint64_t>(l);
    pb[l] = first + 8 + static_cast<std::uint64_t>(l);
  }
  f64x8 ta{}, tb{};
  for (std::uint32_t s = 0; s < steps; ++s) {
    f64x8 acca{}, accb{};
    for (std::uint32_t b = 0; 2 * b < cols; ++b) {
      words wa{pa, pa >> 32, splat_u(s), splat_u(b)}, wb{pb, pb >> 32, splat_u(s), splat_u(b)};
      philox8(wa, k0, k1);
      philox8(wb, k0, k1);
      f64x8 za0, za1, zb0, zb1;
      box_muller8(wa, za0, za1);
      box_muller8(wb, zb0, zb1);
      const f64x8 v0 = splat(m.loading[2 * b]);
      acca = acca + v0 * za0;
      accb = accb + v0 * zb0;
      if (2 * b + 1 < cols) {
        const f64x8 v1 = splat(m.loading[2 * b + 1]);
        acca = acca + v1 * za1;
        accb = accb + v1 * zb1;
      }
    }
    if (opt.dof > 0) {
      for (int l = 0; l < 8; ++l) {
        acca[l] *= std::sqrt((opt.dof - 2) / philox_chi2(opt.seed, pa[l], s, opt.dof));
        accb[l] *= std::sqrt((opt.dof - 2) / philox_chi2(opt.seed, pb[l], s, opt.dof));
      }
    }
    const f64x8 ra = m.drift + acca, rb = m.drift + accb;
    ta = ta + ra * (1.0 + ta);
    tb = tb + rb * (1.0 + tb);
  }
  std::memcpy(out, &ta, sizeof ta);
  std::memcpy(out + 8, &tb, sizeof tb);
}

#pragma GCC pop_options
#endif

void paths_block(const mc_model& m, const var_options& opt, engine how, std::uint64_t first,
                 std::span<double> out) {
#if defined(__x86_64__)
  if (how == engine::avx512) {
    double buf[16];
    for (std::size_t i = 0; i < out.size(); i += 16) {
      paths16_avx512(m, opt, first + i, buf);
      std::copy_n(buf, std::min<std::size_t>(16, out.size() - i),
                  out.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return;
  }
#endif
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = path_scalar(m, opt, first + i);
}

struct summary {
  double mean = 0;
  double m2 = 0;  // sum of squared deviations
  std::size_t n = 0;
};

// Four interleaved accumulators: a single add chain is latency-bound (3 cycles a value).
template <class F>
double sum4(std::span<const double> x, F f) {
  double a[4] = {};
  std::size_t i = 0;
  for (; i + 4 <= x.size(); i += 4)
    for (std::size_t k = 0; k < 4; ++k) a[k] += f(x[i + k]);
  for (; i < x.size(); ++i) a[0] += f(x[i]);
  return (a[0] + a[1]) + (a[2] + a[3]);
}

summary summarise(std::span<const double> x) {
  summary s{.n = x.size()};
  s.mean = sum4(x, [](double v) { return v; }) / static_cast<double>(x.size());
  s.m2 = sum4(x, [m = s.mean](double v) { return (v - m) * (v - m); });
  return s;
}

// Chan et al.'s pairwise update; applied in block order, so the bits do not depend on threads.
void merge(summary& a, const summary& b) {
  const double n = static_cast<double>(a.n + b.n), d = b.mean - a.mean;
  a.mean += d * static_cast<double>(b.n) / n;
  a.m2 += b.m2 + d * d * static_cast<double>(a.n) * static_cast<double>(b.n) / n;
  a.n += b.n;
}

// Runs fill(first, out_block) over fixed blocks of `out`, in parallel above one block, and
// returns the mean and the sum of squared deviations of all of `out`.
template <class Fill>
summary run_blocks(std::span<double> out, const Fill& fill) {
  const std::size_t blocks = (out.size() + k_block - 1) / k_block;
  std::vector<summary> parts(blocks);
  const auto one = [&](std::size_t b) {
    const std::size_t first = b * k_block;
    const auto part = out.subspan(first, std::min(k_block, out.size() - first));
    fill(static_cast<std::uint64_t>(first), part);
    parts[b] = summarise(part);
  };
  // Isolated: while this thread waits it must not pick up an unrelated outer task that could
  // re-enter and reuse this thread's scratch buffers (the thread_local paths).
  if (blocks == 1)
    one(0);
  else
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blocks, 1),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t b = r.begin(); b != r.end(); ++b) one(b);
                        });
    });
  summary total = parts[0];
  for (std::size_t b = 1; b < blocks; ++b) merge(total, parts[b]);
  return total;
}

var_result finish(std::span<double> out, const summary& s, const var_options& opt,
                  std::string method) {
  const tail t = empirical_tail_parallel(out, 1 - opt.confidence);
  return {.var = t.var,
          .cvar = t.cvar,
          .mean = s.mean,
          .stdev = s.n > 1 ? std::sqrt(s.m2 / static_cast<double>(s.n - 1)) : 0,
          .observations = static_cast<std::int64_t>(s.n),
          .method = std::move(method)};
}

std::string mc_name(const var_options& opt) {
  return opt.dof > 0 ? "monte_carlo (student-t, " + num(opt.dof) + " dof)"
                     : std::string("monte_carlo (normal)");
}

engine resolve(engine how) {
  if (how == engine::automatic || (how == engine::avx512 && !avx512_available()))
    return avx512_available() ? engine::avx512 : engine::scalar;
  return how;
}

}  // namespace

normal_pair philox_normals(std::uint64_t seed, std::uint64_t path, std::uint32_t step,
                           std::uint32_t block) noexcept {
  const philox::ctr_type r = draw(seed, path, step, block);
  const r123::double2 d = r123::boxmuller(word64(r, 0), word64(r, 1));
  return {.z0 = d.x, .z1 = d.y};
}

double philox_chi2(std::uint64_t seed, std::uint64_t path, std::uint32_t step,
                   double dof) noexcept {
  // Marsaglia & Tsang (2000), shape a = dof / 2 > 1; chi2 = 2 Gamma(a). Attempt i uses the
  // counter blocks 2^31 + 2i (normal) and 2^31 + 2i + 1 (uniform).
  const double d = dof / 2 - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (std::uint32_t i = 0; i < 64; ++i) {
    const double x = philox_normals(seed, path, step, k_chi2_block + 2 * i).z0;
    const double v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const double v = v0 * v0 * v0;
    const double u = r123::u01<double>(word64(draw(seed, path, step, k_chi2_block + 2 * i + 1), 0));
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return 2 * d * v;
  }
  return 2 * d;  // 64 rejections in a row: probability below 1e-80
}

bool avx512_available() noexcept {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

tail empirical_tail_parallel(std::span<double> x, double alpha) {
  constexpr std::size_t k_stride = 64, k_chunk = 1 << 16;
  const std::size_t n = x.size();
  if (n < 2 * k_chunk) return empirical_tail(x, alpha);
  // Threshold from a strided sample, set generously above the tail's share so that the
  // candidates (values <= threshold) hold the j smallest; if not, select over everything.
  const std::size_t m = n / k_stride;
  std::vector<double> sample(m);
  for (std::size_t i = 0; i < m; ++i) sample[i] = x[i * k_stride];
  const double share = static_cast<double>(tail_rank(n, alpha)) / static_cast<double>(n);
  const double want =
      static_cast<double>(m) * share * 1.25 + 6 * std::sqrt(static_cast<double>(m) * share) + 16;
  const std::size_t k = std::min(m, static_cast<std::size_t>(want));
  std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k - 1),
                   sample.end());
  const double threshold = sample[k - 1];
  const std::size_t chunks = (n + k_chunk - 1) / k_chunk;
  std::vector<std::vector<double>> found(chunks);
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks, 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t c = r.begin(); c != r.end(); ++c) {
                          const std::size_t end = std::min(n, (c + 1) * k_chunk);
                          for (std::size_t i = c * k_chunk; i < end; ++i)
                            if (x[i] <= threshold) found[c].push_back(x[i]);
                        }
                      });
  });
  std::vector<double> candidates;
  for (const auto& f : found) candidates.insert(candidates.end(), f.begin(), f.end());
  if (candidates.size() < tail_rank(n, alpha)) return empirical_tail(x, alpha);
  return tail_of_candidates(candidates, n, alpha);
}

void simulate_paths(const mc_model& model, const var_options& opt, engine how,
                    std::span<double> out) {
  const engine e = resolve(how);
  (void)run_blocks(out, [&](std::uint64_t first, std::span<double> part) {
    paths_block(model, opt, e, first, part);
  });
}

var_result monte_carlo(const mc_model& model, const var_options& opt, engine how) {
  thread_local std::vector<double> paths;  // reused across calls on this thread
  paths.resize(static_cast<std::size_t>(opt.sims));
  const engine e = resolve(how);
  const summary s = run_blocks(paths, [&](std::uint64_t first, std::span<double> part) {
    paths_block(model, opt, e, first, part);
  });
  return finish(paths, s, opt, mc_name(opt));
}

var_result monte_carlo_reference(const mc_model& model, const var_options& opt) {
  std::vector<double> paths(static_cast<std::size_t>(opt.sims));
  for (std::size_t p = 0; p < paths.size(); ++p) paths[p] = path_scalar(model, opt, p);
  const summary s = summarise(paths);
  const tail t = empirical_tail_sorted(paths, 1 - opt.confidence);
  return {.var = t.var,
          .cvar = t.cvar,
          .mean = s.mean,
          .stdev = s.n > 1 ? std::sqrt(s.m2 / static_cast<double>(s.n - 1)) : 0,
          .observations = static_cast<std::int64_t>(s.n),
          .method = mc_name(opt)};
}

var_result bootstrap(std::span<const double> returns, const var_options& opt) {
  thread_local std::vector<double> paths;
  paths.resize(static_cast<std::size_t>(opt.sims));
  const auto n = returns.size();
  const auto steps = static_cast<std::uint32_t>(opt.horizon);
  // Day index floor(u n) with u = 53-bit uniform in [0, 1) from counter (path, step, 0).
  const summary s = run_blocks(paths, [&](std::uint64_t first, std::span<double> part) {
    for (std::size_t i = 0; i < part.size(); ++i) {
      double total = 0;
      for (std::uint32_t st = 0; st < steps; ++st) {
        const double u =
            static_cast<double>(word64(draw(opt.seed, first + i, st, 0), 0) >> 11) * 0x1p-53;
        const auto day = std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)));
        total += returns[day] * (1 + total);
      }
      part[i] = total;
    }
  });
  return finish(paths, s, opt, "bootstrap");
}

}  // namespace ntrun::compute::risk::detail
