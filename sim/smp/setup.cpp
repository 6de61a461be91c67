// Core, construction: the arena layout (xcall state, csds, idle flags,
// fiber stacks), the library instance, and the setup calls.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

namespace {

#if defined(XCALLSIM_ASAN_FIBERS)
constexpr std::size_t kDefaultStackBytes = 512 * 1024;  // ASan's redzones inflate frames
#else
constexpr std::size_t kDefaultStackBytes = 128 * 1024;
#endif

constexpr std::size_t kPrefaultStackBytes = 2 * kPageBytes;

thread_local Core* t_current = nullptr;

}  // namespace

Core* Core::current() {
  return t_current;
}

Core* Core::set_current(Core* core) {
  Core* const previous = t_current;
  t_current = core;
  return previous;
}

Core::Core(const machine::MachineConfig& config, Options options)
    : config_(config),
      options_(options),
      topology_(config_),
      cache_(topology_, config_.cache),
      apic_(topology_, config_.apic.costs) {
  const int n = topology_.cpu_count();
  if (n > kMaxCpus) {
    throw std::invalid_argument("smp: the machine has " + std::to_string(n) +
                                " CPUs; the simulator supports at most " +
                                std::to_string(kMaxCpus));
  }
  if (options_.private_slots < 0) throw std::invalid_argument("smp: private_slots must be >= 0");
  if (!(options_.stuck_timeout_ns > 0))
    throw std::invalid_argument("smp: stuck_timeout_ns must be > 0");
  recorder_.init(n, config_.ghz);
  layout_arena();
  xcall_ = std::make_unique<XcallLib>(
      platform_, *state_, xcall::XcallOptions{options_.profile, options_.csd_lock_wait_debug});
  cpus_.resize(static_cast<std::size_t>(n));
  resumes_ = engine::WakeQueue(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    CpuState& c = cpus_[static_cast<std::size_t>(i)];
    c.id = i;
    c.stores = StoreBuffer(static_cast<std::size_t>(config_.cache.store_buffer));
    if (config_.cache.store_buffer > 0)
      c.fill_free.assign(static_cast<std::size_t>(config_.cache.fill_buffers), 0);
  }
  online_ = Mask::first_n(n);
  stuck_timeout_ = static_cast<Cycles>(std::llround(options_.stuck_timeout_ns * config_.ghz));
  limit_ = options_.time_limit != 0 ? std::min(options_.time_limit, kEndOfTime) : kEndOfTime;

  const auto& apic = config_.apic;
  policy_.mode = apic.mode == machine::ApicMode::X2Apic ? xcall::x86::ApicMode::X2Apic
                                                        : xcall::x86::ApicMode::XApic;
  policy_.dest_mode =
      apic.dest_mode == machine::IpiDestMode::Physical      ? xcall::x86::DestMode::Physical
      : apic.dest_mode == machine::IpiDestMode::LogicalFlat ? xcall::x86::DestMode::LogicalFlat
                                                            : xcall::x86::DestMode::LogicalCluster;
  if (config_.virt) {  // kvm_setup_pv_ipi() when KVM_FEATURE_PV_SEND_IPI is exposed
    policy_.pv_send_ipi = config_.virt->pv_send_ipi;
    policy_.pv_bitmap_bits = config_.virt->pv_ipi_bitmap_bits;
    apic_.set_virtual_icr(!config_.virt->icr_passthrough);  // a passed-through APIC is real
  }
  if (apic.mode == machine::ApicMode::XApic &&
      apic.dest_mode == machine::IpiDestMode::LogicalCluster) {
    for (int cpu = 0; cpu < n; ++cpu) {  // program what logical_id() assumes
      apic_.write_dfr(cpu, apic::kDfrCluster);
      apic_.write_ldr(cpu, logical_id(cpu) << 24);
    }
  }
  apic_.set_listener([this](const apic::Event& e) { on_apic_event(e); });
}

Core::~Core() {
  Core* const saved = set_current(this);
  for (CpuState& c : cpus_) {  // unwind every suspended program before the arena goes
    running_ = c.id;
    c.fiber.reset();
  }
  set_current(saved);
}

void Core::layout_arena() {
  using PerCpu = xcall::XcallPerCpu<SimPlatform>;
  using State = xcall::XcallState<SimPlatform>;
  const auto n = static_cast<std::size_t>(topology_.cpu_count());
  const auto slots = static_cast<std::size_t>(options_.private_slots);
  stack_bytes_ =
      align_up(options_.stack_bytes != 0 ? options_.stack_bytes : kDefaultStackBytes, kPageBytes);
  stack_stride_ = kPageBytes + stack_bytes_;  // a guard page below each stack
  private_stride_ = align_up(std::max<std::size_t>(slots, 1) * sizeof(Csd), kLineBytes);

  struct Piece {
    std::size_t bytes, align;
  };
  const Piece pieces[] = {
      {sizeof(State), kLineBytes},       {n * sizeof(PerCpu), alignof(PerCpu)},
      {n * n * sizeof(Csd), kLineBytes}, {n * private_stride_, kLineBytes},
      {n * kLineBytes, kLineBytes},      {kScratchWords * kLineBytes, kLineBytes},
      {n * stack_stride_, kPageBytes}};
  std::size_t total = 0;
  for (const Piece& p : pieces) total = align_up(total, p.align) + p.bytes;
  arena_ = std::make_unique<Arena>(total);

  void* state_at = arena_->carve(pieces[0].bytes, pieces[0].align);
  percpu_ = static_cast<PerCpu*>(arena_->carve(pieces[1].bytes, pieces[1].align));
  cfd_ = static_cast<Csd*>(arena_->carve(pieces[2].bytes, pieces[2].align));
  private_base_ = static_cast<char*>(arena_->carve(pieces[3].bytes, pieces[3].align));
  idle_flags_base_ = static_cast<char*>(arena_->carve(pieces[4].bytes, pieces[4].align));
  scratch_base_ = static_cast<char*>(arena_->carve(pieces[5].bytes, pieces[5].align));
  stacks_base_ = static_cast<char*>(arena_->carve(pieces[6].bytes, pieces[6].align));
  for (int i = 0; i < kScratchWords; ++i) ::new (scratch_base_ + i * kLineBytes) Word32{};

  std::uninitialized_value_construct_n(percpu_, n);
  std::uninitialized_value_construct_n(cfd_, n * n);
  for (std::size_t cpu = 0; cpu < n; ++cpu) {
    std::uninitialized_value_construct_n(
        reinterpret_cast<Csd*>(private_base_ + cpu * private_stride_), slots);
    ::new (idle_flags_base_ + cpu * kLineBytes) Word32{};
    arena_->guard(stacks_base_ + cpu * stack_stride_, kPageBytes);
    // Fault in the top of the stack now, where a fiber lives (runs use one or
    // two pages), so the first switch to each CPU does not page-fault
    // mid-run. The arena is zero already: this writes what is there.
    const std::size_t warm = std::min(kPrefaultStackBytes, stack_bytes_);
    std::memset(stacks_base_ + (cpu + 1) * stack_stride_ - warm, 0, warm);
  }
  state_ = ::new (state_at) State(percpu_, cfd_, static_cast<int>(n));
  stacks_line_ = arena_->line_of(stacks_base_);
  stack_stride_lines_ = static_cast<machine::LineId>(stack_stride_ / kLineBytes);
  line_ids_.assign(stacks_line_ + n, 0);
}

Csd& Core::private_csd(int cpu, int slot) {
  if (slot < 0 || slot >= options_.private_slots) {
    throw std::out_of_range("smp: private csd slot " + std::to_string(slot) + " (CPUs have " +
                            std::to_string(options_.private_slots) +
                            " slots, Options::private_slots)");
  }
  return reinterpret_cast<Csd*>(private_base_ +
                                static_cast<std::size_t>(cpu) * private_stride_)[slot];
}

Word32& Core::scratch_word(int word) {
  if (word < 0 || word >= kScratchWords)
    throw std::out_of_range("smp: scratch word " + std::to_string(word) + " (there are " +
                            std::to_string(kScratchWords) + ")");
  return *std::launder(reinterpret_cast<Word32*>(scratch_base_ + word * kLineBytes));
}

Word32& Core::idle_flags(int cpu) {
  return *std::launder(
      reinterpret_cast<Word32*>(idle_flags_base_ + static_cast<std::size_t>(cpu) * kLineBytes));
}

CpuState& Core::enter(int id) {
  if (running_ != id) {
    throw std::logic_error("smp: CPU " + std::to_string(id) +
                           "'s handle used outside its own program (running: CPU " +
                           std::to_string(running_) + ")");
  }
  return running();
}

FuncId Core::add_function(FuncSpec spec) {
  if (ran_) throw std::logic_error("smp: add_function() after run()");
  for (const FuncSpec& f : functions_)
    if (f.name == spec.name)
      throw std::invalid_argument("smp: function `" + spec.name + "` registered twice");
  recorder_.add_function(spec.name);
  functions_.push_back(std::move(spec));
  return static_cast<FuncId>(functions_.size() - 1);
}

FuncId Core::function(std::string_view name) const {
  for (std::size_t i = 0; i < functions_.size(); ++i)
    if (functions_[i].name == name) return static_cast<FuncId>(i);
  throw std::out_of_range("smp: no function named `" + std::string(name) + "`");
}

void Core::add_vector_handler(std::uint8_t vector, VectorHandler handler) {
  if (vector == xcall::x86::CALL_FUNCTION_VECTOR ||
      vector == xcall::x86::CALL_FUNCTION_SINGLE_VECTOR || vector < 16)
    throw std::invalid_argument("smp: vector " + std::to_string(vector) +
                                " cannot have a scenario handler");
  vector_handlers_[vector] = std::move(handler);
}

void Core::set_program(int id, Program program) {
  if (ran_) throw std::logic_error("smp: set_program() after run()");
  cpu(id).program = std::move(program);
}

void Core::set_online(int id, bool online) {
  if (ran_) throw std::logic_error("smp: set_online() after run()");
  cpu(id).online = online;
  if (online)
    online_.set(id);
  else
    online_.clear(id);
}

}  // namespace xcallsim::smp::detail
