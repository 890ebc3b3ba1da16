// Data-movement kernels of the tfjs "kiln" backend. They move 4-byte elements (float32
// and int32 alike, as raw bits), so each serves both dtypes. Shape errors throw
// kiln::ShapeError before anything is written.
#pragma once
#include <cstdint>

#include "kiln/shape.h"

namespace kiln {

/// y = x transposed: y's dim d is x's dim perm[d] (perm has xs.rank entries).
void transpose(const uint32_t* x, const Shape& xs, const int64_t* perm, uint32_t* y);

/// y = x repeated reps[d] times along each dim d (tf.tile).
void tile(const uint32_t* x, const Shape& xs, const int64_t* reps, uint32_t* y);

/// y = x[begin[d] : begin[d] + size[d]] along each dim; size[d] == -1 means "to the end"
/// (tf.slice). y holds slice_shape(xs, begin, size).size() elements.
void slice(const uint32_t* x, const Shape& xs, const int64_t* begin, const int64_t* size, uint32_t* y);
/// The shape slice() writes, after validating begin and size against xs.
Shape slice_shape(const Shape& xs, const int64_t* begin, const int64_t* size);

/// y[i] = value (raw 4-byte pattern) for i < n.
void fill(uint32_t* y, int64_t n, uint32_t value);

/// GatherV2 with batchDims 0: y[o, i, j] = x[o, indices[i], j] with x viewed as
/// [outer, axis_size, inner]. Any index outside [0, axis_size) throws ShapeError.
void gather(const uint32_t* x, int64_t outer, int64_t axis_size, int64_t inner, const int32_t* indices,
            int64_t n_indices, uint32_t* y);

/// y[i, j] = j == indices[i] ? on : off over n x depth; out-of-range indices give a row of off.
void one_hot(const int32_t* indices, int64_t n, int64_t depth, float on, float off, float* y);

}  // namespace kiln
