// Internal to sim/trace (writer.cpp, reader.cpp): little-endian encoding of
// the header and records, and the per-record rules both sides enforce.
// Contract: pure functions; docs/trace-format.md is the normative text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/crc.hpp>

#include "sim/trace/file.hpp"
#include "sim/trace/record.hpp"

namespace xcallsim::trace::wire {

inline constexpr char kMagic[8] = {'X', 'C', 'S', 'T', 'R', 'A', 'C', 'E'};

inline void put16(unsigned char* p, std::uint16_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
}
inline void put32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void put64(unsigned char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline std::uint16_t get16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t get32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline std::uint64_t get64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline void encode(const Record& r, unsigned char* p) {
  r.encode(p);
}
inline Record decode(const unsigned char* p) {
  return Record::decode(p);
}

inline bool known_kind(Kind kind) {
  return to_string(kind) != "Unknown";
}

// The function and mask ids a record refers to (kNone-valued fields refer to nothing).
struct Refs {
  std::optional<std::uint32_t> func, mask;
};
inline Refs refs_of(const Record& r) {
  Refs out;
  const auto func = [](std::uint32_t id) -> std::optional<std::uint32_t> {
    if (id == kNone) return std::nullopt;
    return id;
  };
  visit(r, [&](const auto& x) {
    using X = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<X, XcallIssue>) {
      if (x.func != kNoFunc) out.func = x.func;
      if (x.target_is_mask) out.mask = x.target;
    } else if constexpr (std::is_same_v<X, IpiSend>) {
      if (x.target_is_mask) out.mask = x.target;
    } else if constexpr (std::is_same_v<X, FuncEntry> || std::is_same_v<X, FuncExit> ||
                         std::is_same_v<X, Warning> || std::is_same_v<X, StuckCall>) {
      out.func = func(x.func);
    } else if constexpr (std::is_same_v<X, FuncCost>) {
      out.func = x.func;
    }
  });
  return out;
}

// CPU-valued fields other than Record::cpu that must name a CPU of the trace.
inline std::optional<std::uint32_t> other_cpu(const Record& r) {
  std::uint32_t cpu = 0;
  if (!trace::other_cpu(r, cpu)) return std::nullopt;
  return cpu;
}

// Names in a trace (header strings, function names) are UTF-8; the writer
// refuses what the reader would reject.
inline bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
    if ((n == 3 && (c & 0xF8) != 0xF0) || i + n >= s.size()) return false;
    std::uint32_t cp = c & (0x7Fu >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// Header strings: "" if `value` may be written to and read from the header
// string `index` (0 profile, 1 machine, 2 scenario), else the problem.
inline constexpr const char* kHeaderStringNames[3] = {"profile", "machine name", "scenario name"};
inline std::string header_string_problem(int index, std::string_view value) {
  const std::string field = kHeaderStringNames[index];
  if (index == 0) {
    if (value.empty() || value == "seed" || value == "upstream") return {};
    return "profile is not \"\", \"seed\" or \"upstream\"";
  }
  if (value.size() > kMaxNameBytes)
    return field + " is " + std::to_string(value.size()) + " bytes, longer than 4096";
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f)
      return field + " has control character 0x" + "0123456789abcdef"[c >> 4] +
             "0123456789abcdef"[c & 15] + " at byte " + std::to_string(i);
  }
  if (!valid_utf8(std::string(value))) return field + " is not UTF-8";
  return {};
}

// The checksum of the END record: CRC-32 (boost::crc_32_type: IEEE 802.3,
// reflected, init and final xor 0xFFFFFFFF) of every byte before the END
// record's CRC field (the header, all records, END's first 28 bytes), with
// the header's flags word (bytes 20..23) counted as four zero bytes, since
// finish() patches it after the records are written.
inline constexpr std::size_t kFlagsOffset = 20;
inline void crc_fixed_header(boost::crc_32_type& crc, const unsigned char* header) {
  static constexpr unsigned char kZero[4] = {};
  crc.process_bytes(header, kFlagsOffset);
  crc.process_bytes(kZero, 4);
  crc.process_bytes(header + kFlagsOffset + 4, kFixedHeaderSize - kFlagsOffset - 4);
}

inline constexpr std::size_t kEndCrcOffset = 28;

}  // namespace xcallsim::trace::wire

namespace xcallsim::trace {

// The stream's control records (docs/trace-format.md "Control records"):
// time 0, cpu 0, the id (or the END status) in `call`.
inline constexpr Kind kMaskDef = static_cast<Kind>(kMaskDefKind);
inline constexpr Kind kFuncName = static_cast<Kind>(kFuncNameKind);
inline constexpr Kind kEnd = static_cast<Kind>(kEndKind);

// One 64-bit word of mask `id`.
template <>
struct Typed<kMaskDef> {
  static constexpr Kind kind = kMaskDef;
  std::uint32_t id = 0;     // call
  std::uint32_t index = 0;  // a: word index, 0..count-1
  std::uint32_t count = 0;  // b: the mask's word count
  std::uint64_t word = 0;   // c, d

  constexpr Record to_record() const {
    return Record(0, kind, 0, id, index, count, Record::lo32(word), Record::hi32(word));
  }
  static constexpr Typed from(const Record& r) {
    return {.id = r.call, .index = r.a_, .count = r.b_, .word = Record::wide(r.c_, r.d_)};
  }
};

// Bytes 8*chunk..8*chunk+7 of function `id`'s name.
template <>
struct Typed<kFuncName> {
  static constexpr Kind kind = kFuncName;
  std::uint32_t id = 0;     // call
  std::uint32_t chunk = 0;  // a: chunk index
  std::uint32_t len = 0;    // b: the name's length in bytes
  std::uint64_t bytes = 0;  // c, d: byte 8*chunk+i in bits 8i..8i+7

  constexpr Record to_record() const {
    return Record(0, kind, 0, id, chunk, len, Record::lo32(bytes), Record::hi32(bytes));
  }
  static constexpr Typed from(const Record& r) {
    return {.id = r.call, .chunk = r.a_, .len = r.b_, .bytes = Record::wide(r.c_, r.d_)};
  }
};

// END: status (0 complete, 1 incomplete), reason (EndStatus; 0 iff
// complete), the count of records before it, CRC-32 (wire::kEndCrcOffset).
template <>
struct Typed<kEnd> {
  static constexpr Kind kind = kEnd;
  std::uint32_t status = 0;  // call
  std::uint32_t reason = 0;  // a
  std::uint64_t count = 0;   // b, c
  std::uint32_t crc = 0;     // d

  constexpr Record to_record() const {
    return Record(0, kind, 0, status, reason, Record::lo32(count), Record::hi32(count), crc);
  }
  static constexpr Typed from(const Record& r) {
    return {.status = r.call, .reason = r.a_, .count = Record::wide(r.b_, r.c_), .crc = r.d_};
  }
};

namespace wire {
using MaskDef = Typed<kMaskDef>;
using FuncName = Typed<kFuncName>;
using End = Typed<kEnd>;
inline Record encode_end(const End& e) {
  return e.to_record();
}
inline End decode_end(const Record& r) {
  return End::from(r);
}
}  // namespace wire

}  // namespace xcallsim::trace
