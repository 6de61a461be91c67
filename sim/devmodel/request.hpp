// Contract: decoding one guest request (a private copy, see shm_access.hpp)
// into a validated command, or a rejection. Pure: no shared memory, no APIC
// state; total over every bit pattern (the libFuzzer target's subject).
// Validation order: check word (tearing), then sequence number, then
// reserved fields, then op, then the op's own argument rules. ICR values are
// passed through untouched: the APIC model judges them (ESR / SendStatus).
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/devmodel/shm_layout.hpp"

namespace xcallsim::devmodel {

struct Command {
  shm::Op op = shm::Op::None;
  std::uint32_t seq = 0;
  std::uint32_t arg0 = 0, arg1 = 0;
  std::uint64_t tsc = 0;
};

struct Decoded {
  shm::Reject reject = shm::Reject::None;  // None: `command` is valid
  Command command;
  std::uint32_t detail = 0;  // for messages: the offending value
};

Decoded decode_request(const shm::Request& copy, std::uint32_t expected_seq);

// A well-formed request (check word computed), for guests written in C++ and tests.
shm::Request make_request(std::uint32_t seq, shm::Op op, std::uint32_t arg0 = 0,
                          std::uint32_t arg1 = 0, std::uint64_t tsc = 0);

std::string_view to_string(shm::Op op);
std::string_view to_string(shm::Reject reject);
// One line: what the guest did wrong and how to fix it.
std::string_view fix_for(shm::Reject reject);

}  // namespace xcallsim::devmodel
