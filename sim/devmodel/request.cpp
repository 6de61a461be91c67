// Request decoding and the names of the protocol's enums.
#include "sim/devmodel/request.hpp"

namespace xcallsim::devmodel {
namespace {

constexpr std::uint32_t kLdrReservedMask = 0x00FFFFFF;  // xAPIC LDR[23:0]
constexpr std::uint32_t kDfrReservedMask = 0x0FFFFFFF;  // xAPIC DFR[27:0], reads as all ones

Decoded reject(shm::Reject why, std::uint32_t detail) {
  Decoded d;
  d.reject = why;
  d.detail = detail;
  return d;
}

}  // namespace

Decoded decode_request(const shm::Request& c, std::uint32_t expected_seq) {
  if (shm::request_check(c) != c.check) return reject(shm::Reject::Torn, c.check);
  if (c.seq != expected_seq) return reject(shm::Reject::StaleSeq, c.seq);
  if (c.flags != 0) return reject(shm::Reject::ReservedBits, c.flags);
  if (c.reserved != 0) return reject(shm::Reject::ReservedBits, c.reserved);
  if (c.op == 0 || c.op > shm::kMaxOp) return reject(shm::Reject::UnknownOp, c.op);

  const auto op = static_cast<shm::Op>(c.op);
  switch (op) {
    case shm::Op::IcrWrite:
      break;  // every bit pattern goes to the APIC model, which reports invalid ones
    case shm::Op::SelfIpi:
    case shm::Op::TprWrite:
    case shm::Op::IntaPosted:
      if (c.arg0 > 0xFF) return reject(shm::Reject::ReservedBits, c.arg0);
      if (c.arg1 != 0) return reject(shm::Reject::ReservedBits, c.arg1);
      break;
    case shm::Op::Eoi:
    case shm::Op::EsrWrite:
    case shm::Op::Inta:
      if (c.arg0 != 0) return reject(shm::Reject::ReservedBits, c.arg0);
      if (c.arg1 != 0) return reject(shm::Reject::ReservedBits, c.arg1);
      break;
    case shm::Op::LdrWrite:
      if ((c.arg0 & kLdrReservedMask) != 0) return reject(shm::Reject::ReservedBits, c.arg0);
      if (c.arg1 != 0) return reject(shm::Reject::ReservedBits, c.arg1);
      break;
    case shm::Op::DfrWrite:
      if ((c.arg0 & kDfrReservedMask) != kDfrReservedMask)
        return reject(shm::Reject::ReservedBits, c.arg0);
      if (c.arg1 != 0) return reject(shm::Reject::ReservedBits, c.arg1);
      break;
    case shm::Op::None:
      return reject(shm::Reject::UnknownOp, c.op);
  }
  Decoded d;
  d.command.op = op;
  d.command.seq = c.seq;
  d.command.arg0 = c.arg0;
  d.command.arg1 = c.arg1;
  d.command.tsc = c.tsc;
  return d;
}

shm::Request make_request(std::uint32_t seq, shm::Op op, std::uint32_t arg0, std::uint32_t arg1,
                          std::uint64_t tsc) {
  shm::Request r{};
  r.seq = seq;
  r.op = static_cast<std::uint16_t>(op);
  r.arg0 = arg0;
  r.arg1 = arg1;
  r.tsc = tsc;
  r.check = shm::request_check(r);
  return r;
}

std::string_view to_string(shm::Op op) {
  switch (op) {
    case shm::Op::None:
      return "none";
    case shm::Op::IcrWrite:
      return "icr-write";
    case shm::Op::SelfIpi:
      return "self-ipi";
    case shm::Op::Eoi:
      return "eoi";
    case shm::Op::TprWrite:
      return "tpr-write";
    case shm::Op::EsrWrite:
      return "esr-write";
    case shm::Op::LdrWrite:
      return "ldr-write";
    case shm::Op::DfrWrite:
      return "dfr-write";
    case shm::Op::Inta:
      return "inta";
    case shm::Op::IntaPosted:
      return "inta-posted";
  }
  return "unknown-op";
}

std::string_view to_string(shm::Reject reject) {
  switch (reject) {
    case shm::Reject::None:
      return "none";
    case shm::Reject::Torn:
      return "torn request (check word does not match)";
    case shm::Reject::StaleSeq:
      return "stale request (entry seq is not the one being consumed)";
    case shm::Reject::UnknownOp:
      return "unknown op";
    case shm::Reject::ReservedBits:
      return "reserved bits set";
    case shm::Reject::RingOverflow:
      return "request ring overflow";
    case shm::Reject::ModeMismatch:
      return "register absent in this APIC mode";
    case shm::Reject::TraceOverflow:
      return "trace ring overflow";
    case shm::Reject::BadInta:
      return "posted INTA of a vector that is not pending above the PPR";
  }
  return "unknown rejection";
}

std::string_view fix_for(shm::Reject reject) {
  switch (reject) {
    case shm::Reject::None:
      return "";
    case shm::Reject::Torn:
      return "write every field and the check word before publishing req_head, and never "
             "rewrite an entry the host has not acknowledged";
    case shm::Reject::StaleSeq:
      return "store seq = req_head + 1 in ring[seq % 16] before publishing req_head = seq";
    case shm::Reject::UnknownOp:
      return "use an op from devmodel-protocol.md (1..9)";
    case shm::Reject::ReservedBits:
      return "write 0 to flags, reserved and every argument bit the op does not define";
    case shm::Reject::RingOverflow:
      return "keep at most 16 requests unacknowledged (req_head - ack_seq <= 16)";
    case shm::Reject::ModeMismatch:
      return "LDR/DFR writes exist only in xAPIC mode; see Header::apic_mode";
    case shm::Reject::TraceOverflow:
      return "drop records (and count them in RingHeader::dropped) while head - tail == "
             "capacity";
    case shm::Reject::BadInta:
      return "post IntaPosted only with Slot::next_vector from a consistent view whose ack_seq "
             "equals your req_head; otherwise use Inta";
  }
  return "";
}

}  // namespace xcallsim::devmodel
