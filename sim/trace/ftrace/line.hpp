// Contract: stateless splitting and field parsing of single ftrace text lines
// (internal to the ftrace importer). All views point into the caller's line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcallsim::trace::ftrace::detail {

// "  comm-pid  [(tgid)] [cpu] [flags] timestamp: event: body"
struct EventLine {
  std::string_view comm;
  std::string_view cpu;        // digits between the brackets
  std::string_view flags;      // the latency column ("d.h1."), empty if absent
  std::string_view timestamp;  // without the trailing ':'
  std::string_view event;      // without the trailing ':'
  std::string_view body;
};
std::optional<EventLine> split_event_line(std::string_view line);

// The context an event ran in, from the flags column's third character
// ('s' softirq, 'h'/'H' hardirq, 'z'/'Z' NMI; kernel/trace/trace_output.c):
// a call and its return run in the same one, interrupts nest inside.
enum class Context : std::uint8_t { Task, Softirq, Hardirq, Nmi };
Context context_of(std::string_view flags);

struct Timestamp {
  bool seconds = false;  // "s.fraction" (value in ns) or a raw counter (value in ticks)
  std::uint64_t value = 0;
};
std::optional<Timestamp> parse_timestamp(std::string_view text);

// Value of "key=value" in a body ("a=1 b=2", "func=f, csd=x"); trailing ',' removed.
std::optional<std::string_view> field(std::string_view body, std::string_view key);
std::optional<std::uint64_t> parse_uint(std::string_view text);  // decimal or 0x-hex
std::optional<std::int64_t> parse_int(std::string_view text);
// "flush_tlb_func+0x0/0x2a0" -> "flush_tlb_func"; "" for a null value ("0", "0x0", "(null)").
std::string_view symbol_name(std::string_view text);
bool is_null_pointer(std::string_view text);

// "0-3", "1,3-5" (cpu list) or "e", "0x0e", "00000001,0000000e" (hex bitmap, most significant
// 32-bit group first). A value with '-' is a list; with ',' it is a bitmap only if every group
// after the first has 8 hex digits; otherwise it is a bitmap. Error text in *why on failure.
std::optional<std::vector<std::uint64_t>> parse_cpumask(std::string_view text, std::string* why);

// "(sym+0x0/0x120) args" (kprobe) or "(caller+0x1/0x2 <- sym) args" (kretprobe),
// as tracefs prints them; `trace-cmd report` prints the addresses in hex
// ("(ffffffff81123456) args", "(ffffffff81 <- ffffffff82) args"): then
// symbol is empty and the probe is known by its event name (probe_symbol).
struct KprobeBody {
  std::string_view symbol;
  bool is_return = false;
  std::string_view args;
};
std::optional<KprobeBody> parse_kprobe_body(std::string_view body);

// The probed symbol an event name stands for, for trace-cmd's hex bodies:
// "p_SYM_0" / "r_SYM_0" (the kernel's default names), "SYM__return" (perf
// probe), "SYM_ret", else the name itself; *is_return for the return forms.
std::string_view probe_symbol(std::string_view event, bool* is_return);

std::string_view trim(std::string_view text);

}  // namespace xcallsim::trace::ftrace::detail
