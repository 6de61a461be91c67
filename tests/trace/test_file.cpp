// Trace file format: round trip, byte determinism, streaming, wide masks.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sample.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim;
using trace::Kind;

namespace {

trace::TraceHeader sample_header() {
  trace::TraceHeader h;
  h.source = trace::Source::Sim;
  h.sockets = 1;
  h.cores_per_socket = 4;
  h.threads_per_core = 1;
  h.profile = "seed";
  h.machine = "two-socket-\xc3\xa9";  // UTF-8
  h.scenario = "tlb-shootdown";
  return h;
}

std::filesystem::path temp_path(const char* name) {
  return std::filesystem::temp_directory_path() / name;
}

}  // namespace

TEST_CASE("write then read gives the identical trace and header", "[unit]") {
  const trace::Trace t = test::sample_trace();
  const auto path = temp_path("xcallsim_trace_roundtrip.xct");
  trace::write_trace(path, t, sample_header());
  const trace::TraceFile f = trace::read_trace_file(path);
  CHECK(f.trace.records == t.records);
  CHECK(f.trace.masks == t.masks);
  CHECK(f.trace.functions == t.functions);
  CHECK(f.trace.cpu_count == t.cpu_count);
  CHECK(f.trace.ghz == t.ghz);
  trace::TraceHeader expected = sample_header();
  expected.cpu_count = 4;
  expected.ghz = 2.0;
  CHECK(f.header == expected);
  CHECK(trace::read_trace(path).records.size() == t.records.size());
  std::filesystem::remove(path);
}

TEST_CASE("writing the same trace twice gives identical bytes", "[unit]") {
  const trace::Trace t = test::sample_trace();
  const auto a = trace::encode_trace(t, sample_header());
  const auto b = trace::encode_trace(t, sample_header());
  CHECK(a == b);
  const auto path = temp_path("xcallsim_trace_twice.xct");
  trace::write_trace(path, t, sample_header());
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(file.size() == a.size());
  CHECK(std::memcmp(file.data(), a.data(), a.size()) == 0);
  std::filesystem::remove(path);
}

TEST_CASE("the header layout matches docs/trace-format.md", "[unit]") {
  const auto bytes = trace::encode_trace(test::sample_trace(), sample_header());
  const auto u8 = [&](std::size_t i) { return static_cast<unsigned>(bytes.at(i)); };
  CHECK(std::memcmp(bytes.data(), "XCSTRACE", 8) == 0);
  CHECK((u8(8) | u8(9) << 8) == 4);  // version
  const unsigned header_size = u8(10) | u8(11) << 8;
  CHECK(header_size % 8 == 0);
  CHECK((u8(12) | u8(13) << 8) == 32);  // record size
  CHECK((u8(14) | u8(15) << 8) == 1);   // source: sim
  CHECK(u8(16) == 4);                   // cpu count
  CHECK(u8(20) == 0);                   // finished: not incomplete
  CHECK((bytes.size() - header_size) % 32 == 0);
  CHECK((u8(bytes.size() - 24) | u8(bytes.size() - 23) << 8) == 0xFF03);  // END record last
}

TEST_CASE("an unfinished writer ends the stream as incomplete", "[unit]") {
  std::ostringstream out(std::ios::binary);
  trace::TraceHeader h = sample_header();
  h.cpu_count = 2;
  {
    trace::Writer w(out, h);
    const auto f = w.add_function("f");
    w.write(trace::FuncEntry{
        .time = 5, .cpu = 1, .func = f, .csd = 0, .site = trace::FuncSite::FlushSync}
                .to_record());
    CHECK(w.records_written() == 1);
  }
  const std::string s = out.str();
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(s.data()), s.size());
  const trace::TraceFile f = trace::read_trace_from_memory(bytes);
  CHECK((f.header.flags & trace::kFlagIncomplete) != 0);
  CHECK(f.end == trace::EndStatus::Other);
  CHECK(f.trace.functions == std::vector<std::string>{"f"});
  CHECK(f.trace.records.size() == 1);
}

TEST_CASE("masks of 1024 and more CPUs and long names survive the round trip", "[unit]") {
  trace::Trace t;
  t.cpu_count = 1500;
  t.ghz = 3.1;
  std::vector<std::uint64_t> wide((1500 + 63) / 64, 0);
  wide[0] = 1;
  wide[15] = std::uint64_t{1} << 63;  // cpu 1023
  wide[23] = std::uint64_t{1} << 27;  // cpu 1499
  t.masks = {wide, {0}};
  t.functions = {"", std::string(100, 'x'), "exactly8"};
  t.records = {trace::XcallIssue{.time = 1,
                                 .cpu = 1499,
                                 .call = 1,
                                 .api = trace::Api::Mask,
                                 .flags = 0x10,
                                 .target_is_mask = true,
                                 .func = 2}
                   .to_record(),
               trace::IpiSend{.time = 2,
                              .cpu = 1499,
                              .call = 1,
                              .target = 1,
                              .target_is_mask = true,
                              .vector = 0xfc,
                              .how = trace::SendHow::PerCpuLoop,
                              .icr_writes = 3}
                   .to_record(),
               trace::FuncEntry{.time = 3,
                                .cpu = 1023,
                                .call = 1,
                                .func = 1,
                                .csd = 7,
                                .site = trace::FuncSite::FlushSync}
                   .to_record()};
  const auto bytes = trace::encode_trace(t, {});
  const trace::TraceFile f = trace::read_trace_from_memory(bytes);
  CHECK(f.trace.masks == t.masks);
  CHECK(f.trace.functions == t.functions);
  CHECK(f.trace.records == t.records);
}

TEST_CASE("the streaming writer defines ids lazily and in order", "[unit]") {
  std::ostringstream out(std::ios::binary);
  trace::TraceHeader h;
  h.cpu_count = 2;
  trace::Writer w(out, h);
  const auto f0 = w.add_function("a");
  const auto f1 = w.add_function("b");
  w.write(trace::FuncEntry{.time = 1, .func = f1, .csd = 0, .site = trace::FuncSite::FlushSync}
              .to_record());  // defines 0 and 1 first
  w.write(trace::FuncExit{.time = 2, .func = f0, .csd = 0}.to_record());
  w.add_mask({3});
  w.finish();
  w.finish();  // idempotent
  const std::string s = out.str();
  const trace::TraceFile f = trace::read_trace_from_memory(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size()));
  CHECK(f.trace.functions == std::vector<std::string>{"a", "b"});
  CHECK(f.trace.masks == std::vector<std::vector<std::uint64_t>>{{3}});
  CHECK(f.header.flags == 0);
}

TEST_CASE("the writer refuses records the reader would reject", "[unit]") {
  std::ostringstream out(std::ios::binary);
  trace::TraceHeader h;
  h.cpu_count = 2;
  trace::Writer w(out, h);
  using Code = trace::TraceError::Code;
  const auto code_of = [&](const trace::Record& r) {
    try {
      w.write(r);
    } catch (const trace::TraceError& e) {
      return e.code();
    }
    return Code::Io;
  };
  CHECK(code_of(trace::Mark{.time = 1, .cpu = 2}.to_record()) == Code::CpuOutOfRange);
  CHECK(code_of(trace::FuncEntry{.time = 1, .func = 0, .csd = 0, .site = trace::FuncSite::FlushSync}
                    .to_record()) == Code::UnresolvedId);
  CHECK(code_of(test::head_only(1, static_cast<Kind>(999), 0, 0)) == Code::UnknownKind);
  w.write(trace::Mark{.time = 5}.to_record());
  CHECK(code_of(trace::Mark{.time = 4}.to_record()) == Code::TimeOrder);
  CHECK_THROWS_AS(w.add_mask({4}), trace::TraceError);  // cpu 2 of 2
}
