// Device state as bytes. Every device writes its fields one by one, little-endian, through a
// StateWriter, and reads them back through a StateReader that checks every length, so two
// machines in the same state produce the same bytes (snapshots, replay checks, hashing) and a
// truncated or corrupt blob is refused rather than trusted.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab {

class StateWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void i64(int64_t v) { put(uint64_t(v), 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void bytes(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }
  // A length-prefixed byte string.
  void blob(const std::vector<uint8_t>& b) {
    u32(uint32_t(b.size()));
    bytes(b.data(), b.size());
  }
  // A four-character section tag, so a reader that drifts out of step fails at once.
  void tag(const char (&t)[5]) { bytes(reinterpret_cast<const uint8_t*>(t), 4); }

  const std::vector<uint8_t>& data() const { return out_; }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void put(uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) out_.push_back(uint8_t(v >> (8 * i)));
  }
  std::vector<uint8_t> out_;
};

// Reads what a StateWriter wrote. After the first failure every read returns zero and ok()
// stays false; error() names what was being read and where.
class StateReader {
 public:
  StateReader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  explicit StateReader(const std::vector<uint8_t>& v) : StateReader(v.data(), v.size()) {}

  uint8_t u8() { return uint8_t(get(1, "byte")); }
  uint16_t u16() { return uint16_t(get(2, "16-bit field")); }
  uint32_t u32() { return uint32_t(get(4, "32-bit field")); }
  uint64_t u64() { return get(8, "64-bit field"); }
  int64_t i64() { return int64_t(get(8, "64-bit field")); }
  bool boolean() {
    uint8_t v = u8();
    if (v > 1) fail("flag byte is neither 0 nor 1");
    return v == 1;
  }
  bool bytes(uint8_t* p, size_t n) {
    if (!need(n, "byte string")) {
      for (size_t i = 0; i < n; ++i) p[i] = 0;
      return false;
    }
    for (size_t i = 0; i < n; ++i) p[i] = p_[pos_ + i];
    pos_ += n;
    return true;
  }
  // A length-prefixed byte string of at most `max` bytes.
  std::vector<uint8_t> blob(size_t max) {
    uint32_t len = u32();
    if (len > max) {
      fail("byte string of " + std::to_string(len) + " bytes (at most " + std::to_string(max) +
           " expected)");
      return {};
    }
    if (!need(len, "byte string")) return {};   // before allocating what the blob claims
    std::vector<uint8_t> b(len);
    bytes(b.data(), len);
    return b;
  }
  bool tag(const char (&t)[5]) {
    uint8_t b[4];
    if (!bytes(b, 4)) return false;
    for (int i = 0; i < 4; ++i)
      if (b[i] != uint8_t(t[i])) return fail(std::string("missing section '") + t + "'");
    return true;
  }
  // Range check helper for enumerations and indexes read from the blob.
  bool check(bool cond, const char* what) { return cond || fail(what); }

  bool ok() const { return error_.empty(); }
  bool at_end() const { return pos_ == n_; }
  size_t remaining() const { return n_ - pos_; }
  size_t pos() const { return pos_; }
  const std::string& error() const { return error_; }
  bool fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at byte " + std::to_string(pos_);
    failed_ = true;
    return false;
  }

 private:
  bool need(size_t n, const char* what) {
    if (failed_) return false;
    if (n > n_ - pos_) {
      fail(std::string("truncated state: ") + what + " needs " + std::to_string(n) +
           " bytes, " + std::to_string(n_ - pos_) + " left");
      return false;
    }
    return true;
  }
  uint64_t get(unsigned n, const char* what) {
    if (!need(n, what)) return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t(p_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }

  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace pvlab
