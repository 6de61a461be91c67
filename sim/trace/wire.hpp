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

// Record layout: time u64 @0, kind u16 @8, cpu u16 @10, call u32 @12, a..d u32 @16..28.
inline void encode(const Record& r, unsigned char* p) {
  put64(p, r.time);
  put16(p + 8, static_cast<std::uint16_t>(r.kind));
  put16(p + 10, r.cpu);
  put32(p + 12, r.call);
  put32(p + 16, r.a);
  put32(p + 20, r.b);
  put32(p + 24, r.c);
  put32(p + 28, r.d);
}
inline Record decode(const unsigned char* p) {
  return Record{get64(p),      static_cast<Kind>(get16(p + 8)),
                get16(p + 10), get32(p + 12),
                get32(p + 16), get32(p + 20),
                get32(p + 24), get32(p + 28)};
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
  switch (r.kind) {
    case Kind::XcallIssue:
      if ((r.d & ~kMaskTarget) != (kNone & ~kMaskTarget)) out.func = r.d & ~kMaskTarget;
      if ((r.d & kMaskTarget) != 0) out.mask = r.c;
      break;
    case Kind::IpiSend:
      if ((r.a & kMaskTarget) != 0) out.mask = r.a & ~kMaskTarget;
      break;
    case Kind::FuncEntry:
    case Kind::FuncExit:
      out.func = func(r.a);
      break;
    case Kind::Warning:
    case Kind::StuckCall:
      out.func = func(r.c);
      break;
    case Kind::FuncCost:
      out.func = r.a;
      break;
    default:
      break;
  }
  return out;
}

// CPU-valued fields other than Record::cpu that must name a CPU of the trace.
inline std::optional<std::uint32_t> other_cpu(const Record& r) {
  switch (r.kind) {
    case Kind::CsdQueue:
    case Kind::IpiElided:
    case Kind::RawIpi:
      return r.a;
    case Kind::IpiSend:
      if ((r.a & kMaskTarget) == 0) return r.a;
      return std::nullopt;
    case Kind::IpiDeliver:
    case Kind::IrrCoalesced:
      return r.b;
    default:
      return std::nullopt;
  }
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

// END record: time 0, kind kEndKind, cpu 0, call = status (0 complete,
// 1 incomplete), a = reason (EndStatus; 0 iff complete), b, c = count of
// records before it (bits 0..31, 32..63), d = CRC-32 (kEndCrcOffset).
inline constexpr std::size_t kEndCrcOffset = 28;
struct End {
  std::uint32_t status = 0, reason = 0;
  std::uint64_t count = 0;
  std::uint32_t crc = 0;
};
inline Record encode_end(const End& e) {
  return Record{0,
                static_cast<Kind>(kEndKind),
                0,
                e.status,
                e.reason,
                static_cast<std::uint32_t>(e.count),
                static_cast<std::uint32_t>(e.count >> 32),
                e.crc};
}
inline End decode_end(const Record& r) {
  return End{r.call, r.a, r.b | (std::uint64_t{r.c} << 32), r.d};
}

}  // namespace xcallsim::trace::wire
