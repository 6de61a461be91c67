// Contract: the on-disk trace format of docs/trace-format.md (version 1). A
// `Writer` streams a header and 32-byte little-endian records to an ostream or
// file; mask and function tables travel in-stream as definition records
// (ids dense, defined once, in ascending order, before first use), so a
// writer never buffers the trace and masks of any width are representable.
// A `Reader` streams them back and trusts nothing: every malformed input is a
// `TraceError` naming the source, the byte offset and the fix; it never
// crashes, never allocates more than the input justifies. Both are
// single-threaded objects; neither keeps pointers into caller data. Same
// Trace and header in, same bytes out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/trace/record.hpp"

namespace xcallsim::trace {

inline constexpr std::uint16_t kFormatVersion = 1;
inline constexpr std::size_t kFixedHeaderSize = 40;  // before the strings
// Wire kinds at or above this value are stream-control records, never trace::Kind.
inline constexpr std::uint16_t kFirstControlKind = 0xFF00;
inline constexpr std::uint16_t kMaskDefKind = 0xFF01;   // one 64-bit word of a mask
inline constexpr std::uint16_t kFuncNameKind = 0xFF02;  // 8 bytes of a function name
inline constexpr std::uint32_t kMaxNameBytes = 4096;
inline constexpr std::uint32_t kMaxCpus = 65536;      // Record::cpu is 16 bits
inline constexpr std::uint32_t kFlagIncomplete = 1u;  // writer never finished

enum class Source : std::uint16_t { Sim = 1, QemuDevmodel = 2, QemuLapic = 3, LinuxFtrace = 4 };

struct TraceHeader {
  Source source = Source::Sim;
  std::uint32_t cpu_count = 0;
  double ghz = 1.0;  // cycles per ns
  std::uint32_t flags = 0;
  std::uint16_t sockets = 0, cores_per_socket = 0, threads_per_core = 0;  // 0 = unknown
  std::string profile, machine, scenario;
  friend bool operator==(const TraceHeader&, const TraceHeader&) = default;
};

struct TraceFile {
  TraceHeader header;
  Trace trace;
};

// Every reader (and writer) failure. what() is one line:
// "<source>: byte <offset>: error: <problem>; fix: <fix>".
class TraceError : public std::runtime_error {
 public:
  enum class Code {
    Io,
    BadMagic,
    BadVersion,
    BadHeader,
    Truncated,
    CpuOutOfRange,
    TimeOrder,
    UnknownKind,
    UnresolvedId,
    BadDefinition
  };
  TraceError(Code code, const std::string& source, std::uint64_t offset, const std::string& problem,
             const std::string& fix);
  Code code() const { return code_; }
  std::uint64_t offset() const { return offset_; }

 private:
  Code code_;
  std::uint64_t offset_;
};

class Writer {
 public:
  // Writes the header at once (flag kFlagIncomplete set until finish()).
  Writer(std::ostream& out, const TraceHeader& header);
  Writer(const std::filesystem::path& path, const TraceHeader& header);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer();

  std::uint32_t add_function(std::string name);              // id = registration order
  std::uint32_t add_mask(std::vector<std::uint64_t> words);  // id = registration order
  // Defines the ids the record refers to, then writes it. Throws TraceError
  // for a record the reader would reject.
  void write(const Record& record);
  // Defines the remaining ids, clears kFlagIncomplete (the stream must be
  // seekable), flushes. Idempotent.
  void finish();
  std::uint64_t records_written() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

class Reader {
 public:
  explicit Reader(const std::filesystem::path& path);
  // Reads from memory the caller keeps alive while the Reader is in use.
  explicit Reader(std::span<const std::byte> bytes, std::string name = "<memory>");
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  const TraceHeader& header() const;
  // The next event record (definition records are absorbed); false at the
  // end of a well-formed stream. Throws TraceError.
  bool next(Record& out);
  const std::vector<std::vector<std::uint64_t>>& masks() const;
  const std::vector<std::string>& functions() const;
  // Size of the whole input in bytes: an upper bound for reserving records.
  std::uint64_t input_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

TraceFile read_trace_file(const std::filesystem::path& path);
Trace read_trace(const std::filesystem::path& path);
TraceFile read_trace_from_memory(std::span<const std::byte> bytes);
// header.cpu_count and header.ghz are taken from the trace.
void write_trace(const std::filesystem::path& path, const Trace& trace, const TraceHeader& header);
std::vector<std::byte> encode_trace(const Trace& trace, const TraceHeader& header);

}  // namespace xcallsim::trace
