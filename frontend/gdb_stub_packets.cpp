// Framing and command parsing of the GDB remote protocol (frontend/gdb_stub_packets.h).
#include "frontend/gdb_stub_packets.h"

namespace pvlab::gdb {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHex[] = "0123456789abcdef";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

Command malformed(std::string why) {
  Command c;
  c.kind = Command::Kind::Malformed;
  c.error = std::move(why);
  return c;
}

// "ADDR,LEN" at the start of `s`; the rest (after LEN) in `rest`.
bool parse_addr_len(std::string_view s, uint64_t& addr, uint64_t& len, std::string_view& rest) {
  const size_t comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  size_t end = s.find_first_of(":;", comma + 1);
  if (end == std::string_view::npos) end = s.size();
  if (!parse_hex_u64(s.substr(0, comma), addr) || !parse_hex_u64(s.substr(comma + 1, end - comma - 1), len))
    return false;
  rest = s.substr(end);
  return true;
}

// A thread id: "-1" (all), "0" (any) or a positive hex number (no "pPID." form: pvlab does
// not announce multiprocess).
bool parse_thread(std::string_view s, int64_t& t) {
  if (s == "-1") {
    t = -1;
    return true;
  }
  uint64_t v;
  if (s.size() > 8 || !parse_hex_u64(s, v)) return false;
  t = int64_t(v);
  return true;
}

}  // namespace

// ---- framing ------------------------------------------------------------------------------

void FrameReader::feed(std::string_view bytes, std::vector<FrameEvent>& out) {
  for (char ch : bytes) {
    const uint8_t c = uint8_t(ch);
    switch (state_) {
      case State::Idle:
        if (c == '$') {
          state_ = State::Data;
          data_.clear();
          sum_ = 0;
          overflow_ = false;
          bad_digit_ = false;
        } else if (c == '+') {
          out.push_back({FrameEvent::Kind::Ack, {}});
        } else if (c == '-') {
          out.push_back({FrameEvent::Kind::Nack, {}});
        } else if (c == 0x03) {
          out.push_back({FrameEvent::Kind::Interrupt, {}});
        }
        break;
      case State::Data:
        if (c == '#') {
          state_ = State::Sum1;
        } else if (c == '$') {   // a new packet starts: drop the unfinished one
          data_.clear();
          sum_ = 0;
          overflow_ = false;
        } else {
          sum_ = uint8_t(sum_ + c);
          if (c == '}') {
            state_ = State::Escape;
          } else if (data_.size() < kMaxPacket) {
            data_.push_back(char(c));
          } else {
            overflow_ = true;
          }
        }
        break;
      case State::Escape:
        sum_ = uint8_t(sum_ + c);
        if (data_.size() < kMaxPacket) data_.push_back(char(c ^ 0x20));
        else overflow_ = true;
        state_ = State::Data;
        break;
      case State::Sum1: {
        const int d = hex_digit(char(c));
        bad_digit_ = d < 0;
        given_ = uint8_t(d < 0 ? 0 : d << 4);
        state_ = State::Sum2;
        break;
      }
      case State::Sum2: {
        const int d = hex_digit(char(c));
        if (d < 0) bad_digit_ = true;
        given_ = uint8_t(given_ | (d < 0 ? 0 : d));
        state_ = State::Idle;
        if (overflow_) out.push_back({FrameEvent::Kind::TooLong, {}});
        else if (bad_digit_ || given_ != sum_) out.push_back({FrameEvent::Kind::BadChecksum, {}});
        else out.push_back({FrameEvent::Kind::Packet, std::move(data_)});
        data_.clear();
        break;
      }
    }
  }
}

std::string frame_packet(std::string_view payload) {
  std::string out = "$";
  uint8_t sum = 0;
  for (char ch : payload) {
    if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
      out.push_back('}');
      sum = uint8_t(sum + '}');
      ch = char(ch ^ 0x20);
    }
    out.push_back(ch);
    sum = uint8_t(sum + uint8_t(ch));
  }
  out.push_back('#');
  out.push_back(kHex[sum >> 4]);
  out.push_back(kHex[sum & 15]);
  return out;
}

// ---- hex ----------------------------------------------------------------------------------

std::string to_hex(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  std::string s;
  s.reserve(n * 2);
  for (size_t k = 0; k < n; ++k) {
    s.push_back(kHex[p[k] >> 4]);
    s.push_back(kHex[p[k] & 15]);
  }
  return s;
}

std::string to_hex(std::string_view s) { return to_hex(s.data(), s.size()); }

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (size_t k = 0; k < hex.size(); k += 2) {
    const int a = hex_digit(hex[k]), b = hex_digit(hex[k + 1]);
    if (a < 0 || b < 0) return false;
    out.push_back(char(a << 4 | b));
  }
  return true;
}

bool parse_hex_u64(std::string_view s, uint64_t& v) {
  if (s.empty() || s.size() > 16) return false;
  v = 0;
  for (char c : s) {
    const int d = hex_digit(c);
    if (d < 0) return false;
    v = v << 4 | uint64_t(d);
  }
  return true;
}

std::string le_hex(uint64_t v, unsigned bytes) {
  std::string s;
  for (unsigned k = 0; k < bytes; ++k) {
    const uint8_t b = k < 8 ? uint8_t(v >> (8 * k)) : 0;
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

// ---- commands -----------------------------------------------------------------------------

Command parse_command(std::string_view p) {
  using K = Command::Kind;
  Command c;
  if (p.empty()) return c;
  const char op = p[0];
  const std::string_view arg = p.substr(1);
  switch (op) {
    case '?':
      c.kind = K::Status;
      return c;
    case 'g':
      if (!arg.empty()) return malformed("g takes no arguments");
      c.kind = K::ReadRegs;
      return c;
    case 'G':
      if (!from_hex(arg, c.data)) return malformed("G: register data is not hex");
      c.kind = K::WriteRegs;
      return c;
    case 'p': {
      uint64_t n;
      if (!parse_hex_u64(arg, n) || n > 0xffff) return malformed("p: bad register number");
      c.kind = K::ReadReg;
      c.type = unsigned(n);
      return c;
    }
    case 'P': {
      const size_t eq = arg.find('=');
      uint64_t n;
      if (eq == std::string_view::npos || !parse_hex_u64(arg.substr(0, eq), n) || n > 0xffff)
        return malformed("P: expected N=VALUE");
      if (!from_hex(arg.substr(eq + 1), c.data) || c.data.empty() || c.data.size() > 16)
        return malformed("P: value is not hex");
      c.kind = K::WriteReg;
      c.type = unsigned(n);
      return c;
    }
    case 'm': {
      std::string_view rest;
      if (!parse_addr_len(arg, c.addr, c.len, rest) || !rest.empty()) return malformed("m: expected ADDR,LEN");
      if (c.len > kMaxMemoryTransfer) return malformed("m: length too large");
      c.kind = K::ReadMem;
      return c;
    }
    case 'M':
    case 'X': {
      std::string_view rest;
      if (!parse_addr_len(arg, c.addr, c.len, rest) || rest.empty() || rest[0] != ':')
        return malformed("M/X: expected ADDR,LEN:DATA");
      if (c.len > kMaxMemoryTransfer) return malformed("M/X: length too large");
      rest.remove_prefix(1);
      if (op == 'M') {
        if (!from_hex(rest, c.data)) return malformed("M: data is not hex");
      } else {
        c.data.assign(rest);
      }
      if (c.data.size() != c.len) return malformed("M/X: data length does not match LEN");
      c.kind = K::WriteMem;
      return c;
    }
    case 'Z':
    case 'z': {
      // type,addr,kind[;conditions]
      const size_t c1 = arg.find(',');
      if (c1 == std::string_view::npos) return malformed("Z: expected TYPE,ADDR,KIND");
      uint64_t type;
      std::string_view rest;
      if (!parse_hex_u64(arg.substr(0, c1), type) || type > 4 ||
          !parse_addr_len(arg.substr(c1 + 1), c.addr, c.len, rest))
        return malformed("Z: expected TYPE,ADDR,KIND");
      if (c.len == 0 || c.len > 0x10000) return malformed("Z: bad length");
      c.kind = op == 'Z' ? K::InsertBreak : K::RemoveBreak;
      c.type = unsigned(type);
      return c;
    }
    case 'c':
    case 's':
    case 'C':
    case 'S': {
      std::string_view a = arg;
      if (op == 'C' || op == 'S') {   // SIG[;ADDR]: the signal is ignored
        const size_t semi = a.find(';');
        uint64_t sig;
        if (!parse_hex_u64(a.substr(0, semi), sig)) return malformed("C/S: bad signal");
        a = semi == std::string_view::npos ? std::string_view() : a.substr(semi + 1);
      }
      if (!a.empty()) {
        if (!parse_hex_u64(a, c.addr)) return malformed("c/s: bad address");
        c.has_addr = true;
      }
      c.kind = (op == 'c' || op == 'C') ? K::Continue : K::Step;
      return c;
    }
    case 'b':   // bs / bc: reverse step and continue (bc/bs only; b with a baud rate is gone)
      if (arg == "s") c.kind = K::ReverseStep;
      else if (arg == "c") c.kind = K::ReverseContinue;
      else return malformed("b: expected bs or bc");
      return c;
    case 'D':
      c.kind = K::Detach;
      return c;
    case 'k':
      c.kind = K::Kill;
      return c;
    case 'H':
      if (arg.size() < 2 || (arg[0] != 'g' && arg[0] != 'c') || !parse_thread(arg.substr(1), c.thread))
        return malformed("H: expected Hg or Hc and a thread id");
      c.kind = K::SetThread;
      c.type = unsigned(arg[0]);
      return c;
    case 'T':
      if (!parse_thread(arg, c.thread)) return malformed("T: bad thread id");
      c.kind = K::ThreadAlive;
      return c;
    default: break;
  }
  if (p == "vCont?") {
    c.kind = K::VContQuery;
    return c;
  }
  if (starts_with(p, "vCont;")) {
    // Each action: c, C sig, s, S sig, r start,end, t; optionally ":thread". In all-stop
    // mode with one thread the first action decides.
    const char a = p.size() > 6 ? p[6] : 0;
    if (a == 's' || a == 'S' || a == 'r') c.kind = K::Step;
    else if (a == 'c' || a == 'C') c.kind = K::Continue;
    else return malformed("vCont: unknown action");
    std::string_view first = p.substr(6);
    first = first.substr(0, first.find(';'));
    if (const size_t colon = first.find(':'); colon != std::string_view::npos &&
                                              !parse_thread(first.substr(colon + 1), c.thread))
      return malformed("vCont: bad thread id");
    return c;
  }
  if (starts_with(p, "vKill")) {
    c.kind = K::Kill;
    return c;
  }
  if (p == "vMustReplyEmpty") {
    c.kind = K::MustReplyEmpty;
    return c;
  }
  if (starts_with(p, "qSupported")) {
    c.kind = K::Supported;
    return c;
  }
  if (p == "QStartNoAckMode") {
    c.kind = K::NoAckMode;
    return c;
  }
  if (starts_with(p, "qXfer:features:read:")) {
    const std::string_view r = p.substr(20);
    const size_t colon = r.find(':');
    std::string_view rest;
    if (colon == std::string_view::npos || !parse_addr_len(r.substr(colon + 1), c.addr, c.len, rest) ||
        !rest.empty())
      return malformed("qXfer: expected ANNEX:OFFSET,LENGTH");
    c.kind = K::XferFeatures;
    c.name.assign(r.substr(0, colon));
    return c;
  }
  if (starts_with(p, "qRcmd,")) {
    if (!from_hex(p.substr(6), c.data)) return malformed("qRcmd: command is not hex");
    c.kind = K::Monitor;
    return c;
  }
  if (p == "qC") {
    c.kind = K::CurrentThread;
    return c;
  }
  if (starts_with(p, "qThreadExtraInfo,")) {
    if (!parse_thread(p.substr(17), c.thread)) return malformed("qThreadExtraInfo: bad thread id");
    c.kind = K::ThreadExtra;
    return c;
  }
  if (p == "qfThreadInfo" || p == "qsThreadInfo") {
    c.kind = K::ThreadList;
    c.addr = p[1] == 'f';
    return c;
  }
  if (starts_with(p, "qAttached")) {
    c.kind = K::Attached;
    return c;
  }
  if (starts_with(p, "qSymbol")) {
    c.kind = K::Symbol;
    return c;
  }
  return c;   // Unsupported: an empty reply
}

}  // namespace pvlab::gdb
