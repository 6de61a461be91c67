// The reader trusts nothing: one crafted input per TraceError class.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include "sample.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim;
using trace::Kind;
using Code = trace::TraceError::Code;

namespace {

constexpr std::size_t kRecords = 48;  // header size with empty strings

std::vector<std::byte> valid_bytes() {
  trace::Trace t;
  t.cpu_count = 4;
  t.functions = {"f"};
  t.masks = {{0b10}};
  t.records = {
      trace::Mark{.time = 1}.to_record(),
      trace::FuncEntry{.time = 2, .cpu = 1, .func = 0, .csd = 0, .site = trace::FuncSite::FlushSync}
          .to_record(),
      trace::IpiSend{.time = 3,
                     .target_is_mask = true,
                     .vector = 0xfc,
                     .how = trace::SendHow::PerCpuLoop,
                     .icr_writes = 1}
          .to_record(),
      trace::FuncExit{.time = 4, .cpu = 1, .func = 0, .csd = 0}.to_record()};
  return trace::encode_trace(t, {});
}

void put(std::vector<std::byte>& b, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b.at(at + i) = static_cast<std::byte>(v >> (8 * i));
}

// Offset of the n-th record slot (0-based) whose wire kind is `kind`.
std::size_t slot(const std::vector<std::byte>& b, std::uint16_t kind, int n = 0) {
  for (std::size_t at = kRecords; at + 32 <= b.size(); at += 32) {
    const auto k = static_cast<std::uint16_t>(std::to_integer<unsigned>(b[at + 8]) |
                                              std::to_integer<unsigned>(b[at + 9]) << 8);
    if (k == kind && n-- == 0) return at;
  }
  FAIL("no such record slot");
  return 0;
}
std::size_t slot(const std::vector<std::byte>& b, Kind kind, int n = 0) {
  return slot(b, static_cast<std::uint16_t>(kind), n);
}

struct Failure {
  Code code;
  std::uint64_t offset;
  std::string message;
};

Failure read_failure(const std::vector<std::byte>& bytes) {
  try {
    trace::read_trace_from_memory(bytes);
  } catch (const trace::TraceError& e) {
    return {e.code(), e.offset(), e.what()};
  }
  FAIL("the reader accepted bad input");
  return {};
}

}  // namespace

TEST_CASE("the unmodified crafted input reads cleanly", "[unit]") {
  const auto bytes = valid_bytes();
  REQUIRE(bytes.size() == kRecords + 7 * 32);  // 4 events, 1 name chunk, 1 mask word, END
  CHECK(trace::read_trace_from_memory(bytes).trace.records.size() == 4);
}

TEST_CASE("wrong magic is rejected at byte 0", "[unit]") {
  auto b = valid_bytes();
  b[0] = std::byte{'Y'};
  const Failure f = read_failure(b);
  CHECK(f.code == Code::BadMagic);
  CHECK(f.offset == 0);
  CHECK(f.message.find("<memory>: byte 0: error:") == 0);
  CHECK(f.message.find("; fix: ") != std::string::npos);
}

TEST_CASE("an unknown version (not 1 to 4) is rejected at byte 8", "[unit]") {
  auto b = valid_bytes();
  put(b, 8, 5, 2);
  Failure f = read_failure(b);
  CHECK(f.code == Code::BadVersion);
  CHECK(f.offset == 8);
  put(b, 8, 0, 2);
  f = read_failure(b);
  CHECK(f.code == Code::BadVersion);
  CHECK(f.offset == 8);
}

TEST_CASE("bad header fields are rejected with their offsets", "[unit]") {
  auto b = valid_bytes();
  put(b, 12, 16, 2);  // record size
  CHECK(read_failure(b).offset == 12);
  b = valid_bytes();
  put(b, 16, 0, 4);  // cpu count
  CHECK(read_failure(b).code == Code::BadHeader);
  b = valid_bytes();
  put(b, 24, std::bit_cast<std::uint64_t>(std::nan("")), 8);  // clock
  CHECK(read_failure(b).offset == 24);
  b = valid_bytes();
  put(b, 40, 200, 2);  // profile string longer than the header
  CHECK(read_failure(b).code == Code::BadHeader);
  b = valid_bytes();
  put(b, 20, 6, 4);  // unknown flags
  CHECK(read_failure(b).offset == 20);
}

TEST_CASE("truncated header, record and definition are rejected", "[unit]") {
  const auto full = valid_bytes();
  CHECK(read_failure({}).code == Code::Truncated);
  CHECK(read_failure({full.begin(), full.begin() + 20}).code == Code::Truncated);
  const Failure mid = read_failure({full.begin(), full.end() - 5});
  CHECK(mid.code == Code::Truncated);
  CHECK(mid.offset == full.size() - 32);
  const Failure no_end = read_failure({full.begin(), full.end() - 32});
  CHECK(no_end.code == Code::MissingEnd);
  CHECK(no_end.offset == full.size() - 32);
  const auto func_def = slot(full, trace::kFuncNameKind);
  auto b = full;
  put(b, func_def + 16, 20, 4);  // name of 20 bytes needs 3 chunks; the 2nd never comes
  CHECK(read_failure(b).code == Code::BadDefinition);
}

TEST_CASE("a CPU out of range is rejected", "[unit]") {
  auto b = valid_bytes();
  const auto at = slot(b, Kind::FuncEntry);
  put(b, at + 10, 4, 2);
  const Failure f = read_failure(b);
  CHECK(f.code == Code::CpuOutOfRange);
  CHECK(f.offset == at + 10);
  b = valid_bytes();
  put(b, slot(b, trace::kMaskDefKind) + 24, 0x10, 4);  // mask bit for cpu 4
  CHECK(read_failure(b).code == Code::CpuOutOfRange);
}

TEST_CASE("records out of time order are rejected", "[unit]") {
  auto b = valid_bytes();
  const auto at = slot(b, Kind::FuncExit);
  put(b, at, 0, 8);
  const Failure f = read_failure(b);
  CHECK(f.code == Code::TimeOrder);
  CHECK(f.offset == at);
}

TEST_CASE("an unknown record kind is rejected", "[unit]") {
  auto b = valid_bytes();
  const auto at = slot(b, Kind::Mark);
  put(b, at + 8, 200, 2);
  CHECK(read_failure(b).code == Code::UnknownKind);
  put(b, at + 8, 0xFF7F, 2);  // a control kind that does not exist
  CHECK(read_failure(b).code == Code::UnknownKind);
}

TEST_CASE("function and mask ids that do not resolve are rejected", "[unit]") {
  auto b = valid_bytes();
  const auto at = slot(b, Kind::FuncExit);
  put(b, at + 16, 5, 4);
  const Failure f = read_failure(b);
  CHECK(f.code == Code::UnresolvedId);
  CHECK(f.offset == at);
  b = valid_bytes();
  put(b, slot(b, Kind::IpiSend) + 16, trace::kMaskTarget | 7, 4);
  CHECK(read_failure(b).code == Code::UnresolvedId);
}

TEST_CASE("definitions out of sequence are rejected", "[unit]") {
  auto b = valid_bytes();
  put(b, slot(b, trace::kMaskDefKind) + 12, 3, 4);  // mask id 3 before 0
  CHECK(read_failure(b).code == Code::BadDefinition);
  b = valid_bytes();
  put(b, slot(b, trace::kFuncNameKind) + 28, 0x41, 4);  // nonzero padding after "f"
  CHECK(read_failure(b).code == Code::BadDefinition);
  b = valid_bytes();
  put(b, slot(b, trace::kFuncNameKind) + 24, 0xFF, 1);  // "\xff" is not UTF-8
  CHECK(read_failure(b).code == Code::BadDefinition);
}

TEST_CASE("a missing file is an Io error", "[unit]") {
  CHECK_THROWS_AS(trace::read_trace("/nonexistent/xcallsim.trace"), trace::TraceError);
}
