// Trace integrity (docs/trace-format.md, "END record", "Checksum", "Version
// 1 traces", "Header" strings): every cut, every single-bit flip, a moved or
// duplicated END record is a TraceError; incomplete ends keep their reason;
// version 1 traces still read, with a warning.
#include <catch2/catch.hpp>

#include <boost/crc.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sample.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim;
using trace::EndStatus;
using trace::Kind;
using Code = trace::TraceError::Code;

namespace {

using Bytes = std::vector<std::byte>;

trace::TraceHeader named_header() {
  trace::TraceHeader h;
  h.cpu_count = 2;  // encode_trace takes cpu count and clock from the trace
  h.ghz = 2.5;
  h.profile = "seed";
  h.machine = "m";
  h.scenario = "s";
  return h;
}

// A small trace: 3 events, one function name chunk, one mask word.
trace::Trace small_trace() {
  trace::Trace t;
  t.cpu_count = 2;
  t.ghz = 2.5;
  t.functions = {"f"};
  t.masks = {{0b10}};
  t.records = {
      trace::FuncEntry{.time = 1, .cpu = 1, .func = 0, .csd = 0, .site = trace::FuncSite::FlushSync}
          .to_record(),
      trace::IpiSend{.time = 2,
                     .target_is_mask = true,
                     .vector = 0xfc,
                     .how = trace::SendHow::PerCpuLoop,
                     .icr_writes = 1}
          .to_record(),
      trace::FuncExit{.time = 3, .cpu = 1, .func = 0, .csd = 0}.to_record()};
  return t;
}

unsigned u16(const Bytes& b, std::size_t at) {
  return std::to_integer<unsigned>(b.at(at)) | std::to_integer<unsigned>(b.at(at + 1)) << 8;
}
std::uint32_t u32(const Bytes& b, std::size_t at) {
  return u16(b, at) | std::uint32_t{u16(b, at + 2)} << 16;
}
void put(Bytes& b, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b.at(at + i) = static_cast<std::byte>(v >> (8 * i));
}

struct Failure {
  Code code;
  std::uint64_t offset;
  std::string message;
};

// The reader's error for `bytes`, or nullopt if it accepts them.
std::optional<Failure> failure_of(const Bytes& bytes) {
  try {
    trace::read_trace_from_memory(bytes);
  } catch (const trace::TraceError& e) {
    return Failure{e.code(), e.offset(), e.what()};
  }
  return std::nullopt;
}

Failure read_failure(const Bytes& bytes) {
  const auto f = failure_of(bytes);
  if (!f) FAIL("the reader accepted bad input");
  return *f;
}

Bytes to_bytes(const std::string& s) {
  Bytes b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

// CRC-32 of bytes [0, end) as docs/trace-format.md defines it (flags word as
// zeros), computed here independently.
std::uint32_t crc_before(const Bytes& b, std::size_t end) {
  Bytes copy(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(end));
  put(copy, 20, 0, 4);
  boost::crc_32_type crc;
  crc.process_bytes(copy.data(), copy.size());
  return crc.checksum();
}

constexpr EndStatus kIncomplete[] = {EndStatus::Sigint,          EndStatus::Sigterm,
                                     EndStatus::TimeLimit,       EndStatus::StuckCall,
                                     EndStatus::GuestIncomplete, EndStatus::Other};

}  // namespace

TEST_CASE("END record: the last 32 bytes carry count, CRC-32 and status", "[unit]") {
  const Bytes b = trace::encode_trace(small_trace(), named_header());
  const std::size_t header = u16(b, 10);
  REQUIRE(header == 56);                 // 40 + "seed", "m", "s" with their lengths, padded
  REQUIRE(b.size() == header + 6 * 32);  // 3 events, 1 name chunk, 1 mask word, END
  CHECK(u16(b, 8) == 4);                 // version
  CHECK(u32(b, 20) == 0);                // flags: complete
  const std::size_t end = b.size() - 32;
  CHECK(u32(b, end) == 0);  // time
  CHECK(u32(b, end + 4) == 0);
  CHECK(u16(b, end + 8) == 0xFF03);  // kind
  CHECK(u16(b, end + 10) == 0);      // cpu
  CHECK(u32(b, end + 12) == 0);      // status: complete
  CHECK(u32(b, end + 16) == 0);      // reason
  CHECK(u32(b, end + 20) == 5);      // records before END, definitions included
  CHECK(u32(b, end + 24) == 0);      // count, high word
  CHECK(u32(b, end + 28) == crc_before(b, end + 28));

  const trace::TraceFile f = trace::read_trace_from_memory(b);
  CHECK(f.version == trace::kFormatVersion);
  CHECK(f.end == EndStatus::Complete);
  CHECK(f.warnings.empty());
  CHECK(f.trace.records == small_trace().records);
  CHECK(f.trace.functions == small_trace().functions);
  CHECK(f.trace.masks == small_trace().masks);
  CHECK(trace::encode_trace(f.trace, f.header, f.end) == b);  // same bytes back
}

TEST_CASE("END record: the streaming Reader absorbs it and reports the status", "[unit]") {
  const Bytes b = trace::encode_trace(small_trace(), named_header(), EndStatus::TimeLimit);
  trace::Reader reader(b);
  trace::Record r;
  int events = 0;
  while (reader.next(r)) ++events;
  CHECK(events == 3);
  CHECK(reader.end_status() == EndStatus::TimeLimit);
  CHECK_FALSE(reader.next(r));  // stays at the end
  CHECK(reader.version() == 4);
  CHECK(reader.warnings().empty());
}

TEST_CASE("END record: an empty trace is a header and an END record", "[unit]") {
  trace::Trace t;
  t.cpu_count = 1;
  const Bytes b = trace::encode_trace(t, {});
  REQUIRE(b.size() == 48 + 32);
  CHECK(u32(b, 48 + 20) == 0);
  CHECK(trace::read_trace_from_memory(b).trace.records.empty());
}

TEST_CASE("END record: a file cut anywhere is a TraceError at the cut", "[unit]") {
  const Bytes full = trace::encode_trace(small_trace(), named_header());
  const std::size_t header = u16(full, 10);
  for (std::size_t len = 0; len < full.size(); ++len) {
    INFO("cut to " << len << " bytes");
    const Failure f = read_failure(Bytes(full.begin(), full.begin() + std::ptrdiff_t(len)));
    if (len < header) {
      CHECK(f.code == Code::Truncated);
    } else if ((len - header) % 32 == 0) {
      CHECK(f.code == Code::MissingEnd);  // cut at a record boundary
      CHECK(f.offset == len);
      CHECK(f.message.find("byte " + std::to_string(len) + ": error: ") != std::string::npos);
      CHECK(f.message.find("; fix: ") != std::string::npos);
    } else {
      CHECK(f.code == Code::Truncated);  // cut inside a record
      CHECK(f.offset == len - (len - header) % 32);
    }
  }
}

TEST_CASE("END record: a file reader sees the cut too", "[unit]") {
  const auto path = std::filesystem::temp_directory_path() / "xcallsim_trace_cut.xtr";
  trace::write_trace(path, small_trace(), named_header());
  const auto size = std::filesystem::file_size(path);
  CHECK(trace::read_trace_file(path).end == EndStatus::Complete);
  std::filesystem::resize_file(path, size - 32);
  try {
    trace::read_trace_file(path);
    FAIL("the reader accepted a cut file");
  } catch (const trace::TraceError& e) {
    CHECK(e.code() == Code::MissingEnd);
    CHECK(e.offset() == size - 32);
    CHECK(std::string(e.what()).find(path.string() + ": byte ") == 0);
  }
  std::filesystem::remove(path);
}

TEST_CASE("Checksum: flipping any single bit of the file is a TraceError", "[unit]") {
  // Every byte is checked: bytes before END by the CRC-32 (the flags word,
  // outside it, by its own rule: bit 0 must match END's status, the others 0),
  // END's own fields by their rules and the count and CRC they must equal.
  // So no bit exists whose flip could go unnoticed.
  for (const EndStatus status : {EndStatus::Complete, EndStatus::Sigterm}) {
    const Bytes full = trace::encode_trace(small_trace(), named_header(), status);
    for (std::size_t bit = 0; bit < 8 * full.size(); ++bit) {
      Bytes b = full;
      b[bit / 8] ^= std::byte{static_cast<unsigned char>(1u << (bit % 8))};
      INFO("status " << trace::to_string(status) << ", byte " << bit / 8 << " bit " << bit % 8);
      CHECK(failure_of(b).has_value());
    }
  }
}

TEST_CASE("Checksum: the CRC-32 is IEEE 802.3's (check value of \"123456789\")", "[unit]") {
  boost::crc_32_type crc;  // what the writer and reader use
  crc.process_bytes("123456789", 9);
  CHECK(crc.checksum() == 0xCBF43926u);
}

TEST_CASE("Checksum: a wrong CRC is BadChecksum at the END record's CRC field", "[unit]") {
  Bytes b = trace::encode_trace(small_trace(), named_header());
  const std::size_t end = b.size() - 32;
  put(b, end + 28, u32(b, end + 28) + 1, 4);
  const Failure f = read_failure(b);
  CHECK(f.code == Code::BadChecksum);
  CHECK(f.offset == end + 28);
  // A record changed, with its count still right: only the CRC sees it.
  b = trace::encode_trace(small_trace(), named_header());
  put(b, b.size() - 64, 2, 8);  // the last event's time 3 -> 2, still in order
  CHECK(read_failure(b).code == Code::BadChecksum);
}

TEST_CASE("END record: a wrong count, status or reason is BadEnd", "[unit]") {
  const Bytes full = trace::encode_trace(small_trace(), named_header());
  const std::size_t end = full.size() - 32;
  Bytes b = full;
  put(b, end + 20, 4, 4);
  Failure f = read_failure(b);
  CHECK(f.code == Code::BadEnd);
  CHECK(f.offset == end + 20);
  b = full;
  put(b, end + 24, 1, 4);  // count's high word
  CHECK(read_failure(b).offset == end + 20);
  b = full;
  put(b, end + 12, 2, 4);  // status 2 does not exist
  CHECK(read_failure(b).offset == end + 12);
  b = full;
  put(b, end + 16, 1, 4);  // complete with a reason
  CHECK(read_failure(b).offset == end + 16);
  b = full;
  put(b, end + 12, 1, 4);  // incomplete without a reason
  CHECK(read_failure(b).offset == end + 16);
  b = full;
  put(b, end + 10, 1, 2);  // cpu
  CHECK(read_failure(b).code == Code::BadEnd);
}

TEST_CASE("END record: records after it or a second one are BadEnd", "[unit]") {
  const Bytes full = trace::encode_trace(small_trace(), named_header());
  Bytes b = full;
  b.insert(b.end(), full.end() - 32, full.end());  // END twice
  Failure f = read_failure(b);
  CHECK(f.code == Code::BadEnd);
  CHECK(f.offset == full.size());
  b = full;
  b.push_back(std::byte{0});  // one stray byte
  CHECK(read_failure(b).offset == full.size());

  // An END that is right for the records before it, in the middle of a file.
  trace::Trace head = small_trace();
  head.records.resize(1);
  const Bytes prefix = trace::encode_trace(head, named_header());
  trace::Trace tail = small_trace();
  tail.records.erase(tail.records.begin());
  const Bytes rest = trace::encode_trace(tail, named_header());
  b = prefix;
  b.insert(b.end(), rest.begin() + u16(rest, 10), rest.end());  // its records and END
  f = read_failure(b);
  CHECK(f.code == Code::BadEnd);
  CHECK(f.offset == prefix.size());
  CHECK(f.message.find("data after the END record") != std::string::npos);
}

TEST_CASE("END record: one inside a definition is BadEnd", "[unit]") {
  trace::Trace t = small_trace();
  t.functions = {"a function name longer than eight bytes"};
  Bytes b = trace::encode_trace(t, {});
  // The name's first chunk is the first record; make its second chunk an END.
  const std::size_t second = 48 + 32;
  REQUIRE(u16(b, second + 8) == trace::kFuncNameKind);
  Bytes end(b.end() - 32, b.end());
  std::copy(end.begin(), end.end(), b.begin() + second);
  const Failure f = read_failure(b);
  CHECK(f.code == Code::BadEnd);
  CHECK(f.offset == second);
}

TEST_CASE("END record: an incomplete end keeps its reason and the header flag", "[unit]") {
  for (const EndStatus status : kIncomplete) {
    INFO(trace::to_string(status));
    std::ostringstream out(std::ios::binary);
    {
      trace::Writer w(out, named_header());
      w.write(trace::Mark{.time = 1}.to_record());
      w.finish(status);
      w.finish();  // idempotent: the first status stays
    }
    const Bytes b = to_bytes(out.str());
    CHECK(u32(b, 20) == trace::kFlagIncomplete);
    CHECK(u32(b, b.size() - 32 + 12) == 1);
    CHECK(u32(b, b.size() - 32 + 16) == static_cast<std::uint32_t>(status));
    const trace::TraceFile f = trace::read_trace_from_memory(b);
    CHECK(f.end == status);
    CHECK((f.header.flags & trace::kFlagIncomplete) != 0);
    CHECK(f.trace.records.size() == 1);
    CHECK(trace::encode_trace(small_trace(), named_header(), status) ==
          trace::encode_trace(small_trace(), named_header(), status));
  }
}

TEST_CASE("END record: the header flag must agree with the status", "[unit]") {
  Bytes b = trace::encode_trace(small_trace(), named_header(), EndStatus::Sigint);
  put(b, 20, 0, 4);  // complete header, incomplete END
  Failure f = read_failure(b);
  CHECK(f.code == Code::BadEnd);
  CHECK(f.offset == 20);
  b = trace::encode_trace(small_trace(), named_header());
  put(b, 20, 1, 4);  // incomplete header, complete END
  f = read_failure(b);
  CHECK(f.code == Code::BadEnd);
  CHECK(f.offset == 20);
}

TEST_CASE("END record: a producer's incomplete flag without a reason ends as Other", "[unit]") {
  trace::TraceHeader h = named_header();
  h.flags = trace::kFlagIncomplete;  // e.g. an ftrace ring buffer that overflowed
  const trace::TraceFile f = trace::read_trace_from_memory(trace::encode_trace(small_trace(), h));
  CHECK(f.end == EndStatus::Other);
  CHECK(f.header.flags == trace::kFlagIncomplete);
}

TEST_CASE("END record: every status has a name; unknown ones are refused", "[unit]") {
  CHECK(trace::to_string(EndStatus::Complete) == "complete");
  CHECK(trace::to_string(EndStatus::Sigint) == "interrupted by SIGINT");
  CHECK(trace::to_string(EndStatus::Sigterm) == "interrupted by SIGTERM");
  CHECK(trace::to_string(EndStatus::TimeLimit) == "time limit reached");
  CHECK(trace::to_string(EndStatus::StuckCall) == "stuck call");
  for (const EndStatus s : kIncomplete)
    CHECK(trace::to_string(s).find("unknown") == std::string::npos);
  std::ostringstream out(std::ios::binary);
  trace::Writer w(out, named_header());
  try {
    w.finish(static_cast<EndStatus>(99));
    FAIL("finish() accepted an unknown status");
  } catch (const trace::TraceError& e) {
    CHECK(e.code() == Code::BadEnd);
  }
  w.finish(EndStatus::Sigint);  // the failed call did not end the stream
  CHECK(trace::read_trace_from_memory(to_bytes(out.str())).end == EndStatus::Sigint);
}

TEST_CASE("END record: a writer destroyed unfinished ends as Other", "[unit]") {
  std::ostringstream out(std::ios::binary);
  try {
    trace::Writer w(out, named_header());
    w.add_function("f");
    w.write(trace::Mark{.time = 5}.to_record());
    w.write(trace::Mark{.time = 4}.to_record());  // throws: time goes backwards
  } catch (const trace::TraceError& e) {
    CHECK(e.code() == Code::TimeOrder);
  }
  const trace::TraceFile f = trace::read_trace_from_memory(to_bytes(out.str()));
  CHECK(f.end == EndStatus::Other);
  CHECK(f.trace.records.size() == 1);
  CHECK(f.trace.functions == std::vector<std::string>{"f"});
}

namespace {

// A version 1 trace, byte by byte as the version 1 Writer wrote it: the
// 56-byte header (profile "seed", machine "v1", empty scenario), then records.
Bytes v1_bytes(std::uint32_t flags, const std::vector<trace::Record>& records) {
  Bytes b(56, std::byte{0});
  std::memcpy(b.data(), "XCSTRACE", 8);
  put(b, 8, 1, 2);    // version
  put(b, 10, 56, 2);  // header size: 40 + (2 + 4) + (2 + 2) + (2 + 0), padded to 8
  put(b, 12, 32, 2);  // record size
  put(b, 14, 1, 2);   // source: sim
  put(b, 16, 2, 4);   // cpu count
  put(b, 20, flags, 4);
  put(b, 24, 0x4000000000000000, 8);  // 2.0 GHz
  put(b, 40, 4, 2);                   // profile
  std::memcpy(&b[42], "seed", 4);
  put(b, 46, 2, 2);  // machine name
  std::memcpy(&b[48], "v1", 2);
  put(b, 50, 0, 2);  // scenario name: empty
  for (const trace::Record& r : records) {
    const std::size_t at = b.size();
    b.resize(at + 32, std::byte{0});
    r.encode(reinterpret_cast<unsigned char*>(&b[at]));
  }
  return b;
}

}  // namespace

TEST_CASE("Version 1 traces: read without integrity check, with a warning", "[unit]") {
  const std::vector<trace::Record> records = {trace::Mark{.time = 1}.to_record(),
                                              trace::Mark{.time = 2, .cpu = 1}.to_record()};
  const trace::TraceFile f = trace::read_trace_from_memory(v1_bytes(0, records));
  CHECK(f.version == 1);
  CHECK(f.trace.records == records);
  CHECK(f.header.profile == "seed");
  CHECK(f.header.machine == "v1");
  CHECK(f.end == EndStatus::Complete);
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0].find("version 1 trace: no record count or checksum") == 0);
  CHECK(f.warnings[0].find("fix: re-write it with `xcallsim replay") != std::string::npos);

  const trace::TraceFile partial =
      trace::read_trace_from_memory(v1_bytes(trace::kFlagIncomplete, records));
  CHECK(partial.end == EndStatus::Other);

  // Re-written, it is a current-version trace with an END record.
  const Bytes again = trace::encode_trace(f.trace, f.header, f.end);
  const trace::TraceFile v2 = trace::read_trace_from_memory(again);
  CHECK(v2.version == trace::kFormatVersion);
  CHECK(v2.warnings.empty());
  CHECK(v2.trace.records == records);
}

TEST_CASE("Version 1 traces: the version 1 rules still hold", "[unit]") {
  // No END kind in version 1: 0xFF03 is an unknown record there.
  trace::Record end{};
  end.kind = static_cast<Kind>(trace::kEndKind);
  Failure f = read_failure(v1_bytes(0, {trace::Mark{.time = 1}.to_record(), end}));
  CHECK(f.code == Code::UnknownKind);
  CHECK(f.offset == 56 + 32 + 8);
  Bytes cut = v1_bytes(0, {trace::Mark{.time = 1}.to_record()});
  cut.pop_back();
  CHECK(read_failure(cut).code == Code::Truncated);
  Bytes v5 = v1_bytes(0, {});
  put(v5, 8, 5, 2);
  f = read_failure(v5);
  CHECK(f.code == Code::BadVersion);
  CHECK(f.message.find("versions 1 to 4") != std::string::npos);
}

TEST_CASE("Header: profile and names are validated on write", "[unit]") {
  const auto write_failure = [](const trace::TraceHeader& h) -> std::optional<Code> {
    std::ostringstream out(std::ios::binary);
    try {
      trace::Writer w(out, h);
      w.finish();
    } catch (const trace::TraceError& e) {
      return e.code();
    }
    return std::nullopt;
  };
  trace::TraceHeader h = named_header();
  h.cpu_count = 1;
  for (const char* p : {"", "seed", "upstream"}) {
    h.profile = p;
    CHECK_FALSE(write_failure(h));
  }
  h.profile = "Seed";
  CHECK(write_failure(h) == Code::BadHeader);
  h.profile = "seed";
  for (const std::string& bad :
       {std::string("a\nb"), std::string("tab\there"), std::string("nul\0x", 5),
        std::string("del\x7f"), std::string("\xff\xfe"), std::string(4097, 'x')}) {
    INFO(bad.size());
    h.machine = bad;
    CHECK(write_failure(h) == Code::BadHeader);
    h.machine = "m";
    h.scenario = bad;
    CHECK(write_failure(h) == Code::BadHeader);
    h.scenario = "s";
  }
  h.machine = "2x Xeon E5-2658 (Shinjuku testbed) \xc3\xa9";  // printable UTF-8
  h.scenario = std::string(4096, 'y');
  CHECK_FALSE(write_failure(h));
  h.profile = "bogus";
  CHECK_THROWS_AS(trace::encode_trace(small_trace(), h), trace::TraceError);
}

TEST_CASE("Header: a bad profile or name on read is BadHeader at the string", "[unit]") {
  trace::TraceHeader h = named_header();
  h.machine = "ab";
  const Bytes full = trace::encode_trace(small_trace(), h);
  // profile at 40 (length) "seed" at 42; machine at 46, "ab" at 48; scenario at 50.
  REQUIRE(u16(full, 40) == 4);
  Bytes b = full;
  b[45] = std::byte{'s'};  // "sees"
  Failure f = read_failure(b);
  CHECK(f.code == Code::BadHeader);
  CHECK(f.offset == 40);
  CHECK(f.message.find("profile") != std::string::npos);
  CHECK(f.message.find("; fix: ") != std::string::npos);
  b = full;
  b[49] = std::byte{'\t'};
  f = read_failure(b);
  CHECK(f.code == Code::BadHeader);
  CHECK(f.offset == 46);
  CHECK(f.message.find("control character 0x09") != std::string::npos);
  b = full;
  b[49] = std::byte{0x7f};
  CHECK(read_failure(b).offset == 46);
  b = full;
  b[48] = std::byte{0xc3};  // "\xc3b": a lead byte without its continuation
  CHECK(read_failure(b).offset == 46);
  b = full;
  b[52] = std::byte{0x01};  // scenario "s" -> "\x01"
  CHECK(read_failure(b).offset == 50);
}
