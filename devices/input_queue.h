// The one door through which the outside world reaches the machine. Every input (console
// keystrokes today; disk completions and network frames later) is an entry stamped with the
// CPU cycle at which the machine may see it, a source id naming the device it is for, and its
// bytes. Live runs push host input stamped with the current cycle; devices pull what is due at
// or before the current cycle. Because the entries are the only outside influence, writing
// them out (serialize) is a recording, and loading them back into a fresh machine (deserialize)
// replays the run bit for bit.
//
// Entries stay in the queue after they are consumed (a recording needs all of them); each
// remembers how many of its bytes a device has taken, which is part of the machine state.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "devices/state_io.h"

namespace pvlab {

namespace input_source {
constexpr uint16_t kCom1 = 1;   // the first 16550 UART (0x3F8)
constexpr uint16_t kCom2 = 2;
}  // namespace input_source

struct InputEntry {
  uint64_t cycle = 0;
  uint16_t source = 0;
  std::vector<uint8_t> bytes;
  uint32_t consumed = 0;   // bytes already taken by the device
};

class InputQueue {
 public:
  static constexpr uint64_t kNone = ~0ull;
  static constexpr size_t kMaxEntryBytes = 1u << 24;

  // ---- producers -----------------------------------------------------------------------------
  // Add input for `source` that becomes visible at `cycle`. Entries stay ordered by cycle;
  // entries with equal cycles keep the order they were pushed in.
  void push(uint64_t cycle, uint16_t source, const uint8_t* p, size_t n);
  void push(uint64_t cycle, uint16_t source, std::string_view s) {
    push(cycle, source, reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  // Told after every push for `source` (the device then arranges to look at the queue).
  void set_listener(uint16_t source, std::function<void()> f) { listeners_[source] = std::move(f); }

  // ---- consumers -----------------------------------------------------------------------------
  // Take up to `max` bytes for `source` from entries stamped at or before `now`, oldest first.
  size_t pull(uint16_t source, uint64_t now, uint8_t* out, size_t max);
  bool has_due(uint16_t source, uint64_t now) const { return next_stamp(source) <= now; }
  // The stamp of the oldest entry of `source` with bytes left, kNone if there is none.
  uint64_t next_stamp(uint16_t source) const;
  size_t pending_bytes(uint16_t source) const;

  // ---- the whole queue -----------------------------------------------------------------------
  const std::vector<InputEntry>& entries() const { return entries_; }
  void clear();
  // Mark every entry unconsumed again (replaying a recording from the start).
  void rewind();
  // A self-contained byte image: magic, version, entries with their consumed counts.
  std::vector<uint8_t> serialize() const;
  // Replace the contents with a serialized image. On error the queue is unchanged and
  // `error` says what is wrong and where.
  bool deserialize(const uint8_t* p, size_t n, std::string& error);
  bool deserialize(const std::vector<uint8_t>& b, std::string& error) {
    return deserialize(b.data(), b.size(), error);
  }
  // The same image inside a machine snapshot.
  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  bool read_entries(StateReader& r, std::vector<InputEntry>& out) const;
  void advance_first();

  std::vector<InputEntry> entries_;
  size_t first_open_ = 0;   // entries before this index are fully consumed
  std::map<uint16_t, std::function<void()>> listeners_;
};

}  // namespace pvlab
