// Contract: the on-disk trace format of docs/trace-format.md (version 4). A
// `Writer` streams a header and 32-byte little-endian records to an ostream or
// file; mask and function tables travel in-stream as definition records
// (ids dense, defined once, in ascending order, before first use), so a
// writer never buffers the trace and masks of any width are representable.
// `finish()` ends the stream with an END record (record count, CRC-32 of every
// byte before it, completion status), so a cut, spliced or corrupted file is
// detected. A `Reader` streams them back and trusts nothing: every malformed
// input is a `TraceError` naming the source, the byte offset and the fix; it
// never crashes, never allocates more than the input justifies. It also reads
// version 1 (no END record), with a warning. Both are single-threaded objects;
// neither keeps pointers into caller data. Same Trace, header and end status
// in, same bytes out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/record.hpp"

namespace xcallsim::trace {

inline constexpr std::uint16_t kFormatVersion = 4;        // what the Writer writes
inline constexpr std::uint16_t kOldestFormatVersion = 1;  // oldest the Reader reads
inline constexpr std::size_t kFixedHeaderSize = 40;       // before the strings
// Wire kinds at or above this value are stream-control records, never trace::Kind.
inline constexpr std::uint16_t kFirstControlKind = 0xFF00;
inline constexpr std::uint16_t kMaskDefKind = 0xFF01;   // one 64-bit word of a mask
inline constexpr std::uint16_t kFuncNameKind = 0xFF02;  // 8 bytes of a function name
inline constexpr std::uint16_t kEndKind = 0xFF03;       // last record (version 2 and later)
inline constexpr std::uint32_t kMaxNameBytes = 4096;
inline constexpr std::uint32_t kMaxCpus = 65536;      // Record::cpu is 16 bits
inline constexpr std::uint32_t kFlagIncomplete = 1u;  // partial trace (END status says why)

// Source, EndStatus and kMaxEndStatus: kinds.hpp.
// "complete", "interrupted by SIGINT", ... (for "trace is incomplete: <reason>").
std::string_view to_string(EndStatus status);

// Header strings (checked by Writer and Reader): profile is "", "seed" or
// "upstream"; machine and scenario are UTF-8 of at most kMaxNameBytes bytes
// without control characters (bytes below 0x20, 0x7f).
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
  std::uint16_t version = kFormatVersion;  // of the file read
  // From the END record; a version 1 trace: Complete, or Other if flagged incomplete.
  EndStatus end = EndStatus::Complete;
  std::vector<std::string> warnings{};  // the reader's (Reader::warnings())
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
    BadDefinition,
    MissingEnd,  // version 2+ stream without its END record (cut short, unfinished writer)
    BadEnd,      // END record malformed, misplaced, wrong count, or data after it
    BadChecksum  // END record's CRC-32 does not match the bytes before it
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
  // Throws TraceError BadHeader for a header the reader would reject.
  Writer(std::ostream& out, const TraceHeader& header);
  Writer(const std::filesystem::path& path, const TraceHeader& header);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // Without finish(): ends the stream as incomplete (EndStatus::Other) if it
  // still can, so the file reads back as a partial trace; never throws.
  ~Writer();

  std::uint32_t add_function(std::string name);              // id = registration order
  std::uint32_t add_mask(std::vector<std::uint64_t> words);  // id = registration order
  // Defines the ids the record refers to, then writes it. Throws TraceError
  // for a record the reader would reject.
  void write(const Record& record);
  // Defines the remaining ids, writes the END record, sets the header's
  // kFlagIncomplete to match the status (the stream must be seekable) and
  // flushes. finish() is finish(Complete); a header whose flags already say
  // incomplete ends as Other then. Idempotent: later calls do nothing.
  void finish();
  void finish(EndStatus status);
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
  std::uint16_t version() const;
  // The next event record (definition and END records are absorbed); false
  // at the end of a well-formed stream. Throws TraceError.
  bool next(Record& out);
  // Valid once next() returned false: the END record's status (version 1:
  // Complete, or Other if the header is flagged incomplete).
  EndStatus end_status() const;
  // Problems that do not stop the read (a version 1 trace is not integrity
  // checked), one line each without the source name.
  const std::vector<std::string>& warnings() const;
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
// header.cpu_count and header.ghz are taken from the trace. The stream ends
// with `end` (Writer::finish(end)); without it, Complete unless the header's
// flags say incomplete (then Other).
void write_trace(const std::filesystem::path& path, const Trace& trace, const TraceHeader& header);
void write_trace(const std::filesystem::path& path, const Trace& trace, const TraceHeader& header,
                 EndStatus end);
std::vector<std::byte> encode_trace(const Trace& trace, const TraceHeader& header);
std::vector<std::byte> encode_trace(const Trace& trace, const TraceHeader& header, EndStatus end);

}  // namespace xcallsim::trace
