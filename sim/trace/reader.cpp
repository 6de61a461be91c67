// The streaming trace reader (trusts nothing) and read_trace*().
#include <boost/crc.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/trace/file.hpp"
#include "sim/trace/wire.hpp"

namespace xcallsim::trace {
namespace {

using Code = TraceError::Code;

}  // namespace

struct Reader::State {
  std::unique_ptr<std::ifstream> file;
  std::span<const std::byte> mem;
  std::string name;
  std::uint64_t pos = 0;  // offset of the next unread byte
  TraceHeader header;
  std::vector<std::vector<std::uint64_t>> masks;
  std::vector<std::string> functions;
  std::vector<std::uint64_t> mask_words;  // the mask being defined
  std::uint32_t mask_count = 0;           // its word count (0: none in progress)
  std::string func_name;                  // the function name being defined
  std::uint32_t func_len = 0, func_chunks = 0, func_next = 0;  // func_chunks 0: none
  std::uint64_t last_time = 0;
  std::uint64_t input_bytes = 0;  // file size or memory span size
  std::uint16_t version = 0;
  boost::crc_32_type crc;     // of every byte read before the END record (flags as zeros)
  std::uint64_t records = 0;  // records read, definitions included, END excluded
  bool ended = false;         // next() returned false
  EndStatus end = EndStatus::Complete;
  std::vector<std::string> warnings;

  [[noreturn]] void fail(Code code, std::uint64_t at, const std::string& problem,
                         const std::string& fix) const {
    throw TraceError(code, name, at, problem, fix);
  }
  // File input is read in blocks: one istream call per 32-byte record would
  // cost more than decoding and checking it.
  std::vector<unsigned char> block;
  std::size_t block_pos = 0, block_len = 0;

  bool refill() {
    if (block.empty()) block.resize(std::size_t{1} << 16);
    file->read(reinterpret_cast<char*>(block.data()), static_cast<std::streamsize>(block.size()));
    block_len = static_cast<std::size_t>(file->gcount());
    block_pos = 0;
    if (file->bad()) fail(Code::Io, pos, "read error", "check the file and the disk");
    return block_len > 0;
  }

  std::size_t pull(unsigned char* dst, std::size_t n) {
    std::size_t got = 0;
    if (file) {
      while (got < n && (block_pos < block_len || refill())) {
        const std::size_t take = std::min(n - got, block_len - block_pos);
        std::memcpy(dst + got, block.data() + block_pos, take);
        block_pos += take;
        got += take;
      }
    } else {
      const std::size_t left = pos < mem.size() ? mem.size() - pos : 0;
      got = std::min(n, left);
      if (got > 0) std::memcpy(dst, mem.data() + pos, got);
    }
    pos += got;
    return got;
  }
  void read_header();
  void end_record(const unsigned char* raw, std::uint64_t at);
  void mask_def(const Record& r, std::uint64_t at);
  void func_def(const Record& r, std::uint64_t at);
  void check_event(const Record& r, std::uint64_t at);
};

void Reader::State::read_header() {
  unsigned char h[kFixedHeaderSize];
  const std::size_t got = pull(h, sizeof h);
  for (std::size_t i = 0; i < std::min<std::size_t>(got, 8); ++i)
    if (h[i] != static_cast<unsigned char>(wire::kMagic[i]))
      fail(Code::BadMagic, i, "not an xcallsim trace (magic is not \"XCSTRACE\")",
           "pass a file written by xcallsim run, or import ftrace text with import-ftrace");
  if (got < 10) fail(Code::Truncated, got, "file ends inside the header", "re-record the trace");
  version = wire::get16(h + 8);
  if (version < kOldestFormatVersion || version > kFormatVersion)
    fail(Code::BadVersion, 8, "unknown format version " + std::to_string(version),
         fmt::format("this xcallsim reads versions {} to {}; use the xcallsim that wrote it",
                     kOldestFormatVersion, kFormatVersion));
  if (got < sizeof h) fail(Code::Truncated, got, "file ends inside the header", "re-record it");
  wire::crc_fixed_header(crc, h);
  const std::uint16_t size = wire::get16(h + 10);
  if (size < kFixedHeaderSize + 6 || size % 8 != 0)
    fail(Code::BadHeader, 10, "header size " + std::to_string(size) + " is invalid",
         "header size is >= 46 and a multiple of 8");
  if (wire::get16(h + 12) != 32)
    fail(Code::BadHeader, 12, "record size is not 32",
         fmt::format("records are 32 bytes in versions {} to {}", kOldestFormatVersion,
                     kFormatVersion));
  const std::uint16_t source = wire::get16(h + 14);
  if (source < 1 || source > 4)
    fail(Code::BadHeader, 14, "unknown source " + std::to_string(source), "source is 1..4");
  header.source = static_cast<Source>(source);
  header.cpu_count = wire::get32(h + 16);
  if (header.cpu_count < 1 || header.cpu_count > kMaxCpus)
    fail(Code::BadHeader, 16, "cpu count " + std::to_string(header.cpu_count) + " is invalid",
         "cpu count is 1..65536");
  header.flags = wire::get32(h + 20);
  if ((header.flags & ~kFlagIncomplete) != 0)
    fail(Code::BadHeader, 20, "unknown header flags", "only flag bit 0 is defined");
  header.ghz = std::bit_cast<double>(wire::get64(h + 24));
  if (!std::isfinite(header.ghz) || header.ghz <= 0)
    fail(Code::BadHeader, 24, "clock (cycles per ns) is not a positive number", "re-record it");
  header.sockets = wire::get16(h + 32);
  header.cores_per_socket = wire::get16(h + 34);
  header.threads_per_core = wire::get16(h + 36);
  if (wire::get16(h + 38) != 0) fail(Code::BadHeader, 38, "reserved field is not 0", "zero it");
  std::vector<unsigned char> rest(size - kFixedHeaderSize);
  if (pull(rest.data(), rest.size()) != rest.size())
    fail(Code::Truncated, pos, "file ends inside the header strings", "re-record the trace");
  crc.process_bytes(rest.data(), rest.size());
  std::size_t at = 0;
  int index = 0;
  for (std::string* s : {&header.profile, &header.machine, &header.scenario}) {
    const std::uint64_t off = kFixedHeaderSize + at;
    if (at + 2 > rest.size() || at + 2 + wire::get16(&rest[at]) > rest.size())
      fail(Code::BadHeader, off, "header string runs past the header size", "fix header size");
    const std::uint16_t len = wire::get16(&rest[at]);
    s->assign(reinterpret_cast<const char*>(&rest[at + 2]), len);
    const std::string problem = wire::header_string_problem(index++, *s);
    if (!problem.empty())
      fail(Code::BadHeader, off, problem,
           "the header is corrupt or not from xcallsim; re-record the trace");
    at += 2 + len;
  }
  if (rest.size() - at >= 8) fail(Code::BadHeader, 10, "header has trailing bytes", "fix size");
  for (; at < rest.size(); ++at)
    if (rest[at] != 0) fail(Code::BadHeader, kFixedHeaderSize + at, "padding is not 0", "zero it");
  if (version == 1) {
    end = (header.flags & kFlagIncomplete) != 0 ? EndStatus::Other : EndStatus::Complete;
    warnings.push_back(
        "version 1 trace: no record count or checksum, integrity not checked; fix: re-write it "
        "with `xcallsim replay TRACE --machine MACHINE -o NEW` or re-run");
  }
}

// The END record at `at`: its fields, its count and checksum, the header's
// incomplete flag, and nothing after it.
void Reader::State::end_record(const unsigned char* raw, std::uint64_t at) {
  const Record r = wire::decode(raw);
  const std::string fix = "the trace is corrupt; re-record it or copy it again from its source";
  if (mask_count != 0 || func_chunks != 0)
    fail(Code::BadEnd, at, "END record inside an unfinished definition", fix);
  if (r.time != 0 || r.cpu != 0) fail(Code::BadEnd, at, "END record with nonzero time or cpu", fix);
  const wire::End e = wire::decode_end(r);
  if (e.status > 1)
    fail(Code::BadEnd, at + 12, "END record status " + std::to_string(e.status) + " is not 0 or 1",
         fix);
  if (e.status == 0 ? e.reason != 0 : (e.reason < 1 || e.reason > kMaxEndStatus))
    fail(Code::BadEnd, at + 16,
         "END record reason " + std::to_string(e.reason) + " does not fit status " +
             std::to_string(e.status),
         fix);
  if (e.count != records)
    fail(Code::BadEnd, at + 20,
         "END record counts " + std::to_string(e.count) + " records, the file has " +
             std::to_string(records) + " before it",
         "records were lost or added; re-record the trace or copy it again");
  crc.process_bytes(raw, wire::kEndCrcOffset);
  if (e.crc != crc.checksum())
    fail(Code::BadChecksum, at + wire::kEndCrcOffset,
         fmt::format("CRC-32 of bytes 0..{} is {:#010x}, the END record says {:#010x}",
                     at + wire::kEndCrcOffset - 1, crc.checksum(), e.crc),
         "the trace is corrupt; re-record it or copy it again from its source");
  const bool flagged = (header.flags & kFlagIncomplete) != 0;
  if (flagged != (e.status != 0))
    fail(Code::BadEnd, wire::kFlagsOffset,
         std::string("header flag incomplete is ") + (flagged ? "set" : "clear") +
             " but the END record says " + (e.status != 0 ? "incomplete" : "complete"),
         fix);
  unsigned char extra;
  if (pull(&extra, 1) != 0)
    fail(Code::BadEnd, at + 32, "data after the END record",
         "the END record must be last; the file was appended to or spliced");
  end = static_cast<EndStatus>(e.reason);
  ended = true;
}

void Reader::State::mask_def(const Record& r, std::uint64_t at) {
  const std::uint32_t max_words = (header.cpu_count + 63) / 64;
  const wire::MaskDef def = wire::MaskDef::from(r);
  const std::uint32_t id = def.id, word = def.index, count = def.count;
  if (mask_count == 0) {
    if (id != masks.size() || word != 0 || count < 1 || count > max_words)
      fail(Code::BadDefinition, at,
           "mask definition out of sequence (id " + std::to_string(id) + ", word " +
               std::to_string(word) + " of " + std::to_string(count) + ")",
           "masks are defined once, ids ascending from 0, words 0..n-1, n <= ceil(cpus/64)");
    mask_count = count;
  } else if (id != masks.size() || word != mask_words.size() || count != mask_count) {
    fail(Code::BadDefinition, at, "mask definition interrupted", "define masks word by word");
  }
  const std::uint64_t value = def.word;
  const std::uint64_t first = 64 * std::uint64_t{word};
  const std::uint64_t valid = header.cpu_count >= first + 64
                                  ? ~std::uint64_t{0}
                                  : (std::uint64_t{1} << (header.cpu_count - first)) - 1;
  if ((value & ~valid) != 0)
    fail(Code::CpuOutOfRange, at + 24, "mask " + std::to_string(id) + " names a CPU >= cpu count",
         "clear bits above the header's cpu count");
  mask_words.push_back(value);
  if (mask_words.size() == mask_count) {
    masks.push_back(std::move(mask_words));
    mask_words.clear();
    mask_count = 0;
  }
}

void Reader::State::func_def(const Record& r, std::uint64_t at) {
  const wire::FuncName def = wire::FuncName::from(r);
  const std::uint32_t id = def.id, chunk = def.chunk, len = def.len;
  if (func_chunks == 0) {
    if (id != functions.size() || chunk != 0 || len > kMaxNameBytes)
      fail(Code::BadDefinition, at,
           "function name definition out of sequence (id " + std::to_string(id) + ", chunk " +
               std::to_string(chunk) + ")",
           "functions are defined once, ids ascending from 0, chunks 0..n-1, <= 4096 bytes");
    func_len = len;
    func_chunks = len == 0 ? 1 : (len + 7) / 8;
    func_next = 0;
    func_name.clear();
  } else if (id != functions.size() || chunk != func_next || len != func_len) {
    fail(Code::BadDefinition, at, "function name definition interrupted", "define it in chunks");
  }
  const std::uint64_t bytes = def.bytes;
  for (std::uint32_t i = 0; i < 8; ++i) {
    const auto byte = static_cast<char>((bytes >> (8 * i)) & 0xFF);
    if (8 * chunk + i < len)
      func_name.push_back(byte);
    else if (byte != 0)
      fail(Code::BadDefinition, at + 24, "name padding is not 0", "zero it");
  }
  if (++func_next == func_chunks) {
    if (!wire::valid_utf8(func_name))
      fail(Code::BadDefinition, at, "function name is not UTF-8", "re-record the trace");
    functions.push_back(std::move(func_name));
    func_name.clear();
    func_chunks = 0;
  }
}

void Reader::State::check_event(const Record& r, std::uint64_t at) {
  const auto kind = static_cast<std::uint16_t>(r.kind);
  if (kind >= kFirstControlKind || !wire::known_kind(r.kind))
    fail(Code::UnknownKind, at + 8, "unknown record kind " + std::to_string(kind),
         "the trace is corrupt or from a newer xcallsim");
  if (mask_count != 0 || func_chunks != 0)
    fail(Code::BadDefinition, at, "record inside an unfinished definition", "re-record it");
  if (r.cpu >= header.cpu_count)
    fail(Code::CpuOutOfRange, at + 10,
         "cpu " + std::to_string(r.cpu) + " >= cpu count " + std::to_string(header.cpu_count),
         "fix the producer or the header's cpu count");
  if (const auto other = wire::other_cpu(r); other && *other >= header.cpu_count)
    fail(Code::CpuOutOfRange, at + 16,
         std::string(to_string(r.kind)) + " names cpu " + std::to_string(*other) +
             " >= cpu count " + std::to_string(header.cpu_count),
         "fix the producer or the header's cpu count");
  if (r.time < last_time)
    fail(Code::TimeOrder, at,
         "time " + std::to_string(r.time) + " is before the previous " + std::to_string(last_time),
         "records must be in non-decreasing time order");
  const wire::Refs refs = wire::refs_of(r);
  if (refs.func && *refs.func >= functions.size())
    fail(Code::UnresolvedId, at, "function id " + std::to_string(*refs.func) + " is not defined",
         "define function names before the first record that uses them");
  if (refs.mask && *refs.mask >= masks.size())
    fail(Code::UnresolvedId, at, "mask id " + std::to_string(*refs.mask) + " is not defined",
         "define masks before the first record that uses them");
  last_time = r.time;
}

Reader::Reader(const std::filesystem::path& path) : s_(std::make_unique<State>()) {
  s_->name = path.string();
  s_->file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*s_->file) s_->fail(Code::Io, 0, "cannot open the trace", "check the path");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  s_->input_bytes = ec ? 0 : size;
  s_->read_header();
}

Reader::Reader(std::span<const std::byte> bytes, std::string name) : s_(std::make_unique<State>()) {
  s_->mem = bytes;
  s_->input_bytes = bytes.size();
  s_->name = std::move(name);
  s_->read_header();
}

Reader::~Reader() = default;

const TraceHeader& Reader::header() const {
  return s_->header;
}
const std::vector<std::vector<std::uint64_t>>& Reader::masks() const {
  return s_->masks;
}
const std::vector<std::string>& Reader::functions() const {
  return s_->functions;
}
std::uint16_t Reader::version() const {
  return s_->version;
}
EndStatus Reader::end_status() const {
  return s_->end;
}
const std::vector<std::string>& Reader::warnings() const {
  return s_->warnings;
}
std::uint64_t Reader::input_bytes() const {
  return s_->input_bytes;
}

bool Reader::next(Record& out) {
  State& s = *s_;
  if (s.ended) return false;
  for (;;) {
    const std::uint64_t at = s.pos;
    unsigned char buf[32];
    const std::size_t got = s.pull(buf, sizeof buf);
    if (got == 0) {
      if (s.mask_count != 0 || s.func_chunks != 0)
        s.fail(Code::Truncated, at, "file ends inside a definition", "re-record the trace");
      if (s.version >= 2)
        s.fail(Code::MissingEnd, at,
               "file ends without its END record (cut short, or its writer "
               "was killed before it finished)",
               "re-record the trace, or copy it again from its source");
      s.ended = true;
      return false;
    }
    if (got < sizeof buf)
      s.fail(Code::Truncated, at, "file ends inside a record (" + std::to_string(got) + " of 32)",
             "the trace was cut short; re-record it");
    const Record r = wire::decode(buf);
    const auto kind = static_cast<std::uint16_t>(r.kind);
    if (kind == kEndKind && s.version >= 2) {
      s.end_record(buf, at);
      return false;
    }
    s.crc.process_bytes(buf, sizeof buf);
    ++s.records;
    if (kind == kMaskDefKind || kind == kFuncNameKind) {
      if (r.time != 0 || r.cpu != 0)
        s.fail(Code::BadDefinition, at, "definition record with nonzero time or cpu", "zero them");
      if (kind == kMaskDefKind ? s.func_chunks != 0 : s.mask_count != 0)
        s.fail(Code::BadDefinition, at, "definitions interleaved", "finish one before the next");
      if (kind == kMaskDefKind)
        s.mask_def(r, at);
      else
        s.func_def(r, at);
      continue;
    }
    s.check_event(r, at);
    out = r;
    return true;
  }
}

namespace {

TraceFile drain(Reader& reader) {
  TraceFile f;
  f.header = reader.header();
  f.version = reader.version();
  // One reservation instead of regrowth: 10 M records are 320 MB.
  f.trace.records.reserve(static_cast<std::size_t>(reader.input_bytes() / sizeof(Record)));
  Record r;
  while (reader.next(r)) f.trace.records.push_back(r);
  f.trace.masks = reader.masks();
  f.trace.functions = reader.functions();
  f.trace.cpu_count = static_cast<int>(f.header.cpu_count);
  f.trace.ghz = f.header.ghz;
  f.end = reader.end_status();
  f.warnings = reader.warnings();
  return f;
}

}  // namespace

TraceFile read_trace_file(const std::filesystem::path& path) {
  Reader reader(path);
  return drain(reader);
}

Trace read_trace(const std::filesystem::path& path) {
  return read_trace_file(path).trace;
}

TraceFile read_trace_from_memory(std::span<const std::byte> bytes) {
  Reader reader(bytes);
  return drain(reader);
}

}  // namespace xcallsim::trace
