// Basic address types shared by every layer.
#pragma once
#include <cstdint>
#include <cstddef>

namespace pvlab {

using paddr_t = uint64_t;   // guest physical address (36 bits with PAE)
using laddr_t = uint32_t;   // guest linear address

constexpr unsigned kPageShift = 12;
constexpr uint32_t kPageSize = 1u << kPageShift;
constexpr uint32_t kPageMask = kPageSize - 1;

#if defined(__GNUC__)
#define PVLAB_LIKELY(x) __builtin_expect(!!(x), 1)
#define PVLAB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PVLAB_INLINE inline __attribute__((always_inline))
#else
#define PVLAB_LIKELY(x) (x)
#define PVLAB_UNLIKELY(x) (x)
#define PVLAB_INLINE inline
#endif

}  // namespace pvlab
