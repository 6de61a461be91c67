// Contract: Record, the trace's 32-byte value (time, kind, cpu, call and four
// payload words), and its little-endian wire layout. The payload words are
// private: only the typed records (Typed<Kind>, records.hpp; the stream's
// control records, wire.hpp) read or write them, so no other code decodes a
// field by its position. Freestanding (the guest includes it): no library,
// no allocation, no exceptions. Included through records.hpp.
#pragma once

#include <stdint.h>

#include "sim/trace/kinds.hpp"

namespace xcallsim::trace {

// The typed view of the records of kind K (records.hpp, wire.hpp): fields
// time, cpu, call and the kind's own, `Record to_record() const` and
// `static Typed from(const Record&)` (precondition: the record is of kind K).
template <Kind K>
struct Typed;

class Record {
 public:
  uint64_t time = 0;  // cycles since the start of the run
  Kind kind{};
  uint16_t cpu = 0;   // where the event happened
  uint32_t call = 0;  // call id (1-based, per trace) or 0 if not tied to a call

  constexpr Record() = default;

  // Wire layout: time u64 @0, kind u16 @8, cpu u16 @10, call u32 @12, the
  // payload words u32 @16, 20, 24, 28; all little-endian.
  static constexpr unsigned kBytes = 32;
  constexpr void encode(unsigned char* p) const {
    put(p, time, 8);
    put(p + 8, static_cast<uint16_t>(kind), 2);
    put(p + 10, cpu, 2);
    put(p + 12, call, 4);
    put(p + 16, a_, 4);
    put(p + 20, b_, 4);
    put(p + 24, c_, 4);
    put(p + 28, d_, 4);
  }
  static constexpr Record decode(const unsigned char* p) {
    return Record(get(p, 8), static_cast<Kind>(get(p + 8, 2)),
                  static_cast<uint16_t>(get(p + 10, 2)), static_cast<uint32_t>(get(p + 12, 4)),
                  static_cast<uint32_t>(get(p + 16, 4)), static_cast<uint32_t>(get(p + 20, 4)),
                  static_cast<uint32_t>(get(p + 24, 4)), static_cast<uint32_t>(get(p + 28, 4)));
  }

  friend constexpr bool operator==(const Record&, const Record&) = default;

 private:
  template <Kind>
  friend struct Typed;

  constexpr Record(uint64_t t, Kind k, uint16_t on, uint32_t id, uint32_t a, uint32_t b, uint32_t c,
                   uint32_t d)
      : time(t), kind(k), cpu(on), call(id), a_(a), b_(b), c_(c), d_(d) {}

  // 64-bit values span two words: bits 0..31 in the first, 32..63 in the next.
  static constexpr uint32_t lo32(uint64_t v) { return static_cast<uint32_t>(v); }
  static constexpr uint32_t hi32(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
  static constexpr uint64_t wide(uint32_t lo, uint32_t hi) { return lo | (uint64_t{hi} << 32); }

  static constexpr void put(unsigned char* p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
  }
  static constexpr uint64_t get(const unsigned char* p, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }

  uint32_t a_ = 0, b_ = 0, c_ = 0, d_ = 0;  // per kind: read and written through Typed<kind>
};
static_assert(sizeof(Record) == 32, "trace records are a 32-byte wire format");

}  // namespace xcallsim::trace
