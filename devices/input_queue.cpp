#include "devices/input_queue.h"

#include <algorithm>

namespace pvlab {

namespace {
constexpr char kMagic[5] = "PVIQ";
constexpr uint32_t kVersion = 1;
}  // namespace

void InputQueue::push(uint64_t cycle, uint16_t source, const uint8_t* p, size_t n) {
  if (n == 0) return;
  // Split oversized input so every entry fits the serialized format's limit.
  while (n > kMaxEntryBytes) {
    push(cycle, source, p, kMaxEntryBytes);
    p += kMaxEntryBytes;
    n -= kMaxEntryBytes;
  }
  InputEntry e;
  e.cycle = cycle;
  e.source = source;
  e.bytes.assign(p, p + n);
  // After every entry with a stamp <= cycle: live pushes append, late stamps keep order.
  auto at = std::upper_bound(entries_.begin(), entries_.end(), cycle,
                             [](uint64_t c, const InputEntry& x) { return c < x.cycle; });
  size_t index = size_t(at - entries_.begin());
  entries_.insert(at, std::move(e));
  first_open_ = std::min(first_open_, index);
  auto it = listeners_.find(source);
  if (it != listeners_.end() && it->second) it->second();
}

size_t InputQueue::pull(uint16_t source, uint64_t now, uint8_t* out, size_t max) {
  size_t got = 0;
  for (size_t i = first_open_; i < entries_.size() && got < max; ++i) {
    InputEntry& e = entries_[i];
    if (e.cycle > now) break;
    if (e.source != source) continue;
    size_t take = std::min(max - got, e.bytes.size() - e.consumed);
    std::copy_n(e.bytes.begin() + e.consumed, take, out + got);
    e.consumed += uint32_t(take);
    got += take;
  }
  advance_first();
  return got;
}

uint64_t InputQueue::next_stamp(uint16_t source) const {
  for (size_t i = first_open_; i < entries_.size(); ++i) {
    const InputEntry& e = entries_[i];
    if (e.source == source && e.consumed < e.bytes.size()) return e.cycle;
  }
  return kNone;
}

size_t InputQueue::pending_bytes(uint16_t source) const {
  size_t n = 0;
  for (size_t i = first_open_; i < entries_.size(); ++i)
    if (entries_[i].source == source) n += entries_[i].bytes.size() - entries_[i].consumed;
  return n;
}

void InputQueue::advance_first() {
  while (first_open_ < entries_.size() &&
         entries_[first_open_].consumed == entries_[first_open_].bytes.size())
    ++first_open_;
}

void InputQueue::clear() {
  entries_.clear();
  first_open_ = 0;
}

void InputQueue::rewind() {
  for (InputEntry& e : entries_) e.consumed = 0;
  first_open_ = 0;
}

void InputQueue::save(StateWriter& w) const {
  w.tag(kMagic);
  w.u32(kVersion);
  w.u32(uint32_t(entries_.size()));
  for (const InputEntry& e : entries_) {
    w.u64(e.cycle);
    w.u16(e.source);
    w.u32(e.consumed);
    w.blob(e.bytes);
  }
}

bool InputQueue::read_entries(StateReader& r, std::vector<InputEntry>& out) const {
  if (!r.tag(kMagic)) return false;
  uint32_t version = r.u32();
  if (r.ok() && version != kVersion)
    return r.fail("input queue format version " + std::to_string(version) + " (expected " +
                  std::to_string(kVersion) + ")");
  uint32_t n = r.u32();
  if (!r.ok()) return false;
  out.clear();
  uint64_t last = 0;
  for (uint32_t i = 0; i < n; ++i) {
    InputEntry e;
    e.cycle = r.u64();
    e.source = r.u16();
    e.consumed = r.u32();
    e.bytes = r.blob(kMaxEntryBytes);
    if (!r.ok()) return false;
    if (e.bytes.empty())
      return r.fail("input entry " + std::to_string(i) + " has no bytes");
    if (e.consumed > e.bytes.size())
      return r.fail("input entry " + std::to_string(i) + " claims " +
                    std::to_string(e.consumed) + " of its " + std::to_string(e.bytes.size()) +
                    " bytes consumed");
    if (e.cycle < last)
      return r.fail("input entry " + std::to_string(i) + " at cycle " +
                    std::to_string(e.cycle) + " comes after one at cycle " +
                    std::to_string(last));
    last = e.cycle;
    out.push_back(std::move(e));
  }
  return true;
}

bool InputQueue::load(StateReader& r) {
  std::vector<InputEntry> tmp;
  if (!read_entries(r, tmp)) return false;
  entries_ = std::move(tmp);
  first_open_ = 0;
  advance_first();
  return true;
}

std::vector<uint8_t> InputQueue::serialize() const {
  StateWriter w;
  save(w);
  return w.take();
}

bool InputQueue::deserialize(const uint8_t* p, size_t n, std::string& error) {
  StateReader r(p, n);
  std::vector<InputEntry> tmp;
  if (!read_entries(r, tmp)) {
    error = "input queue: " + r.error();
    return false;
  }
  if (!r.at_end()) {
    error = "input queue: " + std::to_string(n - r.pos()) + " stray bytes after the last entry";
    return false;
  }
  entries_ = std::move(tmp);
  first_open_ = 0;
  advance_first();
  return true;
}

}  // namespace pvlab
