#include "frontend/trace_format.h"

#include <capstone/capstone.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>

namespace pvlab {

namespace treg {

namespace {
const char* const kNames[kCount] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eflags",
                                    "es",  "cs",  "ss",  "ds",  "fs",  "gs",  "cr0", "cr2", "cr3", "cr4"};
}  // namespace

const char* name(uint8_t r) { return r < kCount ? kNames[r] : "?"; }

std::optional<uint8_t> by_name(const std::string& s) {
  for (uint8_t r = 0; r < kCount; ++r)
    if (s == kNames[r]) return r;
  return std::nullopt;
}

}  // namespace treg

std::optional<TraceFormat> trace_format_for(const std::string& path, const std::string& format) {
  if (format == "text") return TraceFormat::Text;
  if (format == "bin") return TraceFormat::Binary;
  if (!format.empty()) return std::nullopt;
  const bool pvt = path.size() >= 4 && path.compare(path.size() - 4, 4, ".pvt") == 0;
  return pvt ? TraceFormat::Binary : TraceFormat::Text;
}

namespace {

class Capstone {
 public:
  Capstone() {
    ok_ = cs_open(CS_ARCH_X86, CS_MODE_16, &h_[0]) == CS_ERR_OK &&
          cs_open(CS_ARCH_X86, CS_MODE_32, &h_[1]) == CS_ERR_OK;
  }
  ~Capstone() {
    for (csh& h : h_)
      if (h) cs_close(&h);
  }
  Capstone(const Capstone&) = delete;
  Capstone& operator=(const Capstone&) = delete;
  std::string text(const std::vector<uint8_t>& b, bool code32, uint32_t eip) const {
    if (!ok_) return "(capstone unavailable)";
    cs_insn* ci = nullptr;
    if (b.empty() || cs_disasm(h_[code32 ? 1 : 0], b.data(), b.size(), eip, 1, &ci) != 1)
      return "(not decodable)";
    std::string s = std::string(ci->mnemonic) + (ci->op_str[0] ? " " : "") + ci->op_str;
    cs_free(ci, 1);
    return s;
  }

 private:
  csh h_[2] = {0, 0};
  bool ok_ = false;
};

std::string hex_of(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

}  // namespace

std::string disassemble_bytes(const std::vector<uint8_t>& bytes, bool code32, uint32_t eip) {
  static const Capstone cs;
  return cs.text(bytes, code32, eip);
}

std::string format_insn_line(const InsnRecord& r) {
  char b[96];
  std::snprintf(b, sizeof b, "n=%llu c=%llu v=%u eip=%08x%s b=", (unsigned long long)r.count,
                (unsigned long long)r.cycle, r.vcpu, r.eip, r.code32 ? "" : " m=16");
  std::string s = b;
  s += hex_of(r.bytes);
  s += " | ";
  s += r.disasm.empty() ? disassemble_bytes(r.bytes, r.code32, r.eip) : r.disasm;
  s += " | ";
  const char* sep = "";
  for (const auto& g : r.regs) {
    std::snprintf(b, sizeof b, "%s%s=%#x", sep, treg::name(g.reg), g.value);
    s += b;
    sep = " ";
  }
  s += " | ";
  sep = "";
  for (const auto& m : r.mem) {
    std::snprintf(b, sizeof b, "%s%c%u@%08x=%#x", sep, m.write ? 'w' : 'r', m.size, m.lin, m.value);
    s += b;
    sep = " ";
  }
  return s;
}

uint32_t crc32_update(uint32_t crc, const uint8_t* p, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

// ---- writers ---------------------------------------------------------------------------------

namespace {

class FileWriter : public TraceWriter {
 protected:
  FileWriter(FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  ~FileWriter() override {
    if (f_) std::fclose(f_);
  }
  bool close(std::string& error) {
    bool ok = f_ && std::ferror(f_) == 0;
    if (f_ && std::fclose(f_) != 0) ok = false;
    f_ = nullptr;
    if (!ok) error = path_ + ": cannot write the trace: " + std::strerror(errno);
    return ok;
  }
  FILE* f_;
  std::string path_;
};

class TextWriter final : public FileWriter {
 public:
  TextWriter(FILE* f, std::string path) : FileWriter(f, std::move(path)) {
    std::fprintf(f_, "%s\n", kTextTraceHeader);
  }
  void write(const InsnRecord& r) override {
    // Loops run the same instructions again and again: disassemble each one once.
    const uint64_t key = (uint64_t(r.eip) << 1) | (r.code32 ? 1 : 0);
    Known& k = known_[key];
    if (k.bytes != r.bytes || k.text.empty()) {
      k.bytes = r.bytes;
      k.text = disassemble_bytes(r.bytes, r.code32, r.eip);
    }
    if (known_.size() > (1u << 20)) known_.clear();
    scratch_ = r;
    scratch_.disasm = k.text;
    const std::string line = format_insn_line(scratch_);
    std::fwrite(line.data(), 1, line.size(), f_);
    std::fputc('\n', f_);
  }
  bool finish(std::string& error) override { return close(error); }

 private:
  struct Known {
    std::vector<uint8_t> bytes;
    std::string text;
  };
  std::unordered_map<uint64_t, Known> known_;
  InsnRecord scratch_;
};

class BinaryWriter final : public FileWriter {
 public:
  BinaryWriter(FILE* f, std::string path) : FileWriter(f, std::move(path)) {
    buf_.reserve(1u << 17);
    for (char ch : kTraceMagic) buf_.push_back(uint8_t(ch));
    u16(kTraceVersion);
    u16(0);
    u32(0);
  }
  void write(const InsnRecord& r) override {
    buf_.push_back(1);
    varint(r.cycle - last_cycle_);
    varint(r.count - last_count_);
    last_cycle_ = r.cycle;
    last_count_ = r.count;
    buf_.push_back(r.vcpu);
    buf_.push_back(r.code32 ? 1 : 0);
    u32(r.eip);
    buf_.push_back(uint8_t(r.bytes.size()));
    for (uint8_t b : r.bytes) buf_.push_back(b);
    buf_.push_back(uint8_t(r.regs.size()));
    for (const auto& g : r.regs) {
      buf_.push_back(g.reg);
      u32(g.value);
    }
    varint(r.mem.size());
    for (const auto& m : r.mem) {
      buf_.push_back(uint8_t(m.size | (m.write ? 0x80 : 0)));
      u32(m.lin);
      u32(m.value);
    }
    ++records_;
    if (buf_.size() >= (1u << 16)) flush();
  }
  bool finish(std::string& error) override {
    buf_.push_back(0xfe);
    for (int k = 0; k < 8; ++k) buf_.push_back(uint8_t(records_ >> (8 * k)));
    flush();
    u32(crc_);
    std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
    return close(error);
  }

 private:
  void flush() {
    crc_ = crc32_update(crc_, buf_.data(), buf_.size());
    std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
  }
  void u16(uint16_t v) {
    buf_.push_back(uint8_t(v));
    buf_.push_back(uint8_t(v >> 8));
  }
  void u32(uint32_t v) {
    for (int k = 0; k < 4; ++k) buf_.push_back(uint8_t(v >> (8 * k)));
  }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(uint8_t(v | 0x80));
      v >>= 7;
    }
    buf_.push_back(uint8_t(v));
  }
  std::vector<uint8_t> buf_;
  uint64_t last_cycle_ = 0, last_count_ = 0, records_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace

std::unique_ptr<TraceWriter> TraceWriter::open(const std::string& path, TraceFormat f, std::string& error) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    error = path + ": cannot open for writing: " + std::strerror(errno);
    return nullptr;
  }
  if (f == TraceFormat::Binary) return std::make_unique<BinaryWriter>(file, path);
  return std::make_unique<TextWriter>(file, path);
}

// ---- readers ---------------------------------------------------------------------------------

namespace {

// Bounds-checked little-endian reads; the first failure keeps its offset and message.
class Cursor {
 public:
  Cursor(const std::vector<uint8_t>& d, size_t end) : d_(d), end_(end) {}
  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= end_; }
  bool u8(uint8_t& v, const char* what) {
    if (!need(1, what)) return false;
    v = d_[pos_++];
    return true;
  }
  bool u32(uint32_t& v, const char* what) {
    if (!need(4, what)) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) v |= uint32_t(d_[pos_ + k]) << (8 * k);
    pos_ += 4;
    return true;
  }
  bool varint(uint64_t& v, const char* what) {
    v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!u8(b, what)) return false;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return fail(std::string(what) + ": number longer than 64 bits");
  }
  bool fail(const std::string& msg) {
    if (error.empty()) {
      error = msg;
      error_at = pos_;
    }
    return false;
  }
  std::string error;
  size_t error_at = 0;

 private:
  bool need(size_t n, const char* what) {
    if (pos_ + n > end_) return fail(std::string("truncated in ") + what);
    return true;
  }
  const std::vector<uint8_t>& d_;
  size_t end_;
  size_t pos_ = 0;
};

std::string at(const std::string& name, size_t off) { return name + ": offset " + std::to_string(off) + ": "; }

constexpr size_t kHeaderSize = 16;
constexpr size_t kTrailerSize = 13;

}  // namespace

bool parse_binary_trace(const std::vector<uint8_t>& data, const std::string& name,
                        std::vector<InsnRecord>& out, std::string& error) {
  out.clear();
  if (data.size() < 8 || std::memcmp(data.data(), kTraceMagic, 8) != 0) {
    error = at(name, 0) + "not a pvlab binary trace (no PVLABTRC magic)";
    return false;
  }
  if (data.size() < kHeaderSize) {
    error = at(name, data.size()) + "truncated in the header";
    return false;
  }
  const uint16_t version = uint16_t(data[8] | (data[9] << 8));
  if (version != kTraceVersion) {
    error = at(name, 8) + "trace format version " + std::to_string(version) + ", this pvlab reads version " +
            std::to_string(kTraceVersion);
    return false;
  }
  if (data[10] | data[11] | data[12] | data[13] | data[14] | data[15]) {
    error = at(name, 10) + "unknown flags in the header";
    return false;
  }
  if (data.size() < kHeaderSize + kTrailerSize || data[data.size() - kTrailerSize] != 0xfe) {
    error = at(name, data.size()) + "truncated: the file does not end with the trailer";
    return false;
  }
  const size_t body_end = data.size() - kTrailerSize;
  Cursor c(data, body_end);
  for (size_t k = 0; k < kHeaderSize; ++k) {
    uint8_t b;
    c.u8(b, "header");
  }
  uint64_t cycle = 0, count = 0;
  while (!c.at_end()) {
    const size_t start = c.pos();
    uint8_t tag = 0, len = 0, n = 0;
    if (!c.u8(tag, "record")) break;
    if (tag != 1) {
      c.fail("unknown record tag " + std::to_string(tag));
      c.error_at = start;
      break;
    }
    InsnRecord r;
    uint64_t dc = 0, dn = 0;
    uint8_t mode = 0;
    if (!c.varint(dc, "cycle") || !c.varint(dn, "count") || !c.u8(r.vcpu, "vcpu") || !c.u8(mode, "mode") ||
        !c.u32(r.eip, "EIP") || !c.u8(len, "length"))
      break;
    if (mode > 1) {
      c.fail("bad mode byte " + std::to_string(mode));
      break;
    }
    if (len > 15) {
      c.fail("instruction length " + std::to_string(len) + " (at most 15)");
      break;
    }
    r.code32 = mode & 1;
    cycle += dc;
    count += dn;
    r.cycle = cycle;
    r.count = count;
    r.bytes.resize(len);
    bool ok = true;
    for (uint8_t& b : r.bytes) ok = ok && c.u8(b, "instruction bytes");
    if (!ok || !c.u8(n, "register count")) break;
    if (n > treg::kCount) {
      c.fail("register count " + std::to_string(n));
      break;
    }
    for (unsigned k = 0; ok && k < n; ++k) {
      InsnRecord::Reg g{};
      ok = c.u8(g.reg, "register") && c.u32(g.value, "register value");
      if (ok && g.reg >= treg::kCount) ok = c.fail("unknown register " + std::to_string(g.reg));
      r.regs.push_back(g);
    }
    uint64_t nmem = 0;
    if (!ok || !c.varint(nmem, "access count")) break;
    for (uint64_t k = 0; ok && k < nmem; ++k) {
      uint8_t sz = 0;
      InsnRecord::Mem m{};
      ok = c.u8(sz, "access size") && c.u32(m.lin, "access address") && c.u32(m.value, "access value");
      m.size = sz & 0x7f;
      m.write = sz & 0x80;
      if (ok && (m.size == 0 || m.size > 4)) ok = c.fail("access size " + std::to_string(m.size));
      r.mem.push_back(m);
    }
    if (!ok) break;
    out.push_back(std::move(r));
  }
  if (!c.error.empty()) {
    error = at(name, c.error_at) + c.error;
    return false;
  }
  uint64_t records = 0;
  for (int k = 0; k < 8; ++k) records |= uint64_t(data[body_end + 1 + k]) << (8 * k);
  if (records != out.size()) {
    error = at(name, body_end + 1) + "the trailer counts " + std::to_string(records) + " records, the file holds " +
            std::to_string(out.size());
    return false;
  }
  uint32_t crc = 0;
  for (int k = 0; k < 4; ++k) crc |= uint32_t(data[data.size() - 4 + k]) << (8 * k);
  if (crc32_update(0, data.data(), data.size() - 4) != crc) {
    error = at(name, data.size() - 4) + "checksum mismatch: the file is damaged";
    return false;
  }
  return true;
}

namespace {

bool parse_u64(const std::string& s, int base, uint64_t& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtoull(s.c_str(), &end, base);
  return errno == 0 && *end == 0 && s[0] != '-';
}

bool parse_u32(const std::string& s, int base, uint32_t& v) {
  uint64_t w;
  if (!parse_u64(s, base, w) || w > 0xffffffffu) return false;
  v = uint32_t(w);
  return true;
}

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  return w;
}

// One text line into `r`; false with a message.
bool parse_line(const std::string& line, InsnRecord& r, std::string& why) {
  std::vector<std::string> part;
  size_t from = 0;
  for (int k = 0; k < 3; ++k) {
    const size_t bar = line.find(" | ", from);
    if (bar == std::string::npos) {
      why = "expected four fields separated by ' | '";
      return false;
    }
    part.push_back(line.substr(from, bar - from));
    from = bar + 3;
  }
  part.push_back(line.substr(from));
  bool have[4] = {};
  for (const std::string& w : split_ws(part[0])) {
    const size_t eq = w.find('=');
    const std::string k = w.substr(0, eq == std::string::npos ? w.size() : eq);
    const std::string v = eq == std::string::npos ? "" : w.substr(eq + 1);
    uint32_t u = 0;
    if (k == "n" && parse_u64(v, 10, r.count)) have[0] = true;
    else if (k == "c" && parse_u64(v, 10, r.cycle)) have[1] = true;
    else if (k == "v" && parse_u32(v, 10, u) && u < 256) r.vcpu = uint8_t(u);
    else if (k == "eip" && parse_u32(v, 16, r.eip)) have[2] = true;
    else if (k == "m" && v == "16") r.code32 = false;
    else if (k == "b" && v.size() % 2 == 0 && v.size() <= 30) {
      for (size_t i = 0; i < v.size(); i += 2) {
        if (!parse_u32(v.substr(i, 2), 16, u)) {
          why = "bad instruction bytes '" + v + "'";
          return false;
        }
        r.bytes.push_back(uint8_t(u));
      }
      have[3] = true;
    } else {
      why = "bad field '" + w + "'";
      return false;
    }
  }
  if (!(have[0] && have[1] && have[2] && have[3])) {
    why = "the n=, c=, eip= and b= fields are required";
    return false;
  }
  r.disasm = part[1];
  for (const std::string& w : split_ws(part[2])) {
    const size_t eq = w.find('=');
    std::optional<uint8_t> reg = eq == std::string::npos ? std::nullopt : treg::by_name(w.substr(0, eq));
    uint32_t v = 0;
    if (!reg || !parse_u32(w.substr(eq + 1), 16, v)) {
      why = "bad register write '" + w + "'";
      return false;
    }
    r.regs.push_back({*reg, v});
  }
  for (const std::string& w : split_ws(part[3])) {
    InsnRecord::Mem m{};
    const size_t atp = w.find('@'), eq = w.find('=');
    uint32_t sz = 0;
    if (w.size() < 2 || (w[0] != 'r' && w[0] != 'w') || atp == std::string::npos || eq == std::string::npos ||
        eq < atp || !parse_u32(w.substr(1, atp - 1), 10, sz) || sz == 0 || sz > 4 ||
        !parse_u32(w.substr(atp + 1, eq - atp - 1), 16, m.lin) || !parse_u32(w.substr(eq + 1), 16, m.value)) {
      why = "bad memory access '" + w + "'";
      return false;
    }
    m.write = w[0] == 'w';
    m.size = uint8_t(sz);
    r.mem.push_back(m);
  }
  return true;
}

}  // namespace

bool parse_text_trace(const std::string& text, const std::string& name, std::vector<InsnRecord>& out,
                      std::string& error) {
  out.clear();
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  if (!std::getline(in, line) || line != kTextTraceHeader) {
    error = name + ": line 1: not a pvlab instruction trace (expected '" + kTextTraceHeader + "')";
    return false;
  }
  ++lineno;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    InsnRecord r;
    std::string why;
    if (!parse_line(line, r, why)) {
      error = name + ": line " + std::to_string(lineno) + ": " + why;
      return false;
    }
    out.push_back(std::move(r));
  }
  return true;
}

bool read_trace_file(const std::string& path, std::vector<InsnRecord>& out, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = path + ": cannot open file";
    return false;
  }
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (data.size() >= 8 && std::memcmp(data.data(), kTraceMagic, 8) == 0)
    return parse_binary_trace(data, path, out, error);
  return parse_text_trace(std::string(data.begin(), data.end()), path, out, error);
}

}  // namespace pvlab
