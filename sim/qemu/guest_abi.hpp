// Contract: the guest trace area, the one memory layout shared by the
// bare-metal guest (guest/trace/recorder.cpp writes it) and the host
// (sim/qemu/guest_trace.cpp reads it from the guest's RAM file).
// Freestanding: fixed-width integers and arrays only, little-endian x86-64.
//
// The area sits at guest-physical kAreaPhys (identity-mapped in the guest;
// file offset kAreaPhys of the RAM backend on `-machine pc`, whose RAM below
// 3.5 GiB is linear). The guest fills the header, then writes `magic` last;
// the host trusts nothing: every count is clamped to the limits below and to
// the file size before use.
//
// Rings: CPU k's ring holds `capacity` 32-byte records at
// kAreaPhys + header_bytes + k * capacity * 32. Only CPU k writes it, with
// IRQs off: record slot (head % capacity) first, then head += 1 (release).
// `head` counts every record ever written, so head > capacity means the ring
// wrapped and head - capacity of the oldest records were overwritten; the
// host reports that and marks the trace incomplete. Records use the trace
// wire layout (docs/trace-format.md) with two differences: `time` is the raw
// guest TSC, and masks (XcallIssue c with kMaskTarget in d, IpiSend a with
// kMaskTarget) are CPU bitmaps, not mask ids.
#pragma once

#include <stdint.h>

namespace xcallsim::qemu::abi {

inline constexpr uint64_t kAreaPhys = 0x0100'0000;  // 16 MiB, above the guest image
inline constexpr char kMagic[8] = {'X', 'C', 'S', 'G', 'T', 'R', 'C', '1'};
inline constexpr uint32_t kVersion = 1;
inline constexpr int kMaxCpus = 16;
inline constexpr int kMaxFuncs = 32;
inline constexpr int kNameBytes = 32;  // NUL-padded
inline constexpr uint32_t kRecordBytes = 32;
inline constexpr uint32_t kDefaultCapacity = 16384;  // records per CPU
inline constexpr uint32_t kMaxCapacity = 1u << 20;
// csd slots per CPU for smp_xcall_private (the simulator's Options default).
inline constexpr int kPrivateSlots = 4;

// What the guest as a whole is doing (AreaHeader::status).
enum class GuestStatus : uint32_t {
  Booting = 1,    // header written, APs coming up
  Running = 2,    // scenario programs running
  Draining = 3,   // every program returned; waiting for queued functions
  Passed = 4,     // checks passed; about to exit with status 33
  Failed = 5,     // a check failed or the library warned (status 35)
  Exception = 6,  // CPU exception (status 37)
  Panic = 7,      // runtime panic (status 39)
};

// What one CPU is doing (CpuSlot::phase), for the timeout report.
enum class CpuPhase : uint32_t {
  Offline = 0,
  Booting = 1,
  Idle = 2,     // online, waiting for its program (sti; hlt)
  Program = 3,  // running its scenario program
  Done = 4,     // program returned; idling, still taking IPIs
  Fault = 5,    // took an exception
};

struct CpuSlot {
  uint64_t head;   // records ever written to this CPU's ring
  uint32_t phase;  // CpuPhase
  uint32_t apic_id;
  uint64_t phase_tsc;  // when `phase` last changed
  uint32_t lost;       // records not written (call/func stack overflow)
  uint32_t pad0;
  uint64_t pad1[4];
};
static_assert(sizeof(CpuSlot) == 64);

struct AreaHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;  // offset of ring 0 from kAreaPhys
  uint32_t cpu_count;     // CPUs brought online (<= kMaxCpus)
  uint32_t capacity;      // records per CPU ring
  uint32_t status;        // GuestStatus
  uint32_t func_count;    // entries of func_names in use
  uint64_t tsc_khz;       // calibrated guest TSC rate
  uint64_t smp_up_tsc;    // every AP online
  uint64_t start_tsc;     // scenario programs released
  uint64_t end_tsc;       // checks done
  uint64_t first_xcall_tsc;
  uint64_t iters, burst;  // the scenario parameters in effect
  char scenario[kNameBytes];
  char func_names[kMaxFuncs][kNameBytes];  // func id -> name
  CpuSlot cpus[kMaxCpus];
};

inline constexpr uint32_t kHeaderBytes = 4096;
static_assert(sizeof(AreaHeader) <= kHeaderBytes);

// Bytes of guest RAM the area needs above kAreaPhys.
constexpr uint64_t area_bytes(uint32_t capacity) {
  return kHeaderBytes + uint64_t{kMaxCpus} * capacity * kRecordBytes;
}

}  // namespace xcallsim::qemu::abi
