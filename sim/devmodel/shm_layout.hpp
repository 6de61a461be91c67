// Contract: the shared-memory layout between the xcallsim device model (the
// host, ivshmem peer 0) and the bare-metal guest (docs/devmodel-protocol.md,
// version 2). This header is the wire format: freestanding (only <stdint.h>
// and <stddef.h>), no std headers, no functions with side effects, so the
// guest includes the very same file. Every offset and size is pinned by a
// static_assert; every numeric id (ops, rejections, states) is never reused
// or renumbered: a change of layout or meaning bumps kVersion.
// - Ownership: each field has exactly one writer, named in its comment;
//   guest-written and host-written fields never share a 64-byte line.
// - Ordering: a writer publishes payload first and the sequence/head word
//   last (release); a reader loads the sequence/head word first (acquire).
// - The host trusts nothing the guest wrote: it copies each request once and
//   validates it (request_check, seq, reserved fields).
// - Doorbells (guest -> host eventfd) and MSI-X vectors (host -> guest) are
//   only coalescing wake-ups; payloads and sequence numbers live here.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace xcallsim::devmodel::shm {

inline constexpr uint64_t kMagic = 0x4C444D5645444358ull;  // ASCII "XCDEVMDL", little-endian
inline constexpr uint16_t kVersion = 2;                    // 2: Op::IntaPosted, Slot::next_vector
inline constexpr uint32_t kHeaderSize = 4096;              // the header page
inline constexpr uint32_t kSlotSize = 1024;                // one per CPU, from Header::slot_offset
inline constexpr uint32_t kRequestEntries = 16;            // per-CPU request ring (power of two)
inline constexpr uint32_t kRingHeaderSize = 128;
inline constexpr uint32_t kTraceEntrySize = 32;  // = the trace file's record (trace-format.md)
inline constexpr uint32_t kMaxCpus = 256;
inline constexpr uint32_t kMinRingCapacity = 16;  // trace records per CPU (power of two)
inline constexpr uint32_t kMaxRingCapacity = 1u << 20;

// Header::host_state (host-written).
inline constexpr uint32_t kHostInitializing = 0;
inline constexpr uint32_t kHostReady = 0x52445948;    // "HYDR": layout valid, requests served
inline constexpr uint32_t kHostStopped = 0x504F5453;  // "STOP": no further requests served
// Header::guest_state and Slot::cpu_ready (guest-written).
inline constexpr uint32_t kGuestReady = 0x59444552;  // "REDY"
// Header::apic_mode (host-written).
inline constexpr uint32_t kApicModeXApic = 0;
inline constexpr uint32_t kApicModeX2Apic = 1;
// Slot::inta_vector when no vector was deliverable.
inline constexpr uint32_t kNoVector = 0xFFFFFFFFu;

// Request::op. Never reuse or renumber.
enum class Op : uint16_t {
  None = 0,        // invalid (an unwritten entry)
  IcrWrite = 1,    // arg0 = ICR low; arg1 = xAPIC ICR2 (dest << 24) / x2APIC dest
  SelfIpi = 2,     // arg0 = vector (x2APIC SELF IPI MSR), arg1 = 0
  Eoi = 3,         // arg0 = arg1 = 0
  TprWrite = 4,    // arg0 = TPR (0..255), arg1 = 0
  EsrWrite = 5,    // latch the accumulated ESR into Slot::esr; args 0
  LdrWrite = 6,    // arg0 = LDR (xAPIC only), arg1 = 0
  DfrWrite = 7,    // arg0 = DFR (xAPIC only), arg1 = 0
  Inta = 8,        // the CPU took its MSI-X: dispatch the highest deliverable vector
  IntaPosted = 9,  // the CPU took its MSI-X and dispatched arg0 = Slot::next_vector itself
};
inline constexpr uint16_t kMaxOp = 9;

// Why the host refused a request or ring (Slot::last_reject, Stats). Never
// reuse or renumber. Requests that reach the APIC model and are invalid there
// are APIC errors (ESR / SendStatus), not rejections.
enum class Reject : uint32_t {
  None = 0,
  Torn = 1,           // Request::check does not match the copy: rewritten mid-read
  StaleSeq = 2,       // Request::seq is not the sequence number being consumed
  UnknownOp = 3,      // op 0 or > kMaxOp
  ReservedBits = 4,   // a reserved field or bit is not 0
  RingOverflow = 5,   // req_head ran more than kRequestEntries ahead of ack_seq
  ModeMismatch = 6,   // register absent in this APIC mode (hardware: #GP)
  TraceOverflow = 7,  // trace ring head ran more than capacity ahead of tail
  BadInta = 8,        // Op::IntaPosted of a vector that is not pending above the PPR
};
inline constexpr uint32_t kRejectKinds = 9;

// Header page at offset 0.
struct Header {
  // --- host-written, before host_state = kHostReady (read-only afterwards) ---
  uint64_t magic;            // 0x000 kMagic
  uint16_t version;          // 0x008 kVersion
  uint16_t reserved0;        // 0x00A 0
  uint32_t header_size;      // 0x00C kHeaderSize
  uint64_t shm_size;         // 0x010 size of the whole region (power of two)
  uint32_t cpu_count;        // 0x018 CPUs modelled = slots = trace rings = MSI-X vectors
  uint32_t apic_mode;        // 0x01C kApicModeXApic / kApicModeX2Apic
  uint32_t model_khz;        // 0x020 model clock (cycles per ms)
  uint32_t slot_offset;      // 0x024 first Slot
  uint32_t slot_size;        // 0x028 kSlotSize
  uint32_t request_entries;  // 0x02C kRequestEntries
  uint32_t ring_offset;      // 0x030 first trace ring
  uint32_t ring_stride;      // 0x034 bytes from one CPU's ring to the next
  uint32_t ring_capacity;    // 0x038 records per ring (power of two)
  uint32_t host_peer_id;     // 0x03C ivshmem peer id of the host (doorbell target)
  uint32_t host_state;       // 0x040 kHostInitializing / kHostReady / kHostStopped (last)
  uint8_t reserved1[0x3C];   // 0x044..0x07F
  // --- guest-written ---
  uint32_t guest_state;     // 0x080 kGuestReady once every slot it uses is ready
  uint32_t guest_tsc_khz;   // 0x084 guest TSC rate (0: unknown, model clock = TSC)
  uint32_t guest_cpus;      // 0x088 CPUs the guest brought up
  uint32_t guest_peer_id;   // 0x08C IVPosition the guest read (informational)
  uint8_t reserved2[0x70];  // 0x090..0x0FF
  uint8_t reserved3[kHeaderSize - 0x100];
};

// One request, 32 bytes. Written by the guest, then published by Slot::req_head.
struct Request {
  uint32_t seq;       // 0x00 this request's sequence number (1, 2, ...; wraps)
  uint16_t op;        // 0x04 Op
  uint16_t flags;     // 0x06 reserved, 0
  uint32_t arg0;      // 0x08
  uint32_t arg1;      // 0x0C
  uint64_t tsc;       // 0x10 guest TSC when the request was made
  uint32_t reserved;  // 0x18 0
  uint32_t check;     // 0x1C request_check() of the fields above
};

// Per-CPU register slot, kSlotSize bytes. Request seq s lives in ring[s % kRequestEntries].
struct Slot {
  // --- guest-written (0x000..0x2FF) ---
  uint32_t cpu_ready;             // 0x000 kGuestReady: this CPU's MSI-X vector is enabled
  uint32_t guest_apic_id;         // 0x004 the vCPU's real APIC id (informational)
  uint32_t req_head;              // 0x008 sequence number of the last published request
  uint32_t reserved_g0;           // 0x00C
  uint8_t reserved_g1[0x30];      // 0x010..0x03F
  Request ring[kRequestEntries];  // 0x040..0x23F
  uint8_t reserved_g2[0xC0];      // 0x240..0x2FF
  // --- host-written (0x300..0x3FF); ack_seq is stored last (release) ---
  uint32_t ack_seq;          // 0x300 sequence number of the last consumed request
  uint32_t icr_lo;           // 0x304 last ICR low written; bit 12 = xAPIC delivery status
  uint32_t icr_hi;           // 0x308 last ICR high / ICR2 written
  uint32_t esr;              // 0x30C readable ESR (latched by Op::EsrWrite)
  uint32_t tpr;              // 0x310
  uint32_t ppr;              // 0x314
  uint32_t inta_vector;      // 0x318 vector dispatched by the last Op::Inta, or kNoVector
  uint32_t inta_seq;         // 0x31C seq of that Op::Inta
  uint32_t apic_id;          // 0x320 the modelled APIC id: the destination to put in ICRs
  uint32_t ldr;              // 0x324 modelled LDR (x2APIC: the derived logical id)
  uint32_t dfr;              // 0x328 modelled DFR (x2APIC: 0)
  uint32_t rejects;          // 0x32C requests of this CPU rejected so far (saturating)
  uint32_t last_reject;      // 0x330 Reject of the latest rejection
  uint32_t view_seq;         // 0x334 odd while the host rewrites 0x304..0x3AB
  uint64_t model_time;       // 0x338 model cycle time of the last request consumed
  uint32_t irr[8];           // 0x340 IRR, vectors 32 i .. 32 i + 31 in irr[i]
  uint32_t isr[8];           // 0x360
  uint32_t tmr[8];           // 0x380
  uint64_t icr_idle_at;      // 0x3A0 model time the xAPIC delivery status clears (modelled busy)
  uint32_t next_vector;      // 0x3A8 highest deliverable vector in this view, or kNoVector
  uint8_t reserved_h[0x54];  // 0x3AC..0x3FF
};

// One trace record in a ring: the trace file's record layout
// (docs/trace-format.md), with time = guest TSC. The host rewrites time to
// model cycles and cpu to the ring's CPU.
struct TraceEntry {
  uint64_t time;        // 0x00 guest TSC
  uint16_t kind;        // 0x08 trace::Kind
  uint16_t cpu;         // 0x0A ignored (the ring says which CPU)
  uint32_t call;        // 0x0C
  uint32_t a, b, c, d;  // 0x10..0x1F
};

// Per-CPU trace ring header; Header::ring_capacity TraceEntry follow it.
// Record number n (0-based) lives at entry n % capacity.
struct RingHeader {
  uint32_t head;             // 0x00 guest: records published (wrapping), stored last
  uint32_t dropped;          // 0x04 guest: records it dropped because the ring was full
  uint8_t reserved_g[0x38];  // 0x08..0x3F
  uint32_t tail;             // 0x40 host: records consumed
  uint32_t overflows;        // 0x44 host: times head was found > capacity ahead of tail
  uint32_t lost;             // 0x48 host: records discarded by those overflows (saturating)
  uint8_t reserved_h[0x34];  // 0x4C..0x7F
};

// FNV-1a over the seven 32-bit words before `check`. Freestanding, constexpr;
// guest and host compute the same value.
constexpr uint32_t request_check(uint32_t seq, uint16_t op, uint16_t flags, uint32_t arg0,
                                 uint32_t arg1, uint64_t tsc, uint32_t reserved) {
  const uint32_t words[7] = {seq,
                             static_cast<uint32_t>(op) | (static_cast<uint32_t>(flags) << 16),
                             arg0,
                             arg1,
                             static_cast<uint32_t>(tsc),
                             static_cast<uint32_t>(tsc >> 32),
                             reserved};
  uint32_t h = 2166136261u;
  for (uint32_t w : words) {
    for (int i = 0; i < 4; ++i) {
      h ^= (w >> (8 * i)) & 0xFFu;
      h *= 16777619u;
    }
  }
  return h;
}
constexpr uint32_t request_check(const Request& r) {
  return request_check(r.seq, r.op, r.flags, r.arg0, r.arg1, r.tsc, r.reserved);
}

// Where things are, for a given CPU count and ring capacity (the host writes
// the same values into the Header; the guest must use the Header's).
constexpr uint32_t align_up(uint32_t v, uint32_t a) {
  return (v + a - 1) / a * a;
}
constexpr uint32_t slot_offset() {
  return kHeaderSize;
}
constexpr uint32_t ring_offset(uint32_t cpus) {
  return align_up(kHeaderSize + cpus * kSlotSize, 4096);
}
constexpr uint32_t ring_stride(uint32_t capacity) {
  return align_up(kRingHeaderSize + capacity * kTraceEntrySize, 4096);
}
constexpr uint64_t layout_end(uint32_t cpus, uint32_t capacity) {
  return static_cast<uint64_t>(ring_offset(cpus)) +
         static_cast<uint64_t>(cpus) * ring_stride(capacity);
}

static_assert(sizeof(Header) == kHeaderSize);
static_assert(offsetof(Header, version) == 0x008);
static_assert(offsetof(Header, shm_size) == 0x010);
static_assert(offsetof(Header, cpu_count) == 0x018);
static_assert(offsetof(Header, model_khz) == 0x020);
static_assert(offsetof(Header, slot_offset) == 0x024);
static_assert(offsetof(Header, ring_offset) == 0x030);
static_assert(offsetof(Header, ring_capacity) == 0x038);
static_assert(offsetof(Header, host_state) == 0x040);
static_assert(offsetof(Header, guest_state) == 0x080);
static_assert(offsetof(Header, guest_peer_id) == 0x08C);
static_assert(sizeof(Request) == 32);
static_assert(offsetof(Request, op) == 0x04);
static_assert(offsetof(Request, arg0) == 0x08);
static_assert(offsetof(Request, tsc) == 0x10);
static_assert(offsetof(Request, check) == 0x1C);
static_assert(sizeof(Slot) == kSlotSize);
static_assert(offsetof(Slot, req_head) == 0x008);
static_assert(offsetof(Slot, ring) == 0x040);
static_assert(offsetof(Slot, ack_seq) == 0x300);
static_assert(offsetof(Slot, inta_vector) == 0x318);
static_assert(offsetof(Slot, apic_id) == 0x320);
static_assert(offsetof(Slot, view_seq) == 0x334);
static_assert(offsetof(Slot, model_time) == 0x338);
static_assert(offsetof(Slot, irr) == 0x340);
static_assert(offsetof(Slot, isr) == 0x360);
static_assert(offsetof(Slot, tmr) == 0x380);
static_assert(offsetof(Slot, icr_idle_at) == 0x3A0);
static_assert(offsetof(Slot, next_vector) == 0x3A8);
static_assert(sizeof(TraceEntry) == kTraceEntrySize);
static_assert(offsetof(TraceEntry, kind) == 0x08);
static_assert(offsetof(TraceEntry, a) == 0x10);
static_assert(sizeof(RingHeader) == kRingHeaderSize);
static_assert(offsetof(RingHeader, tail) == 0x40);
static_assert((kRequestEntries & (kRequestEntries - 1)) == 0);
static_assert(request_check(0, 0, 0, 0, 0, 0, 0) != 0);

}  // namespace xcallsim::devmodel::shm
