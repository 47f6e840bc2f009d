// The GDB remote serial protocol as pure functions: framing ($data#cs, acks, the 0x03
// interrupt byte, '}' escapes), and parsing one packet's payload into a command. Nothing
// here touches a socket or a machine, so the parser can be fuzzed: any byte sequence gives
// events and commands or errors, never a crash and never unbounded memory.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvlab::gdb {

// The largest packet pvlab accepts (and announces as PacketSize), payload bytes.
constexpr size_t kMaxPacket = 0x4000;
// The most memory one m / M / X command may move.
constexpr uint64_t kMaxMemoryTransfer = kMaxPacket / 2 - 16;

struct FrameEvent {
  enum class Kind : uint8_t {
    Packet,        // a packet with a good checksum: `data` holds the unescaped payload
    BadChecksum,   // framing was fine, the checksum was not (answer '-')
    TooLong,       // more than kMaxPacket payload bytes (the rest was skipped)
    Interrupt,     // 0x03 outside a packet (Ctrl-C)
    Ack,           // '+'
    Nack,          // '-'
  };
  Kind kind = Kind::Packet;
  std::string data;
};

// Splits a byte stream into events. Bytes outside packets other than '+', '-' and 0x03 are
// ignored, as the protocol allows.
class FrameReader {
 public:
  void feed(std::string_view bytes, std::vector<FrameEvent>& out);
  void reset() { *this = FrameReader{}; }

 private:
  enum class State : uint8_t { Idle, Data, Escape, Sum1, Sum2 };
  State state_ = State::Idle;
  std::string data_;
  uint8_t sum_ = 0;        // running checksum of the raw bytes between $ and #
  uint8_t given_ = 0;      // the checksum the packet carries
  bool bad_digit_ = false;
  bool overflow_ = false;
};

// "$payload#xx" with '$', '#', '}' and '*' escaped.
std::string frame_packet(std::string_view payload);

// ---- hex helpers ----------------------------------------------------------------------------
std::string to_hex(const void* data, size_t n);
std::string to_hex(std::string_view s);
// Decode pairs of hex digits; false on an odd length or a non-hex digit.
bool from_hex(std::string_view hex, std::string& out);
// A number of at most 16 hex digits; false when empty, too long or not hex.
bool parse_hex_u64(std::string_view s, uint64_t& v);
// Little-endian register bytes as hex (the target's byte order).
std::string le_hex(uint64_t v, unsigned bytes);

// ---- commands -----------------------------------------------------------------------------
struct Command {
  enum class Kind : uint8_t {
    Unsupported,   // a well-formed packet pvlab does not implement (empty reply)
    Malformed,     // an error reply (`error` says why)
    Status,        // ?
    ReadRegs,      // g
    WriteRegs,     // G data
    ReadReg,       // p n
    WriteReg,      // P n=v
    ReadMem,       // m addr,len
    WriteMem,      // M addr,len:hex  /  X addr,len:binary (data decoded)
    InsertBreak,   // Z type,addr,kind
    RemoveBreak,   // z type,addr,kind
    Continue,      // c [addr] / vCont;c
    Step,          // s [addr] / vCont;s
    ReverseStep,   // bs
    ReverseContinue, // bc
    VContQuery,    // vCont?
    Detach,        // D
    Kill,          // k
    SetThread,     // H op thread  (type = 'g' or 'c', thread)
    ThreadAlive,   // T thread     (thread)
    Supported,     // qSupported
    NoAckMode,     // QStartNoAckMode
    XferFeatures,  // qXfer:features:read:ANNEX:offset,length  (name = annex)
    Monitor,       // qRcmd,hex  (data = the command text)
    CurrentThread, // qC
    ThreadList,    // qfThreadInfo  (addr = 1) / qsThreadInfo (addr = 0)
    ThreadExtra,   // qThreadExtraInfo,thread  (thread)
    Attached,      // qAttached
    Symbol,        // qSymbol::
    MustReplyEmpty // vMustReplyEmpty
  };
  Kind kind = Kind::Unsupported;
  uint64_t addr = 0;
  uint64_t len = 0;
  unsigned type = 0;       // Z/z type; register number for p/P
  bool has_addr = false;   // c / s with a resume address
  // A thread id: H, T, qThreadExtraInfo, and the thread of vCont's first action. -1 means
  // all threads (and none named), 0 any thread.
  int64_t thread = -1;
  std::string data;        // decoded bytes (G, M, X, P, qRcmd)
  std::string name;        // annex for qXfer
  std::string error;       // Malformed: why
};

Command parse_command(std::string_view payload);

}  // namespace pvlab::gdb
