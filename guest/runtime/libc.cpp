// The few libc/ABI symbols GCC may emit calls to in a freestanding image.
// Built with -fno-builtin -fno-tree-loop-distribute-patterns so these loops
// do not turn back into calls to themselves.
#include <stddef.h>
#include <stdint.h>

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  while (n--) *d++ = static_cast<unsigned char>(c);
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (; n--; ++x, ++y)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

// __builtin_popcountll without -mpopcnt (cpumask::weight). Ours rather than
// libgcc's: libgcc is built with the red zone, which interrupts would clobber.
int __popcountdi2(uint64_t x) {
  int n = 0;
  for (; x != 0; x &= x - 1) ++n;
  return n;
}

// Global destructors never run (the guest ends with isa-debug-exit).
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) {
  return 0;
}

}  // extern "C"
