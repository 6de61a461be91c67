// Machine config loader, [virtualization]: a KVM guest's exits and
// accelerations (docs/config-reference.md). Strict: a cost a feature makes
// meaningless (an EOI exit under virtual-interrupt delivery, an AVIC exit on
// Intel) is an error at its key, not a silently unused number.
#include <fmt/format.h>

#include <array>
#include <utility>

#include "sim/machine/virt_config.hpp"

namespace xcallsim::machine::detail {
namespace {

using config::Choice;

constexpr config::Range<std::int64_t> kCycleRange{0, 1'000'000'000};
constexpr std::array<Choice<CpuVendor>, 2> kVendors{
    {{"intel", CpuVendor::Intel}, {"amd", CpuVendor::Amd}}};
constexpr std::array<Choice<HaltMode>, 2> kHaltModes{
    {{"exit", HaltMode::Exit}, {"guest", HaltMode::Guest}}};
constexpr std::array<Choice<int>, 1> kHypervisors{{{"kvm", 0}}};
constexpr std::array<Choice<int>, 1> kPlacements{{{"pinned", 0}}};

// A cost the features need (required) or forbid (`why_not` says which
// feature makes it meaningless).
Cycles cost_if(config::Table& cost, std::string_view key, bool needed, std::string_view why_not,
               std::string_view fix_not) {
  if (needed) return static_cast<Cycles>(cost.required_int(key, kCycleRange));
  if (cost.contains(key))
    cost.fail(key, fmt::format("`virtualization.cost.{}` makes no sense here: {}", key, why_not),
              std::string(fix_not));
  return 0;
}

void feature_vendor_rule(config::Table& table, std::string_view key, bool on, CpuVendor vendor,
                         CpuVendor needs) {
  if (!on || vendor == needs) return;
  const bool intel = needs == CpuVendor::Intel;
  table.fail(key,
             fmt::format("`{}` is an {} feature but `vendor = \"{}\"`", key,
                         intel ? "Intel" : "AMD", intel ? "amd" : "intel"),
             intel ? "remove it (AMD's counterpart is `avic = true`) or set vendor = \"intel\""
                   : "remove it (Intel's counterpart is `apicv`/`ipiv`) or set vendor = \"amd\"");
}

}  // namespace

VirtConfig read_virtualization(config::Table table, ApicMode mode) {
  VirtConfig v;
  table.required_enum("hypervisor", kHypervisors);
  table.optional_enum("placement", kPlacements);  // vCPU i on host CPU i; the only placement
  v.vendor = table.required_enum("vendor", kVendors);
  v.apicv = table.optional_bool("apicv").value_or(false);
  v.ipiv = table.optional_bool("ipiv").value_or(false);
  v.avic = table.optional_bool("avic").value_or(false);
  feature_vendor_rule(table, "apicv", v.apicv, v.vendor, CpuVendor::Intel);
  feature_vendor_rule(table, "ipiv", v.ipiv, v.vendor, CpuVendor::Intel);
  feature_vendor_rule(table, "avic", v.avic, v.vendor, CpuVendor::Amd);
  if (const auto polling = table.optional_bool("avic_running_while_polling")) {
    if (!v.avic)
      table.fail("avic_running_while_polling", "`avic_running_while_polling` without `avic`",
                 "remove it, or set `avic = true`");
    v.avic_running_while_polling = *polling;
  }
  if (v.ipiv && !v.apicv)
    table.fail("ipiv",
               "`ipiv = true` without `apicv`: IPI virtualization posts into the target's "
               "posted-interrupt descriptor, which needs APICv",
               "set `apicv = true` too (KVM enables IPIv only with APICv)");
  v.pv_send_ipi = table.optional_bool("pv_send_ipi").value_or(false);
  if (const auto bits = table.optional_int("pv_ipi_bitmap_bits")) {
    if (*bits != 64 && *bits != 128)
      table.fail("pv_ipi_bitmap_bits",
                 fmt::format("`pv_ipi_bitmap_bits = {}`: KVM_HC_SEND_IPI carries a bitmap of two "
                             "unsigned longs from a base APIC id",
                             *bits),
                 "use 128 (a 64-bit guest, KVM_IPI_CLUSTER_SIZE) or 64 (a 32-bit guest)");
    if (!v.pv_send_ipi)
      table.fail("pv_ipi_bitmap_bits", "`pv_ipi_bitmap_bits` without `pv_send_ipi = true`",
                 "remove it, or set `pv_send_ipi = true`");
    v.pv_ipi_bitmap_bits = static_cast<int>(*bits);
  }
  v.x2apic_fastpath = table.optional_bool("x2apic_fastpath").value_or(false);
  if (v.x2apic_fastpath && v.ipiv)
    table.fail("x2apic_fastpath",
               "`x2apic_fastpath` with `ipiv`: the writes the fastpath takes (fixed physical "
               "unicast) never exit under IPI virtualization",
               "remove `x2apic_fastpath` and its `icr_fastpath_exit`");
  if (v.x2apic_fastpath && mode == ApicMode::XApic)
    table.fail("x2apic_fastpath",
               "`x2apic_fastpath` on an xAPIC guest: KVM's fastpath takes x2APIC ICR MSR writes",
               "remove it, or set `[apic] mode = \"x2apic\"`");
  v.icr_passthrough = table.optional_bool("icr_passthrough").value_or(false);
  if (v.icr_passthrough && (v.ipiv || v.avic || v.pv_send_ipi || v.x2apic_fastpath))
    table.fail("icr_passthrough",
               "`icr_passthrough = true` (the guest writes the real ICR, nothing exits) with an "
               "exit-reducing feature that then never applies",
               "drop `ipiv`, `avic`, `pv_send_ipi` and `x2apic_fastpath`, or the passthrough");
  v.halt = table.optional_enum("halt", kHaltModes).value_or(HaltMode::Exit);
  const bool halt_exits = v.halt == HaltMode::Exit;
  if (const auto poll = table.optional_int("halt_poll", kCycleRange)) {
    if (!halt_exits)
      table.fail("halt_poll",
                 "`halt_poll` with `halt = \"guest\"`: a vCPU that halts in the guest "
                 "never reaches KVM's halt-polling",
                 "remove `halt_poll`, or set `halt = \"exit\"`");
    v.halt_poll = static_cast<Cycles>(*poll);
  }

  config::Table cost = table.required_table("cost");
  VirtCosts& c = v.costs;
  const bool exits = !v.icr_passthrough;
  constexpr std::string_view kPassFix = "remove it (nothing exits with `icr_passthrough = true`)";
  c.accelerated_icr_write =
      cost_if(cost, "accelerated_icr_write", v.ipiv || v.avic,
              "no ICR write is virtualized without `ipiv` or `avic` (a passed-through APIC "
              "costs `apic.cost.icr_write`)",
              "remove it, or set `ipiv = true` (Intel) / `avic = true` (AMD)");
  c.icr_exit = cost_if(cost, "icr_exit", exits && !v.avic,
                       v.avic ? "with AVIC a write that cannot be delivered exits as "
                                "AVIC_INCOMPLETE_IPI (`avic_incomplete_exit`)"
                              : "ICR writes never exit",
                       v.avic ? "remove it; the AVIC exit is `avic_incomplete_exit`" : kPassFix);
  c.icr_exit_write_at =
      cost_if(cost, "icr_exit_write_at", exits, "ICR writes never exit", kPassFix);
  c.per_target = cost_if(cost, "per_target", exits, "ICR writes never exit", kPassFix);
  c.icr_fastpath_exit =
      cost_if(cost, "icr_fastpath_exit", v.x2apic_fastpath, "`x2apic_fastpath` is off",
              "remove it, or set `x2apic_fastpath = true`");
  c.hypercall_exit = cost_if(cost, "hypercall_exit", v.pv_send_ipi, "`pv_send_ipi` is off",
                             "remove it, or set `pv_send_ipi = true`");
  c.avic_incomplete_exit = cost_if(cost, "avic_incomplete_exit", v.avic, "`avic` is off",
                                   "remove it, or set `avic = true` (AMD only)");
  // KVM delivers at one point into every exit: it must lie inside each.
  const std::array<std::pair<std::string_view, Cycles>, 4> exit_lengths{{
      {"icr_exit", exits && !v.avic ? c.icr_exit : ~Cycles{0}},
      {"icr_fastpath_exit", v.x2apic_fastpath ? c.icr_fastpath_exit : ~Cycles{0}},
      {"hypercall_exit", v.pv_send_ipi ? c.hypercall_exit : ~Cycles{0}},
      {"avic_incomplete_exit", v.avic ? c.avic_incomplete_exit : ~Cycles{0}},
  }};
  for (const auto& [name, length] : exit_lengths)
    if (exits && c.icr_exit_write_at > length)
      cost.fail("icr_exit_write_at",
                fmt::format("`icr_exit_write_at` = {} lies past the end of `{}` = {}",
                            c.icr_exit_write_at, name, length),
                fmt::format("give a point inside every exit (at most {})", length));
  c.receiver_exit = cost_if(
      cost, "receiver_exit", !v.posted_interrupts(),
      "with APICv or AVIC an interrupt reaches a running vCPU as a posted interrupt, no exit",
      "remove it, or turn `apicv`/`avic` off");
  c.eoi_exit = cost_if(cost, "eoi_exit", !v.virtual_eoi(),
                       "with APICv or AVIC the EOI write is virtualized (no exit for IPIs)",
                       "remove it, or turn `apicv`/`avic` off");
  c.wakeup = cost_if(cost, "wakeup", halt_exits, "`halt = \"guest\"`: no vCPU ever sleeps in KVM",
                     "remove it, or set `halt = \"exit\"`");
  c.poll_wakeup = cost_if(cost, "poll_wakeup", v.halt_poll > 0, "`halt_poll` is 0 or absent",
                          "remove it, or set `halt_poll`");
  cost.finish();
  table.finish();
  return v;
}

}  // namespace xcallsim::machine::detail
