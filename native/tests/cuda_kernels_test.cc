// Every elementwise, reduction, nn, optimizer and layout CUDA kernel against the CPU
// kernel of the same name, on seeded random inputs with special values mixed in.
// Tolerances (|gpu - cpu| allowed):
//   exact        arithmetic, comparisons, casts, select, layout, batch norm, optimizer
//                updates (same formulas, no contraction, IEEE division and sqrt)
//   6 ulp        transcendental unary ops and activations (CUDA libdevice, 1-2 ulp, vs the
//                CPU's polynomials, 2-4 ulp; Gelu also 2.5e-7 * |x| for the cancellation
//                in 1 + erf, Elu and Selu 2.3e-16 near their subnormal results)
//   1 ulp        Pow, Atan2 (double libm on both sides, rounded to float)
//   5e-7 n       float sums of n values in [-1, 1), 5e-7 for their means (double
//                accumulation vs the CPU's float blocks of 64 adds per lane)
//   1e-5 rel     softmax / log-softmax (exp ulps and the sum)
// Exit 0 pass, 1 fail, 77 no CUDA device.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "cuda_harness.h"
#include "kiln/cuda_kernels.h"
#include "kiln/elementwise.h"
#include "kiln/layout.h"
#include "kiln/nn.h"
#include "kiln/optim.h"
#include "kiln/reduce.h"

using namespace kiln;
using namespace kiln::test;

namespace {

Shape shape(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.dims[s.rank++] = d;
  return s;
}

bool transcendental(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp: case UnaryOp::kLog: case UnaryOp::kLog1p: case UnaryOp::kSigmoid: case UnaryOp::kTanh:
    case UnaryOp::kElu: case UnaryOp::kErf: case UnaryOp::kSelu: case UnaryOp::kSoftplus: case UnaryOp::kExpm1:
    case UnaryOp::kSin: case UnaryOp::kCos: case UnaryOp::kGelu: return true;
    default: return false;
  }
}

void unary_ops() {
  Gpu g;
  std::vector<float> x = with_specials(uniform(4099, -12.0f, 12.0f));
  x.push_back(1e5f), x.push_back(-3e7f), x.push_back(88.5f), x.push_back(-104.0f);
  const size_t n = x.size();
  const float* dx = g.put(x);
  float* dy = g.alloc<float>(n);
  for (int op = 0; op < kUnaryOpCount; ++op) {
    const auto u = UnaryOp(op);
    const float alpha = u == UnaryOp::kClipByValue ? -2.0f : 0.3f, beta = 3.5f;
    std::vector<float> cpu(n);
    unary(u, x.data(), cpu.data(), int64_t(n), alpha, beta);
    cuda::unary(g.stream(), u, dx, dy, int64_t(n), alpha, beta);
    const bool tiny = u == UnaryOp::kElu || u == UnaryOp::kSelu;
    const Tol tol = transcendental(u) ? Tol{tiny ? 2.3e-16 : 0, 0, 6} : kExact;
    auto extra = [&](size_t i) { return u == UnaryOp::kGelu ? 2.5e-7 * std::fabs(x[i]) : 0.0; };
    expect_near("unary op " + std::to_string(op), g.get(dy, n), cpu, tol, extra);
  }
}

void binary_ops() {
  Gpu g;
  struct Case { Shape as, bs, ys; bool a_scalar = false, b_scalar = false; };
  const Case cases[] = {
      {shape({257}), shape({257}), shape({257})},
      {shape({5, 1, 7}), shape({3, 1}), shape({5, 3, 7})},
      {shape({6, 9}), shape({9}), shape({6, 9})},
      {shape({}), shape({4, 33}), shape({4, 33}), true},
      {shape({4, 33}), shape({1}), shape({4, 33}), false, true},
      {shape({2, 1, 3, 1}), shape({1, 4, 1, 5}), shape({2, 4, 3, 5})},
  };
  for (int op = 0; op < kBinaryOpCount; ++op) {
    for (const Case& c : cases) {
      auto a = with_specials(uniform(size_t(c.as.size()), -3.0f, 3.0f), 5);
      auto b = with_specials(uniform(size_t(c.bs.size()), -3.0f, 3.0f), 6);
      const size_t ny = size_t(c.ys.size());
      std::vector<float> cpu(ny);
      binary(BinaryOp(op), a.data(), c.as, b.data(), c.bs, cpu.data(), c.ys);
      cuda::Operand<float> oa, ob;
      if (c.a_scalar) oa.value = a[0]; else oa.data = g.put(a);
      if (c.b_scalar) ob.value = b[0]; else ob.data = g.put(b);
      float* dy = g.alloc<float>(ny);
      cuda::binary(g.stream(), BinaryOp(op), oa, c.as, ob, c.bs, dy, c.ys);
      const bool libm = op == int(BinaryOp::kPow) || op == int(BinaryOp::kAtan2);
      expect_near("binary op " + std::to_string(op) + " " + c.as.str() + " " + c.bs.str(), g.get(dy, ny), cpu,
                  libm ? Tol{0, 0, 1} : kExact);
    }
  }
}

void compare_logic_select_cast() {
  Gpu g;
  const Shape as = shape({7, 1, 9}), bs = shape({5, 1}), ys = shape({7, 5, 9});
  const size_t na = size_t(as.size()), nb = size_t(bs.size()), ny = size_t(ys.size());
  auto fa = with_specials(uniform(na, -2, 2)), fb = with_specials(uniform(nb, -2, 2));
  for (auto* v : {&fa, &fb})
    for (size_t i = 0; i < v->size(); i += 3) (*v)[i] = std::round((*v)[i]);  // ties
  const auto ia = ints(na, -3, 3), ib = ints(nb, -3, 3);
  for (int op = 0; op < kCompareOpCount; ++op) {
    std::vector<uint8_t> cpu(ny);
    uint8_t* dy = g.alloc<uint8_t>(ny);
    cuda::Operand<float> oa, ob;
    oa.data = g.put(fa), ob.data = g.put(fb);
    compare(CompareOp(op), fa.data(), as, fb.data(), bs, cpu.data(), ys);
    cuda::compare(g.stream(), CompareOp(op), oa, as, ob, bs, dy, ys);
    expect_near("compare f32 op " + std::to_string(op), g.get(dy, ny), cpu, kExact);
    cuda::Operand<int32_t> pa, pb;
    pa.data = g.put(ia), pb.value = ib[0];
    const Shape one = shape({1});
    compare(CompareOp(op), ia.data(), as, ib.data(), one, cpu.data(), as);
    cuda::compare(g.stream(), CompareOp(op), pa, as, pb, one, dy, as);
    expect_near("compare i32 by value op " + std::to_string(op), g.get(dy, na), std::vector<uint8_t>(cpu.begin(), cpu.begin() + na), kExact);
  }
  std::vector<uint8_t> la(na), lb(nb);
  for (size_t i = 0; i < na; ++i) la[i] = uint8_t(ia[i] > 0 ? ia[i] : 0);  // nonzero bytes other than 1 are true
  for (size_t i = 0; i < nb; ++i) lb[i] = uint8_t(ib[i] > 0);
  for (int op = 0; op < kLogicalOpCount; ++op) {
    std::vector<uint8_t> cpu(ny);
    uint8_t* dy = g.alloc<uint8_t>(ny);
    logical(LogicalOp(op), la.data(), as, lb.data(), bs, cpu.data(), ys);
    cuda::logical(g.stream(), LogicalOp(op), g.put(la), as, g.put(lb), bs, dy, ys);
    expect_near("logical op " + std::to_string(op), g.get(dy, ny), cpu, kExact);
  }
  {
    std::vector<uint8_t> cpu(na);
    uint8_t* dy = g.alloc<uint8_t>(na);
    logical_not(la.data(), cpu.data(), int64_t(na));
    cuda::logical_not(g.stream(), g.put(la), dy, int64_t(na));
    expect_near("logicalNot", g.get(dy, na), cpu, kExact);
  }
  for (int64_t cond_n : {int64_t(na), int64_t(7)}) {  // full condition, one per row
    std::vector<uint8_t> cond(static_cast<size_t>(cond_n));
    for (auto& c : cond) c = uint8_t(ints(1, 0, 2)[0]);
    std::vector<uint32_t> a(na), b(na), cpu(na);
    for (size_t i = 0; i < na; ++i) a[i] = uint32_t(ia[i]), b[i] = uint32_t(i * 2654435761u);
    select(cond.data(), cond_n, a.data(), b.data(), cpu.data(), int64_t(na));
    uint32_t* dy = g.alloc<uint32_t>(na);
    cuda::select(g.stream(), g.put(cond), cond_n, g.put(a), g.put(b), dy, int64_t(na));
    expect_near("select condN " + std::to_string(cond_n), g.get(dy, na), cpu, kExact);
  }
  // Casts, including floats past 2^31 (JS ToInt32 wraps), NaN and Inf.
  auto f = with_specials(uniform(999, -5e9f, 5e9f), 4);
  for (size_t i = 1; i < f.size(); i += 5) f[i] = std::trunc(f[i] / 1e6f);
  const auto iv = ints(999, -100000, 100000);
  std::vector<uint8_t> bv(999);
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = uint8_t(iv[i] & 3);
  const void* hosts[] = {f.data(), iv.data(), bv.data()};
  const void* devs[] = {g.put(f), g.put(iv), g.put(bv)};
  for (int from = 0; from < 3; ++from)
    for (int to = 0; to < 3; ++to) {
      const size_t w = to == 2 ? 1 : 4, n = 999;
      std::vector<uint8_t> cpu(n * w), out(n * w);
      cast(DType(from), hosts[from], DType(to), cpu.data(), int64_t(n));
      uint8_t* dy = g.alloc<uint8_t>(n * w);
      cuda::cast(g.stream(), DType(from), devs[from], DType(to), dy, int64_t(n));
      out = g.get(dy, n * w);
      // Bitwise: every cast is exact.
      expect_near("cast " + std::to_string(from) + "->" + std::to_string(to), out, cpu, kExact);
    }
}

void reductions() {
  Gpu g;
  struct View { int64_t outer, size, inner; };
  const View views[] = {{1, 1, 1}, {64, 10, 1}, {3, 7, 5}, {1, 100003, 1}, {2, 3000, 33}, {1, 50000, 32},
                        {4, 0, 3}, {1, 1, 777}};
  for (const View& v : views) {
    const size_t nx = size_t(v.outer * v.size * v.inner), ny = size_t(v.outer * v.inner);
    const std::string where = " [" + std::to_string(v.outer) + "," + std::to_string(v.size) + "," + std::to_string(v.inner) + "]";
    auto x = uniform(nx, -1, 1);
    for (int op = 0; op < kReduceOpCount; ++op) {
      std::vector<float> in = x;
      if (op == int(ReduceOp::kProd)) for (auto& e : in) e = 1.0f + e * 1e-3f;
      if ((op == int(ReduceOp::kMax) || op == int(ReduceOp::kMin)) && nx > 40) in[nx / 2] = std::nanf("");
      std::vector<float> cpu(ny);
      reduce(ReduceOp(op), in.data(), v.outer, v.size, v.inner, cpu.data());
      float* dy = g.alloc<float>(ny);
      cuda::reduce(g.stream(), ReduceOp(op), g.put(in), v.outer, v.size, v.inner, dy);
      const double sum_bound = 5e-7 * double(v.size) / (op == int(ReduceOp::kMean) ? double(std::max<int64_t>(v.size, 1)) : 1.0);
      const Tol tol = op == int(ReduceOp::kProd) ? Tol{0, 1e-6, 0} : (op <= int(ReduceOp::kMean) ? Tol{sum_bound, 0, 1} : kExact);
      expect_near("reduce op " + std::to_string(op) + where, g.get(dy, ny), cpu, tol);
    }
    const auto xi = ints(nx, -50000, 50000);
    for (int op : {int(ReduceOp::kSum), int(ReduceOp::kMax), int(ReduceOp::kMin), int(ReduceOp::kProd)}) {
      std::vector<int32_t> cpu(ny);
      reduce(ReduceOp(op), xi.data(), v.outer, v.size, v.inner, cpu.data());
      int32_t* dy = g.alloc<int32_t>(ny);
      cuda::reduce(g.stream(), ReduceOp(op), g.put(xi), v.outer, v.size, v.inner, dy);
      expect_near("reduce int32 op " + std::to_string(op) + where, g.get(dy, ny), cpu, kExact);
    }
    if (v.size == 0) continue;
    auto steps = uniform(nx, -4, 4);
    for (auto& e : steps) e = std::round(e);  // ties: the first index must win
    if (nx > 20) steps[0] = std::nanf(""), steps[nx - 3] = std::nanf("");
    for (int op = 0; op < kArgReduceOpCount; ++op) {
      std::vector<int32_t> cpu(ny);
      arg_reduce(ArgReduceOp(op), steps.data(), v.outer, v.size, v.inner, cpu.data());
      int32_t* dy = g.alloc<int32_t>(ny);
      cuda::arg_reduce(g.stream(), ArgReduceOp(op), g.put(steps), v.outer, v.size, v.inner, dy);
      expect_near("argReduce op " + std::to_string(op) + where, g.get(dy, ny), cpu, kExact);
    }
  }
  for (int64_t cols : {1, 10, 1000, 5003}) {
    const int64_t rows = cols > 1000 ? 3 : 130;
    auto x = uniform(size_t(rows * cols), -20, 20);
    for (bool log : {false, true}) {
      std::vector<float> cpu(x.size());
      (log ? log_softmax : softmax)(x.data(), rows, cols, cpu.data());
      float* dy = g.alloc<float>(x.size());
      (log ? cuda::log_softmax : cuda::softmax)(g.stream(), g.put(x), rows, cols, dy);
      expect_near(std::string(log ? "logSoftmax" : "softmax") + " cols " + std::to_string(cols), g.get(dy, x.size()), cpu,
                  Tol{1e-7, 1e-5, 0});
    }
  }
}

void nn_and_optimizers() {
  Gpu g;
  const int64_t c = 6, n = 6 * 50;
  const auto x = uniform(size_t(n), -3, 3), mean = uniform(size_t(c)), offset = uniform(size_t(n));
  auto var = uniform(size_t(c), 0.1f, 2.0f);
  const auto scale = uniform(1);
  std::vector<float> cpu(static_cast<size_t>(n));
  batch_norm(x.data(), n, c, {mean.data(), c}, {var.data(), c}, {offset.data(), n}, {scale.data(), 1}, 1e-3f, cpu.data());
  float* dy = g.alloc<float>(size_t(n));
  cuda::batch_norm(g.stream(), g.put(x), n, c, {g.put(mean), c}, {g.put(var), c}, {g.put(offset), n}, {g.put(scale), 1},
                   1e-3f, dy);
  expect_near("batchNorm", g.get(dy, size_t(n)), cpu, kExact);
  batch_norm(x.data(), n, c, {mean.data(), c}, {var.data(), c}, {}, {}, 1e-3f, cpu.data());
  cuda::batch_norm(g.stream(), g.put(x), n, c, {g.put(mean), c}, {g.put(var), c}, {}, {}, 1e-3f, dy);
  expect_near("batchNorm without offset and scale", g.get(dy, size_t(n)), cpu, kExact);

  const int64_t rows = 37, cols = 19;
  const auto y0 = with_specials(uniform(size_t(rows * cols), -4, 4)), bias = uniform(size_t(cols));
  for (int act = 0; act < kActivationCount; ++act)
    for (bool with_bias : {true, false}) {
      std::vector<float> host = y0;
      bias_act(host.data(), rows, cols, with_bias ? bias.data() : nullptr, Activation(act), 0.2f);
      float* dev = g.put(y0);
      cuda::bias_act(g.stream(), dev, rows, cols, with_bias ? g.put(bias) : nullptr, Activation(act), 0.2f);
      const bool smooth = act == int(Activation::kElu) || act == int(Activation::kSigmoid) || act == int(Activation::kTanh);
      expect_near("biasAct " + std::to_string(act) + (with_bias ? " + bias" : ""), g.get(dev, host.size()), host,
                  smooth ? Tol{2.3e-16, 0, 6} : kExact);
    }

  const size_t m = 1031;
  const auto grad = uniform(m), v0 = uniform(m);
  auto slot = [&] { return uniform(m, 0.0f, 0.1f); };
  const auto s1 = slot(), s2 = slot(), s3 = slot();
  for (int step = 0; step < 4; ++step) {
    std::vector<float> v = v0, a = s1, b = s2, c3 = s3;
    float *dv = g.put(v), *dg = g.put(grad), *da = g.put(a), *db = g.put(b), *dc = g.put(c3);
    const char* name = "";
    switch (step) {
      case 0: name = "sgd"; sgd_update(v.data(), grad.data(), int64_t(m), 0.01);
        cuda::sgd_update(g.stream(), dv, dg, int64_t(m), 0.01); break;
      case 1: name = "momentum (nesterov)"; momentum_update(v.data(), grad.data(), a.data(), int64_t(m), 0.01, 0.9, true);
        cuda::momentum_update(g.stream(), dv, dg, da, int64_t(m), 0.01, 0.9, true); break;
      case 2: name = "adam"; adam_update(v.data(), grad.data(), a.data(), b.data(), int64_t(m), 1e-3, 0.9, 0.999, 1e-7, 0.81, 0.998);
        cuda::adam_update(g.stream(), dv, dg, da, db, int64_t(m), 1e-3, 0.9, 0.999, 1e-7, 0.81, 0.998); break;
      default: name = "rmsprop (centered)";
        rmsprop_update(v.data(), grad.data(), a.data(), b.data(), c3.data(), int64_t(m), 1e-3, 0.9, 0.5, 1e-7, true);
        cuda::rmsprop_update(g.stream(), dv, dg, da, db, dc, int64_t(m), 1e-3, 0.9, 0.5, 1e-7, true);
    }
    expect_near(std::string(name) + " variable", g.get(dv, m), v, kExact);
    expect_near(std::string(name) + " slot", g.get(da, m), a, kExact);
  }
}

void layout_ops() {
  Gpu g;
  const Shape xs = shape({3, 4, 5, 6});
  std::vector<uint32_t> x(size_t(xs.size()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = uint32_t(i * 7919u);
  const uint32_t* dx = g.put(x);
  const int64_t perms[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {0, 2, 1, 3}, {1, 0, 3, 2}, {0, 3, 1, 2}};
  for (const auto& p : perms) {
    std::vector<uint32_t> cpu(x.size());
    transpose(x.data(), xs, p, cpu.data());
    uint32_t* dy = g.alloc<uint32_t>(x.size());
    cuda::transpose(g.stream(), dx, xs, p, dy);
    expect_near("transpose", g.get(dy, x.size()), cpu, kExact);
  }
  const int64_t reps[] = {2, 1, 3, 1};
  std::vector<uint32_t> tiled(x.size() * 6);
  tile(x.data(), xs, reps, tiled.data());
  uint32_t* dt = g.alloc<uint32_t>(tiled.size());
  cuda::tile(g.stream(), dx, xs, reps, dt);
  expect_near("tile", g.get(dt, tiled.size()), tiled, kExact);
  const int64_t begin[] = {1, 0, 2, 3}, size[] = {2, -1, 3, 2};
  const Shape ss = slice_shape(xs, begin, size);
  std::vector<uint32_t> sl(size_t(ss.size()));
  slice(x.data(), xs, begin, size, sl.data());
  uint32_t* ds = g.alloc<uint32_t>(sl.size());
  cuda::slice(g.stream(), dx, xs, begin, size, ds);
  expect_near("slice", g.get(ds, sl.size()), sl, kExact);
  std::vector<uint32_t> filled(1001, 0x3f800000u);
  uint32_t* df = g.alloc<uint32_t>(filled.size());
  cuda::fill(g.stream(), df, int64_t(filled.size()), 0x3f800000u);
  expect_near("fill", g.get(df, filled.size()), filled, kExact);
  const auto idx = ints(17, 0, 5);
  for (int64_t axis = 0; axis < 4; ++axis) {
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= xs.dims[d];
    for (int d = int(axis) + 1; d < 4; ++d) inner *= xs.dims[d];
    std::vector<int32_t> ix(idx);
    for (auto& i : ix) i %= int32_t(xs.dims[axis]);
    std::vector<uint32_t> cpu(size_t(outer * inner) * ix.size());
    gather(x.data(), outer, xs.dims[axis], inner, ix.data(), int64_t(ix.size()), cpu.data());
    uint32_t* dy = g.alloc<uint32_t>(cpu.size());
    cuda::gather(g.stream(), dx, outer, xs.dims[axis], inner, g.put(ix), int64_t(ix.size()), dy);
    expect_near("gather axis " + std::to_string(axis), g.get(dy, cpu.size()), cpu, kExact);
  }
  const auto labels = ints(300, -1, 11);  // -1 and 10 are out of range: rows of off
  std::vector<float> oh(300 * 10);
  one_hot(labels.data(), 300, 10, 1.0f, 0.0f, oh.data());
  float* doh = g.alloc<float>(oh.size());
  cuda::one_hot(g.stream(), g.put(labels), 300, 10, 1.0f, 0.0f, doh);
  expect_near("oneHot", g.get(doh, oh.size()), oh, kExact);
}

}  // namespace

int main() {
  return run_all("cuda kernels", [] {
    group("unary", unary_ops);
    group("binary", binary_ops);
    group("compare/logical/select/cast", compare_logic_select_cast);
    group("reductions", reductions);
    group("nn and optimizers", nn_and_optimizers);
    group("layout", layout_ops);
  });
}
