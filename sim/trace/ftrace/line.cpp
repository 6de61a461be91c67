#include "sim/trace/ftrace/line.hpp"

#include <charconv>
#include <limits>

namespace xcallsim::trace::ftrace::detail {
namespace {

constexpr std::size_t kMaxCpus = 65536;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t';
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The token starting at `pos` (after skipping blanks); pos moves past it.
std::string_view next_token(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && is_space(text[pos])) ++pos;
  std::size_t start = pos;
  while (pos < text.size() && !is_space(text[pos])) ++pos;
  return text.substr(start, pos - start);
}

// Does "-pid [(tgid)]" end right before `end`? Returns the position of the '-'.
std::optional<std::size_t> pid_before(std::string_view line, std::size_t end) {
  std::size_t k = end;
  while (k > 0 && is_space(line[k - 1])) --k;
  if (k > 0 && line[k - 1] == ')') {  // options/record-tgid: "(  123)" or "(-------)"
    std::size_t open = line.rfind('(', k - 1);
    if (open == std::string_view::npos) return std::nullopt;
    k = open;
    while (k > 0 && is_space(line[k - 1])) --k;
  }
  std::size_t digits_end = k;
  while (k > 0 && is_digit(line[k - 1])) --k;
  if (k == digits_end || k == 0 || line[k - 1] != '-') return std::nullopt;
  return k - 1;
}

bool set_bit(std::vector<std::uint64_t>& words, std::uint64_t cpu, std::string* why) {
  if (cpu >= kMaxCpus) {
    *why = "cpu " + std::to_string(cpu) + " out of range (max 65535)";
    return false;
  }
  if (words.size() <= cpu / 64) words.resize(cpu / 64 + 1, 0);
  words[cpu / 64] |= std::uint64_t{1} << (cpu % 64);
  return true;
}

// trace-cmd prints a probe's address as bare hex digits ("ffffffff81123456").
bool is_hex_address(std::string_view text) {
  if (text.size() < 8 || text.size() > 16) return false;
  for (char c : text)
    if (hex_value(c) < 0) return false;
  return true;
}

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && (is_space(text.front()) || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (is_space(text.back()) || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::optional<EventLine> split_event_line(std::string_view line) {
  for (std::size_t open = line.find('['); open != std::string_view::npos;
       open = line.find('[', open + 1)) {
    std::size_t k = open + 1;
    while (k < line.size() && is_digit(line[k])) ++k;
    if (k == open + 1 || k >= line.size() || line[k] != ']') continue;
    if (k + 1 < line.size() && !is_space(line[k + 1])) continue;
    auto dash = pid_before(line, open);
    if (!dash) continue;
    EventLine out;
    out.comm = trim(line.substr(0, *dash));
    out.cpu = line.substr(open + 1, k - open - 1);
    std::size_t pos = k + 1;
    std::string_view token = next_token(line, pos);
    for (int skipped = 0; !token.empty() && token.back() != ':' && skipped < 2; ++skipped) {
      if (skipped == 0) out.flags = token;  // the flags column, absent in some formats
      token = next_token(line, pos);
    }
    if (token.size() < 2 || token.back() != ':') return std::nullopt;
    out.timestamp = token.substr(0, token.size() - 1);
    std::string_view event = next_token(line, pos);
    if (event.size() < 2 || event.back() != ':') return std::nullopt;
    out.event = event.substr(0, event.size() - 1);
    out.body = trim(line.substr(pos));
    return out;
  }
  return std::nullopt;
}

Context context_of(std::string_view flags) {
  if (flags.size() < 3) return Context::Task;
  switch (flags[2]) {
    case 's':
      return Context::Softirq;
    case 'h':
    case 'H':
      return Context::Hardirq;
    case 'z':
    case 'Z':
      return Context::Nmi;
    default:
      return Context::Task;
  }
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), value);
  if (whole.empty() || ec != std::errc{} || end != whole.data() + whole.size()) return std::nullopt;
  if (dot == std::string_view::npos) return Timestamp{false, value};
  std::string_view frac = text.substr(dot + 1);
  if (frac.empty() || frac.size() > 9) return std::nullopt;
  std::uint64_t ns = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (!is_digit(c)) return std::nullopt;
    ns = ns * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > (std::numeric_limits<std::uint64_t>::max() - ns) / 1'000'000'000u)
    return std::nullopt;
  return Timestamp{true, value * 1'000'000'000u + ns};
}

std::optional<std::string_view> field(std::string_view body, std::string_view key) {
  for (std::size_t at = body.find(key); at != std::string_view::npos; at = body.find(key, at + 1)) {
    bool boundary = at == 0 || is_space(body[at - 1]) || body[at - 1] == ',';
    std::size_t eq = at + key.size();
    if (!boundary || eq >= body.size() || body[eq] != '=') continue;
    std::size_t end = eq + 1;
    while (end < body.size() && !is_space(body[end])) ++end;
    std::string_view value = body.substr(eq + 1, end - eq - 1);
    if (!value.empty() && value.back() == ',') value.remove_suffix(1);
    return value;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  auto magnitude = parse_uint(text);
  if (!magnitude ||
      *magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return std::nullopt;
  auto value = static_cast<std::int64_t>(*magnitude);
  return negative ? -value : value;
}

bool is_null_pointer(std::string_view text) {
  if (text == "(null)" || text == "NULL" || text.empty()) return true;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  return !text.empty() && text.find_first_not_of('0') == std::string_view::npos;
}

std::string_view symbol_name(std::string_view text) {
  if (is_null_pointer(text)) return {};
  std::size_t plus = text.find('+');
  return plus == std::string_view::npos ? text : text.substr(0, plus);
}

std::optional<std::vector<std::uint64_t>> parse_cpumask(std::string_view text, std::string* why) {
  std::vector<std::uint64_t> words;
  if (text.empty()) {
    *why = "an empty cpumask";
    return std::nullopt;
  }
  bool list = text.find('-') != std::string_view::npos;
  std::size_t first_comma = text.find(',');
  if (!list && first_comma != std::string_view::npos) {
    for (std::size_t at = first_comma; at != std::string_view::npos;) {
      std::size_t next = text.find(',', at + 1);
      std::size_t len = (next == std::string_view::npos ? text.size() : next) - at - 1;
      if (len != 8) list = true;
      at = next;
    }
  }
  if (list) {
    for (std::size_t pos = 0; pos <= text.size();) {
      std::size_t comma = text.find(',', pos);
      std::string_view range =
          text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
      std::size_t dash = range.find('-');
      auto lo = parse_uint(range.substr(0, dash));
      auto hi = dash == std::string_view::npos ? lo : parse_uint(range.substr(dash + 1));
      if (!lo || !hi || *hi < *lo) {
        *why = "a cpu list like 0-3 or 1,3-5 (bad range '" + std::string(range) + "')";
        return std::nullopt;
      }
      if (*hi >= kMaxCpus) {
        set_bit(words, *hi, why);
        return std::nullopt;
      }
      for (std::uint64_t cpu = *lo; cpu <= *hi; ++cpu) set_bit(words, cpu, why);
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    return words;
  }
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  std::uint64_t bit = 0;  // walk hex digits from the least significant end
  for (std::size_t i = text.size(); i-- > 0;) {
    if (text[i] == ',') continue;
    int nibble = hex_value(text[i]);
    if (nibble < 0) {
      *why = "a hex cpumask bitmap or a cpu list (bad character '" + std::string(1, text[i]) + "')";
      return std::nullopt;
    }
    for (int b = 0; b < 4; ++b, ++bit) {
      if ((nibble >> b & 1) && !set_bit(words, bit, why)) return std::nullopt;
    }
  }
  return words;
}

std::optional<KprobeBody> parse_kprobe_body(std::string_view body) {
  if (body.empty() || body.front() != '(') return std::nullopt;
  std::size_t close = body.find(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view inside = body.substr(1, close - 1);
  KprobeBody out;
  out.args = trim(body.substr(close + 1));
  std::size_t arrow = inside.find(" <- ");
  if (is_hex_address(inside.substr(0, arrow)) &&
      (arrow == std::string_view::npos || is_hex_address(inside.substr(arrow + 4)))) {
    out.is_return = arrow != std::string_view::npos;  // trace-cmd: symbol by event name
    return out;
  }
  if (arrow != std::string_view::npos) {
    out.is_return = true;
    out.symbol = trim(inside.substr(arrow + 4));
  } else {
    std::size_t plus = inside.find("+0x");
    if (plus == std::string_view::npos || inside.find('/', plus) == std::string_view::npos)
      return std::nullopt;
    out.symbol = inside.substr(0, plus);
  }
  if (out.symbol.empty() || out.symbol.find(' ') != std::string_view::npos) return std::nullopt;
  return out;
}

std::string_view probe_symbol(std::string_view event, bool* is_return) {
  *is_return = false;
  auto strip_offset = [](std::string_view name) {  // "SYM_0": the kernel's "p_%s_%ld"
    std::size_t us = name.rfind('_');
    if (us == std::string_view::npos || us + 1 == name.size()) return name;
    for (char c : name.substr(us + 1))
      if (!is_digit(c)) return name;
    return name.substr(0, us);
  };
  if (event.starts_with("p_") || event.starts_with("r_")) {
    *is_return = event[0] == 'r';
    return strip_offset(event.substr(2));
  }
  for (std::string_view suffix : {std::string_view("__return"), std::string_view("_ret")}) {
    if (event.size() > suffix.size() && event.ends_with(suffix)) {
      *is_return = true;
      return event.substr(0, event.size() - suffix.size());
    }
  }
  return event;
}

}  // namespace xcallsim::trace::ftrace::detail
