// The instruction trace's record and its two file formats.
//
// Text (.txt, `--trace-format text`): a "# pvlab instruction trace v1" line, then one line per
// retired instruction:
//   n=1042 c=2210 v=0 eip=c0001a3c b=89e5 | mov ebp, esp | ebp=0x8fdc | r4@00008fd8=0x0
// four fields split by " | " (a field may be empty): where (instruction count after retiring it, cycle, vcpu, EIP,
// bytes), the disassembly, the registers written (name=value) and the memory touched
// (r or w, size, @ linear address, =value read or written).
//
// Binary (.pvt, `--trace-format bin`), little-endian:
//   header   "PVLABTRC" u16 version (1) u16 flags (0) u32 reserved (0)
//   record   u8 tag (1) · varint cycle delta · varint count delta · u8 vcpu · u8 mode
//            (bit 0: 32-bit code) · u32 EIP · u8 length · bytes · u8 register count ·
//            (u8 register, u32 value)… · varint access count · (u8 size | 0x80 for a
//            write, u32 address, u32 value)…
//   (varints are LEB128; a length of 0 means the bytes could not be read back)
//   trailer  u8 tag (0xfe) · u64 record count · u32 CRC-32 of every byte before the CRC
// The binary keeps no disassembly: readers disassemble the bytes (Capstone).
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pvlab {

// Registers an instruction trace reports: the GPRs, EFLAGS, the segment selectors and the
// control registers, in this order.
namespace treg {
constexpr uint8_t kEflags = 8;
constexpr uint8_t kSeg = 9;     // ES CS SS DS FS GS: 9..14
constexpr uint8_t kCr0 = 15, kCr2 = 16, kCr3 = 17, kCr4 = 18;
constexpr uint8_t kCount = 19;
const char* name(uint8_t r);
std::optional<uint8_t> by_name(const std::string& s);
}  // namespace treg

struct InsnRecord {
  uint64_t cycle = 0;     // after the instruction retired
  uint64_t count = 0;     // the vcpu's retired instructions, this one included
  uint8_t vcpu = 0;
  bool code32 = true;
  uint32_t eip = 0;
  std::vector<uint8_t> bytes;
  struct Reg {
    uint8_t reg;
    uint32_t value;
    bool operator==(const Reg&) const = default;
  };
  struct Mem {
    uint32_t lin;
    uint8_t size;
    bool write;
    uint32_t value;
    bool operator==(const Mem&) const = default;
  };
  std::vector<Reg> regs;
  std::vector<Mem> mem;
  std::string disasm;     // text traces only (a binary one is disassembled on reading)
};

enum class TraceFormat : uint8_t { Text, Binary };
// From `--trace-format` (text, bin) or else the file's extension (.pvt is binary).
std::optional<TraceFormat> trace_format_for(const std::string& path, const std::string& format);

// Capstone, 16- and 32-bit, Intel syntax.
std::string disassemble_bytes(const std::vector<uint8_t>& bytes, bool code32, uint32_t eip);

// The text line for a record (no newline); `disasm` empty: disassembled here.
std::string format_insn_line(const InsnRecord& r);

class TraceWriter {
 public:
  virtual ~TraceWriter() = default;
  virtual void write(const InsnRecord& r) = 0;
  // Flush and close; false with a message when the file could not be written.
  virtual bool finish(std::string& error) = 0;
  static std::unique_ptr<TraceWriter> open(const std::string& path, TraceFormat f, std::string& error);
};

constexpr char kTraceMagic[8] = {'P', 'V', 'L', 'A', 'B', 'T', 'R', 'C'};
constexpr uint16_t kTraceVersion = 1;
constexpr char kTextTraceHeader[] = "# pvlab instruction trace v1";

uint32_t crc32_update(uint32_t crc, const uint8_t* p, size_t n);

// Read a whole trace, either format (told apart by the first bytes). On failure returns
// false with `error` naming `name` and where it went wrong (byte offset, or line).
bool parse_binary_trace(const std::vector<uint8_t>& data, const std::string& name,
                        std::vector<InsnRecord>& out, std::string& error);
bool parse_text_trace(const std::string& text, const std::string& name, std::vector<InsnRecord>& out,
                      std::string& error);
bool read_trace_file(const std::string& path, std::vector<InsnRecord>& out, std::string& error);

}  // namespace pvlab
