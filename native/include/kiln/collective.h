// Arithmetic of the ring collectives (all-reduce, broadcast over NATS): sums, the average's
// scaling and the fp16 / bf16 wire formats. A "wire" buffer is message bytes as NATS hands
// them over or takes them: little endian, no alignment assumed, n elements of the wire type,
// so kernels read and write message payloads in place.
#pragma once
#include <cstddef>
#include <cstdint>

namespace kiln {

/// How tensor elements travel between ranks.
enum class WireType : int { kFloat32 = 0, kFloat16 = 1, kBFloat16 = 2 };

/// Bytes one element takes on the wire (4 or 2).
size_t wire_bytes(WireType t);

/// dst (n wire elements) = src rounded to the wire type (round to nearest even).
void wire_encode(const float* src, void* dst, int64_t n, WireType t);

/// dst = src (n wire elements) as float32 (exact).
void wire_decode(const void* src, float* dst, int64_t n, WireType t);

/// acc = (acc + decode(src)) * scale. With out, also out = encode(acc), and for the 16-bit
/// types acc becomes decode(out): the sender keeps exactly what its receivers get, so every
/// rank ends an all-reduce with the same bits. acc must not overlap src or out.
void wire_accumulate(float* acc, const void* src, int64_t n, WireType t, float scale, void* out);

}  // namespace kiln
