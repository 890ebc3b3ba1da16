// collectiveEncode(src: Float32Array, wire: Uint8Array, wireType)
// collectiveDecode(wire: Uint8Array, dst: Float32Array, wireType)
// collectiveAccumulate(acc: Float32Array, wire: Uint8Array, wireType, scale, out: Uint8Array | null)
// wireType: 0 float32, 1 float16, 2 bfloat16. A wire array holds exactly acc/src/dst's
// element count in that type (any byteOffset: message payloads are not aligned), and
// must not overlap the float array. In place, synchronous: a 256 KB chunk takes microseconds.
#include <string>

#include "fast_args.h"
#include "kiln/collective.h"
#include "registry.h"

namespace kiln::binding {
namespace {

WireType wire_type(const FastArgs& a, size_t i) { return WireType(a.integer(i, "wireType", 0, 2)); }

// A wire array of n elements of type t that does not overlap the float array f.
View<uint8_t> wire_arg(const FastArgs& a, size_t i, const char* name, WireType t, const View<float>& f,
                       const char* f_name) {
  const View<uint8_t> w = a.u8(i, name);
  const size_t bytes = wire_bytes(t);
  if (w.length != f.length * bytes)
    throw ShapeError(std::string(a.fn()) + ": " + name + " must have " + std::to_string(f.length * bytes) +
                     " bytes (" + std::to_string(f.length) + " elements of " + std::to_string(bytes) +
                     " bytes, as " + f_name + "), got " + std::to_string(w.length));
  check_output(a.fn(), name, w.data, w.length, f_name, f.data, f.length * 4);
  return w;
}

void encode_js(const FastArgs& a) {
  const View<float> src = a.f32(0, "src");
  const WireType t = wire_type(a, 2);
  const View<uint8_t> wire = wire_arg(a, 1, "wire", t, src, "src");
  wire_encode(src.data, wire.data, int64_t(src.length), t);
}

void decode_js(const FastArgs& a) {
  const View<float> dst = a.f32(1, "dst");
  const WireType t = wire_type(a, 2);
  const View<uint8_t> wire = wire_arg(a, 0, "wire", t, dst, "dst");
  wire_decode(wire.data, dst.data, int64_t(dst.length), t);
}

void accumulate_js(const FastArgs& a) {
  const View<float> acc = a.f32(0, "acc");
  const WireType t = wire_type(a, 2);
  const View<uint8_t> wire = wire_arg(a, 1, "wire", t, acc, "acc");
  const double scale = a.number(3, "scale");
  uint8_t* out = nullptr;
  if (!a.nullish(4)) {
    const View<uint8_t> o = wire_arg(a, 4, "out", t, acc, "acc");
    check_output(a.fn(), "out", o.data, o.length, "wire", wire.data, wire.length);
    out = o.data;
  }
  wire_accumulate(acc.data, wire.data, int64_t(acc.length), t, float(scale), out);
}

}  // namespace

void register_collective(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "collectiveEncode", fast_entry<encode_js>);
  define_fast(env, exports, "collectiveDecode", fast_entry<decode_js>);
  define_fast(env, exports, "collectiveAccumulate", fast_entry<accumulate_js>);
}

KILN_BINDING(register_collective);

}  // namespace kiln::binding
