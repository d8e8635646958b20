// A 16 x 16 transpose of 32-bit elements in AVX-512 registers, shared by the AMX weight packing (bf16 pairs)
// and paged attention's key blocks (f32).
#pragma once

#include <immintrin.h>

#include <cstdint>

// GCC 12's AVX-512 unpacks start from _mm512_undefined_*() values and trip -Wuninitialized once inlined: a
// known false positive (see linear_cpu.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace chunkwise::runtime::cpu {

// 16 rows of 16 32-bit elements, `stride` elements apart from `source`, transposed: row i of `out` (rows
// `out_stride` elements apart) holds element i of each source row. Three rounds of in-lane unpacks and lane
// shuffles (16 loads, 64 shuffles, 16 stores; no gathers).
__attribute__((target("avx512f"))) inline void transpose_16x16_32bit(const uint32_t* source, int64_t stride,
                                                                     uint32_t* out, int64_t out_stride) {
  __m512i rows[16], pairs[16], quads[16];
  for (int i = 0; i < 16; ++i) rows[i] = _mm512_loadu_si512(source + i * stride);
  // pairs[2i], pairs[2i+1]: in each 128-bit lane, columns (0, 1) and (2, 3) of rows 2i and 2i+1 interleaved.
  for (int i = 0; i < 8; ++i) {
    pairs[2 * i] = _mm512_unpacklo_epi32(rows[2 * i], rows[2 * i + 1]);
    pairs[2 * i + 1] = _mm512_unpackhi_epi32(rows[2 * i], rows[2 * i + 1]);
  }
  // quads[4i + c]: in lane l, column 4 l + c of rows 4i .. 4i + 3.
  for (int i = 0; i < 4; ++i) {
    quads[4 * i] = _mm512_unpacklo_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 1] = _mm512_unpackhi_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 2] = _mm512_unpacklo_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
    quads[4 * i + 3] = _mm512_unpackhi_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
  }
  // Output row 4 l + c: lane l of quads[c], quads[4 + c], quads[8 + c], quads[12 + c].
  for (int c = 0; c < 4; ++c) {
    const __m512i low01 = _mm512_shuffle_i32x4(quads[c], quads[4 + c], 0x44);
    const __m512i high01 = _mm512_shuffle_i32x4(quads[c], quads[4 + c], 0xEE);
    const __m512i low23 = _mm512_shuffle_i32x4(quads[8 + c], quads[12 + c], 0x44);
    const __m512i high23 = _mm512_shuffle_i32x4(quads[8 + c], quads[12 + c], 0xEE);
    _mm512_storeu_si512(out + c * out_stride, _mm512_shuffle_i32x4(low01, low23, 0x88));
    _mm512_storeu_si512(out + (4 + c) * out_stride, _mm512_shuffle_i32x4(low01, low23, 0xDD));
    _mm512_storeu_si512(out + (8 + c) * out_stride, _mm512_shuffle_i32x4(high01, high23, 0x88));
    _mm512_storeu_si512(out + (12 + c) * out_stride, _mm512_shuffle_i32x4(high01, high23, 0xDD));
  }
}

}  // namespace chunkwise::runtime::cpu

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
