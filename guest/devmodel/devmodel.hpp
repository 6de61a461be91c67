// Contract: the guest's side of docs/devmodel-protocol.md over a region that
// is already mapped (ivshmem BAR2) and a doorbell callback (a 32-bit write of
// (host_peer_id << 16) | 0 to BAR0 + 0x0C). Header-only and freestanding
// (<stdint.h>, shm_layout.hpp, __atomic builtins; no heap, no libc), so the
// bare-metal guest and the host tests (tests/devmodel/test_guest_side.cpp,
// against the real server) compile the very same code.
// - attach() validates the header once; every later access uses the offsets
//   it read (never the guest's own assumptions).
// - One DevmodelCpu per CPU, used only on that CPU, with IRQs off around
//   each call that posts (an interrupt handler on the same CPU must not
//   interleave two posts). Waits spin with Port::relax and give up after
//   Port::spin_limit iterations (returning false / kTimeout), never hang.
// - Delivery status (xAPIC busy): an IcrWrite is "busy" until acknowledged;
//   icr_write() waits for the previous one first, as Linux waits for idle.
#pragma once

#include <stdint.h>

#include "sim/devmodel/shm_layout.hpp"
#include "sim/trace/records.hpp"

namespace guest::devmodel {

namespace shm = ::xcallsim::devmodel::shm;

struct Port {
  uint8_t* base = nullptr;                // BAR2 mapping
  uint64_t size = 0;                      // BAR2 size
  void (*doorbell)(void* ctx) = nullptr;  // write BAR0 + 0x0C
  void* ctx = nullptr;
  uint64_t (*now)() = nullptr;        // rdtsc (request timestamps)
  void (*relax)() = nullptr;          // pause
  uint64_t spin_limit = 200'000'000;  // iterations before a wait gives up
};

enum class AttachStatus : uint32_t { Ok, BadMagic, BadVersion, BadLayout, TooFewCpus, NotReady };

inline constexpr int kNoVector = -1;
inline constexpr int kTimeout = -2;

namespace detail {
template <class T>
inline T load(const T* p) {
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
template <class T>
inline void store(T* p, T v) {
  __atomic_store_n(p, v, __ATOMIC_RELAXED);
}
template <class T>
inline void publish(T* p, T v) {
  __atomic_store_n(p, v, __ATOMIC_RELEASE);
}
inline bool after_or_at(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) >= 0;
}
}  // namespace detail

inline shm::Header* header(const Port& port) {
  return reinterpret_cast<shm::Header*>(port.base);
}

// Checks what the host published (magic, version, sizes, offsets inside the
// BAR, host_state ready) for `cpus` CPUs.
inline AttachStatus attach(const Port& port, uint32_t cpus) {
  if (port.base == nullptr || port.size < shm::kHeaderSize) return AttachStatus::BadLayout;
  const shm::Header* h = header(port);
  if (detail::load(&h->host_state) != shm::kHostReady) return AttachStatus::NotReady;
  if (h->magic != shm::kMagic) return AttachStatus::BadMagic;
  if (h->version != shm::kVersion) return AttachStatus::BadVersion;
  if (h->header_size != shm::kHeaderSize || h->slot_size != shm::kSlotSize ||
      h->request_entries != shm::kRequestEntries || h->shm_size > port.size ||
      h->ring_capacity < shm::kMinRingCapacity || (h->ring_capacity & (h->ring_capacity - 1)) != 0)
    return AttachStatus::BadLayout;
  const uint64_t slots_end = uint64_t{h->slot_offset} + uint64_t{h->cpu_count} * h->slot_size;
  const uint64_t rings_end = uint64_t{h->ring_offset} + uint64_t{h->cpu_count} * h->ring_stride;
  if (slots_end > h->ring_offset || rings_end > port.size ||
      h->ring_stride < shm::kRingHeaderSize + uint64_t{h->ring_capacity} * shm::kTraceEntrySize)
    return AttachStatus::BadLayout;
  if (h->cpu_count < cpus) return AttachStatus::TooFewCpus;
  return AttachStatus::Ok;
}

// After every CPU called DevmodelCpu::set_ready(): the guest as a whole.
inline void publish_guest_ready(const Port& port, uint32_t tsc_khz, uint32_t cpus,
                                uint32_t peer_id) {
  shm::Header* h = header(port);
  detail::store(&h->guest_tsc_khz, tsc_khz);
  detail::store(&h->guest_cpus, cpus);
  detail::store(&h->guest_peer_id, peer_id);
  detail::publish(&h->guest_state, shm::kGuestReady);
  port.doorbell(port.ctx);  // pending vectors are signalled now
}

class DevmodelCpu {
 public:
  void init(const Port* port, int cpu) {
    port_ = port;
    const shm::Header* h = header(*port);
    slot_ = reinterpret_cast<shm::Slot*>(port->base + h->slot_offset +
                                         static_cast<uint64_t>(cpu) * h->slot_size);
    ring_ = reinterpret_cast<shm::RingHeader*>(port->base + h->ring_offset +
                                               static_cast<uint64_t>(cpu) * h->ring_stride);
    capacity_ = h->ring_capacity;
    head_ = detail::load(&slot_->ack_seq);  // continue after whatever came before
    last_icr_ = head_;
    trace_head_ = detail::load(&ring_->tail);
  }

  // MSI-X vector `cpu` is programmed to this vCPU and its handler installed.
  void set_ready(uint32_t real_apic_id) {
    detail::store(&slot_->guest_apic_id, real_apic_id);
    detail::publish(&slot_->cpu_ready, shm::kGuestReady);
  }

  // Posts one request (waiting for ring space); 0 on timeout.
  uint32_t post(shm::Op op, uint32_t arg0 = 0, uint32_t arg1 = 0) {
    const uint32_t seq = head_ + 1;
    if (!wait_ack(seq - shm::kRequestEntries)) return 0;
    shm::Request* e = &slot_->ring[seq % shm::kRequestEntries];
    const uint64_t tsc = port_->now != nullptr ? port_->now() : 0;
    detail::store(&e->seq, seq);
    detail::store(&e->op, static_cast<uint16_t>(op));
    detail::store(&e->flags, uint16_t{0});
    detail::store(&e->arg0, arg0);
    detail::store(&e->arg1, arg1);
    detail::store(&e->tsc, tsc);
    detail::store(&e->reserved, uint32_t{0});
    detail::store(&e->check,
                  shm::request_check(seq, static_cast<uint16_t>(op), 0, arg0, arg1, tsc, 0));
    detail::publish(&slot_->req_head, seq);
    head_ = seq;
    return seq;
  }
  void ring() const { port_->doorbell(port_->ctx); }

  bool wait_ack(uint32_t seq) const {
    for (uint64_t i = 0; i < port_->spin_limit; ++i) {
      if (detail::after_or_at(detail::load(&slot_->ack_seq), seq)) return true;
      if (port_->relax != nullptr) port_->relax();
    }
    return false;
  }

  // An ICR write (Linux order: wait until the previous one is delivered).
  bool icr_write(uint32_t lo, uint32_t hi) {
    if (!wait_ack(last_icr_)) return false;
    const uint32_t seq = post(shm::Op::IcrWrite, lo, hi);
    if (seq == 0) return false;
    last_icr_ = seq;
    ring();
    return true;
  }
  bool icr_busy() const { return !detail::after_or_at(detail::load(&slot_->ack_seq), last_icr_); }

  // The model's INTA: the vector to run, kNoVector, or kTimeout.
  int inta() {
    const uint32_t seq = post(shm::Op::Inta);
    if (seq == 0) return kTimeout;
    ring();
    if (!wait_ack(seq)) return kTimeout;
    for (uint64_t i = 0; i < port_->spin_limit; ++i) {  // a consistent view (view_seq)
      const uint32_t v0 = detail::load(&slot_->view_seq);
      const uint32_t iseq = detail::load(&slot_->inta_seq);
      const uint32_t vec = detail::load(&slot_->inta_vector);
      if ((v0 & 1u) == 0 && detail::load(&slot_->view_seq) == v0) {
        if (iseq != seq) return kTimeout;  // the host answered something else: protocol bug
        return vec == shm::kNoVector ? kNoVector : static_cast<int>(vec & 0xFF);
      }
      if (port_->relax != nullptr) port_->relax();
    }
    return kTimeout;
  }

  // Paravirtual INTA (protocol 2): if the host's view is consistent and
  // already reflects every request this CPU posted, Slot::next_vector is the
  // vector an INTA would return now (only this CPU's own requests can make it
  // undeliverable). Dispatch it without a round trip: post Op::IntaPosted,
  // served with the next doorbell (the handler's EOI rings it). kNoVector
  // when the view is not current or names nothing: use inta().
  int take_posted() {
    const uint32_t v0 = detail::load(&slot_->view_seq);
    const uint32_t ack = detail::load(&slot_->ack_seq);
    const uint32_t next = detail::load(&slot_->next_vector);
    if ((v0 & 1u) != 0 || detail::load(&slot_->view_seq) != v0) return kNoVector;
    if (ack != head_ || next > 0xFFu) return kNoVector;
    if (post(shm::Op::IntaPosted, next) == 0) return kTimeout;
    return static_cast<int>(next);
  }

  bool eoi() {
    if (post(shm::Op::Eoi) == 0) return false;
    ring();
    return true;
  }
  bool write_tpr(uint8_t tpr) {
    if (post(shm::Op::TprWrite, tpr) == 0) return false;
    ring();
    return true;
  }
  // ESR after latching (SDM: write, then read); 0xFFFFFFFF on timeout.
  uint32_t read_esr() {
    const uint32_t seq = post(shm::Op::EsrWrite);
    if (seq == 0) return 0xFFFFFFFFu;
    ring();
    if (!wait_ack(seq)) return 0xFFFFFFFFu;
    return detail::load(&slot_->esr);
  }

  // The modelled APIC id of `cpu`: ICR destinations use these.
  uint32_t apic_id_of(int cpu) const { return detail::load(&slot_of(cpu)->apic_id); }
  // The modelled LDR of `cpu` (x2APIC: the derived cluster << 16 | bit).
  uint32_t ldr_of(int cpu) const { return detail::load(&slot_of(cpu)->ldr); }

  // One trace record (its time and cpu are replaced: time = guest TSC, cpu
  // = 0, the ring says which), or counted as dropped if the ring is full.
  // The entry is the record's wire bytes, stored as four 64-bit words.
  void trace(::xcallsim::trace::Record record) {
    if (trace_head_ - detail::load(&ring_->tail) >= capacity_) {
      detail::store(&ring_->dropped, ring_->dropped + 1);
      return;
    }
    auto* e = reinterpret_cast<shm::TraceEntry*>(reinterpret_cast<uint8_t*>(ring_) +
                                                 shm::kRingHeaderSize) +
              (trace_head_ & (capacity_ - 1));
    record.time = port_->now != nullptr ? port_->now() : uint64_t{0};
    record.cpu = 0;
    unsigned char raw[shm::kTraceEntrySize];
    record.encode(raw);
    uint64_t words[shm::kTraceEntrySize / 8];
    __builtin_memcpy(words, raw, sizeof raw);
    auto* slot_words = reinterpret_cast<uint64_t*>(e);
    for (unsigned i = 0; i < shm::kTraceEntrySize / 8; ++i) detail::store(&slot_words[i], words[i]);
    detail::publish(&ring_->head, ++trace_head_);
  }

  shm::Slot* slot() const { return slot_; }
  const shm::Slot* slot_of(int cpu) const {
    const shm::Header* h = header(*port_);
    return reinterpret_cast<const shm::Slot*>(port_->base + h->slot_offset +
                                              static_cast<uint64_t>(cpu) * h->slot_size);
  }

 private:
  const Port* port_ = nullptr;
  shm::Slot* slot_ = nullptr;
  shm::RingHeader* ring_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t head_ = 0, last_icr_ = 0, trace_head_ = 0;
};

}  // namespace guest::devmodel
