// Contract: how untrusted text (names from a trace, a config or a scenario
// someone else wrote) is shown. printable() maps any byte string to one that
// is safe on a terminal and in a script literal: control bytes (< 0x20, 0x7f)
// and bytes that are not well-formed UTF-8 become `\xNN`, a backslash stays a
// backslash; everything else is kept. Pure functions, no allocation beyond
// the result.
// signal_name(): how xcallsim names a signal in its one-line messages.
#pragma once

#include <string>
#include <string_view>

namespace xcallsim::text {

// True if `s` is well-formed UTF-8 without control characters.
bool is_printable(std::string_view s);

// `s` with every control byte or ill-formed UTF-8 byte written as `\xNN`.
std::string printable(std::string_view s);

// "SIGINT (Ctrl-C)", "SIGTERM", "SIGHUP", else strsignal()'s name.
std::string signal_name(int sig);

}  // namespace xcallsim::text
