// The streaming trace writer and write_trace()/encode_trace().
#include <boost/crc.hpp>

#include <bit>
#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include "sim/trace/file.hpp"
#include "sim/trace/wire.hpp"

namespace xcallsim::trace {

TraceError::TraceError(Code code, const std::string& source, std::uint64_t offset,
                       const std::string& problem, const std::string& fix)
    : std::runtime_error(source + ": byte " + std::to_string(offset) + ": error: " + problem +
                         "; fix: " + fix),
      code_(code),
      offset_(offset) {}

std::string_view to_string(EndStatus status) {
  switch (status) {
    case EndStatus::Complete:
      return "complete";
    case EndStatus::Sigint:
      return "interrupted by SIGINT";
    case EndStatus::Sigterm:
      return "interrupted by SIGTERM";
    case EndStatus::TimeLimit:
      return "time limit reached";
    case EndStatus::StuckCall:
      return "stuck call";
    case EndStatus::GuestIncomplete:
      return "guest or launch incomplete";
    case EndStatus::Other:
      return "writer error or other reason";
  }
  return "unknown end status";
}

struct Writer::State {
  std::unique_ptr<std::ofstream> owned;
  std::ostream* out = nullptr;
  std::string name;
  TraceHeader header;
  std::streampos start{};
  std::uint64_t pos = 0;  // bytes written so far
  std::vector<std::string> functions;
  std::vector<std::vector<std::uint64_t>> masks;
  std::size_t funcs_defined = 0, masks_defined = 0;
  std::uint64_t last_time = 0, records = 0;
  std::uint64_t all_records = 0;  // definitions included: the END record's count
  boost::crc_32_type crc;         // of every byte written, flags word as zeros
  bool finished = false;          // finish() began (it runs at most once)

  [[noreturn]] void fail(TraceError::Code code, const std::string& problem,
                         const std::string& fix) const {
    throw TraceError(code, name, pos, problem, fix);
  }
  void put(const unsigned char* bytes, std::size_t n) {
    out->write(reinterpret_cast<const char*>(bytes), static_cast<std::streamsize>(n));
    if (!*out) fail(TraceError::Code::Io, "write failed", "check disk space and permissions");
    pos += n;
  }
  void put_record(const Record& r) {
    unsigned char buf[32];
    wire::encode(r, buf);
    put(buf, sizeof buf);
    crc.process_bytes(buf, sizeof buf);
    ++all_records;
  }
  void define_functions(std::size_t upto) {  // ids [funcs_defined, upto)
    for (; funcs_defined < upto; ++funcs_defined) {
      const std::string& fn = functions[funcs_defined];
      const auto len = static_cast<std::uint32_t>(fn.size());
      const std::uint32_t chunks = len == 0 ? 1 : (len + 7) / 8;
      for (std::uint32_t k = 0; k < chunks; ++k) {
        std::uint64_t word = 0;
        for (std::uint32_t i = 0; i < 8 && 8 * k + i < len; ++i)
          word |= std::uint64_t{static_cast<unsigned char>(fn[8 * k + i])} << (8 * i);
        put_record(wire::FuncName{
            .id = static_cast<std::uint32_t>(funcs_defined), .chunk = k, .len = len, .bytes = word}
                       .to_record());
      }
    }
  }
  void define_masks(std::size_t upto) {
    for (; masks_defined < upto; ++masks_defined) {
      const auto& words = masks[masks_defined];
      for (std::size_t w = 0; w < words.size(); ++w)
        put_record(wire::MaskDef{.id = static_cast<std::uint32_t>(masks_defined),
                                 .index = static_cast<std::uint32_t>(w),
                                 .count = static_cast<std::uint32_t>(words.size()),
                                 .word = words[w]}
                       .to_record());
    }
  }
  void write_header();
};

void Writer::State::write_header() {
  const TraceHeader& h = header;
  const auto src = static_cast<std::uint16_t>(h.source);
  if (src < 1 || src > 4) fail(TraceError::Code::BadHeader, "unknown source", "use trace::Source");
  if (h.cpu_count < 1 || h.cpu_count > kMaxCpus)
    fail(TraceError::Code::BadHeader, "cpu_count must be 1..65536", "set the header's cpu_count");
  if (!std::isfinite(h.ghz) || h.ghz <= 0)
    fail(TraceError::Code::BadHeader, "ghz must be finite and > 0", "set the header's ghz");
  if ((h.flags & ~kFlagIncomplete) != 0)
    fail(TraceError::Code::BadHeader, "unknown header flags", "only bit 0 is defined");
  std::size_t size = kFixedHeaderSize;
  int index = 0;
  for (const std::string* s : {&h.profile, &h.machine, &h.scenario}) {
    const std::string problem = wire::header_string_problem(index, *s);
    if (!problem.empty())
      throw TraceError(TraceError::Code::BadHeader, name, size, problem,
                       index == 0 ? "set the header's profile to \"seed\", \"upstream\" or \"\""
                                  : "use printable UTF-8 of at most 4096 bytes");
    size += 2 + s->size();
    ++index;
  }
  size = (size + 7) / 8 * 8;
  std::vector<unsigned char> buf(size, 0);
  std::memcpy(buf.data(), wire::kMagic, 8);
  wire::put16(&buf[8], kFormatVersion);
  wire::put16(&buf[10], static_cast<std::uint16_t>(size));
  wire::put16(&buf[12], 32);
  wire::put16(&buf[14], src);
  wire::put32(&buf[16], h.cpu_count);
  wire::put32(&buf[20], h.flags | kFlagIncomplete);
  wire::put64(&buf[24], std::bit_cast<std::uint64_t>(h.ghz));
  wire::put16(&buf[32], h.sockets);
  wire::put16(&buf[34], h.cores_per_socket);
  wire::put16(&buf[36], h.threads_per_core);
  std::size_t at = kFixedHeaderSize;
  for (const std::string* s : {&h.profile, &h.machine, &h.scenario}) {
    wire::put16(&buf[at], static_cast<std::uint16_t>(s->size()));
    std::memcpy(&buf[at + 2], s->data(), s->size());
    at += 2 + s->size();
  }
  put(buf.data(), buf.size());
  wire::crc_fixed_header(crc, buf.data());
  crc.process_bytes(&buf[kFixedHeaderSize], size - kFixedHeaderSize);
}

Writer::Writer(std::ostream& out, const TraceHeader& header) : s_(std::make_unique<State>()) {
  s_->out = &out;
  s_->name = "<stream>";
  s_->header = header;
  s_->start = out.tellp();
  s_->write_header();
}

Writer::Writer(const std::filesystem::path& path, const TraceHeader& header)
    : s_(std::make_unique<State>()) {
  s_->name = path.string();
  s_->owned = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*s_->owned)
    s_->fail(TraceError::Code::Io, "cannot open for writing", "check the directory exists");
  s_->out = s_->owned.get();
  s_->header = header;
  s_->start = s_->out->tellp();
  s_->write_header();
}

Writer::~Writer() {
  if (!s_ || s_->finished || s_->out == nullptr) return;
  try {
    finish(EndStatus::Other);  // an exception unwound past the producer
  } catch (...) {
    s_->out->flush();  // no END record: the reader reports the trace unfinished
  }
}

std::uint32_t Writer::add_function(std::string name) {
  if (name.size() > kMaxNameBytes)
    s_->fail(TraceError::Code::BadDefinition, "function name longer than 4096 bytes",
             "shorten the name");
  if (!wire::valid_utf8(name))
    s_->fail(TraceError::Code::BadDefinition, "function name is not UTF-8",
             "pass the name as UTF-8");
  s_->functions.push_back(std::move(name));
  return static_cast<std::uint32_t>(s_->functions.size() - 1);
}

std::uint32_t Writer::add_mask(std::vector<std::uint64_t> words) {
  const std::size_t max_words = (s_->header.cpu_count + 63) / 64;
  if (words.empty() || words.size() > max_words)
    s_->fail(TraceError::Code::BadDefinition, "mask must have 1..ceil(cpu_count/64) words",
             "size masks for the trace's cpu_count");
  const std::uint32_t cpus = s_->header.cpu_count;
  for (std::size_t w = 0; w < words.size(); ++w) {
    const std::uint64_t valid =
        cpus >= 64 * (w + 1) ? ~std::uint64_t{0} : (std::uint64_t{1} << (cpus - 64 * w)) - 1;
    if ((words[w] & ~valid) != 0)
      s_->fail(TraceError::Code::CpuOutOfRange, "mask names a CPU >= cpu_count",
               "clear the bits above cpu_count");
  }
  s_->masks.push_back(std::move(words));
  return static_cast<std::uint32_t>(s_->masks.size() - 1);
}

void Writer::write(const Record& r) {
  State& s = *s_;
  if (s.finished) s.fail(TraceError::Code::Io, "write after finish()", "write before finish()");
  const auto kind = static_cast<std::uint16_t>(r.kind);
  if (kind >= kFirstControlKind || !wire::known_kind(r.kind))
    s.fail(TraceError::Code::UnknownKind, "unknown record kind " + std::to_string(kind),
           "use a trace::Kind value");
  if (r.cpu >= s.header.cpu_count || wire::other_cpu(r).value_or(0) >= s.header.cpu_count)
    s.fail(TraceError::Code::CpuOutOfRange, "record names a CPU >= cpu_count",
           "fix the producer or the header's cpu_count");
  if (r.time < s.last_time)
    s.fail(TraceError::Code::TimeOrder, "record time goes backwards", "emit in time order");
  const wire::Refs refs = wire::refs_of(r);
  if (refs.func && *refs.func >= s.functions.size())
    s.fail(TraceError::Code::UnresolvedId, "function id not added", "add_function() first");
  if (refs.mask && *refs.mask >= s.masks.size())
    s.fail(TraceError::Code::UnresolvedId, "mask id not added", "add_mask() first");
  if (refs.func) s.define_functions(*refs.func + 1);
  if (refs.mask) s.define_masks(*refs.mask + 1);
  s.put_record(r);
  s.last_time = r.time;
  ++s.records;
}

void Writer::finish() {
  finish(EndStatus::Complete);
}

void Writer::finish(EndStatus status) {
  State& s = *s_;
  if (s.finished) return;
  if (static_cast<std::uint32_t>(status) > kMaxEndStatus)
    s.fail(TraceError::Code::BadEnd,
           "unknown end status " + std::to_string(static_cast<std::uint32_t>(status)),
           "pass a trace::EndStatus value");
  s.finished = true;
  if (status == EndStatus::Complete && (s.header.flags & kFlagIncomplete) != 0)
    status = EndStatus::Other;  // the producer flagged it partial without a reason
  const bool complete = status == EndStatus::Complete;
  s.define_functions(s.functions.size());
  s.define_masks(s.masks.size());
  wire::End end;
  end.status = complete ? 0 : 1;
  end.reason = static_cast<std::uint32_t>(status);
  end.count = s.all_records;
  unsigned char buf[32];
  wire::encode(wire::encode_end(end), buf);
  s.crc.process_bytes(buf, wire::kEndCrcOffset);  // the CRC covers END's other fields
  end.crc = s.crc.checksum();
  s.put_record(wire::encode_end(end));
  if (complete) {  // the header says incomplete until here
    unsigned char flags[4];
    wire::put32(flags, s.header.flags & ~kFlagIncomplete);
    const std::streampos at = s.out->tellp();
    s.out->seekp(s.start + std::streamoff{wire::kFlagsOffset});
    s.out->write(reinterpret_cast<const char*>(flags), 4);
    s.out->seekp(at);
  }
  s.out->flush();
  if (!*s.out) s.fail(TraceError::Code::Io, "cannot finish the trace", "write to a seekable file");
}

std::uint64_t Writer::records_written() const {
  return s_->records;
}

namespace {

void write_all(Writer& w, const Trace& trace, EndStatus end) {
  for (const std::string& f : trace.functions) w.add_function(f);
  for (const auto& m : trace.masks) w.add_mask(m);
  for (const Record& r : trace.records) w.write(r);
  w.finish(end);
}

TraceHeader with_trace(TraceHeader header, const Trace& trace) {
  header.cpu_count = static_cast<std::uint32_t>(trace.cpu_count);
  header.ghz = trace.ghz;
  return header;
}

}  // namespace

void write_trace(const std::filesystem::path& path, const Trace& trace, const TraceHeader& header) {
  write_trace(path, trace, header, EndStatus::Complete);
}

void write_trace(const std::filesystem::path& path, const Trace& trace, const TraceHeader& header,
                 EndStatus end) {
  Writer w(path, with_trace(header, trace));
  write_all(w, trace, end);
}

std::vector<std::byte> encode_trace(const Trace& trace, const TraceHeader& header) {
  return encode_trace(trace, header, EndStatus::Complete);
}

std::vector<std::byte> encode_trace(const Trace& trace, const TraceHeader& header, EndStatus end) {
  std::ostringstream out(std::ios::binary);
  {
    Writer w(out, with_trace(header, trace));
    write_all(w, trace, end);
  }
  const std::string bytes = std::move(out).str();
  std::vector<std::byte> result(bytes.size());
  std::memcpy(result.data(), bytes.data(), bytes.size());
  return result;
}

}  // namespace xcallsim::trace
