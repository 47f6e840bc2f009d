#include "frontend/snapshot.h"

#include <zstd.h>

#include <cstring>

namespace pvlab {

namespace {

constexpr char kMagic[9] = "PVLABSNP";
constexpr uint8_t kZstd = 1;
constexpr int kZstdLevel = 3;

std::vector<uint8_t> info_section(SnapMachine& m, uint64_t hash) {
  StateWriter w;
  m.spec().save(w);
  w.u64(m.cycles());
  w.u64(m.insns());
  w.u64(hash);
  return w.take();
}

std::vector<uint8_t> ram_section(SnapMachine& m) {
  PhysMem& ram = m.ram();
  std::vector<uint8_t> out(8 + 1 + ZSTD_compressBound(ram.size()));
  for (unsigned i = 0; i < 8; ++i) out[i] = uint8_t(uint64_t(ram.size()) >> (8 * i));
  out[8] = kZstd;
  const size_t n = ZSTD_compress(out.data() + 9, out.size() - 9, ram.ptr(0), ram.size(), kZstdLevel);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(9 + n);
  return out;
}

}  // namespace

std::vector<uint8_t> make_snapshot(SnapMachine& m) {
  StateWriter mach;
  m.save(mach);
  const uint64_t hash = m.hash();
  StateFile f;
  f.version = kSnapshotVersion;
  f.sections.push_back({"INFO", info_section(m, hash), 0});
  f.sections.push_back({"MACH", mach.take(), 0});
  f.sections.push_back({"RAM_", ram_section(m), 0});
  return write_state_file(kMagic, f);
}

bool read_snapshot(const std::vector<uint8_t>& bytes, StateFile& file, SnapshotInfo& info,
                   std::string& error) {
  if (!read_state_file(bytes, kMagic, kSnapshotVersion, "snapshot", file, error)) return false;
  for (const char* tag : {"INFO", "MACH", "RAM_"})
    if (!file.find(tag)) {
      error = std::string("snapshot: no '") + tag + "' section";
      return false;
    }
  const StateSection& s = *file.find("INFO");
  StateReader r(s.data);
  info = SnapshotInfo{};
  info.spec.load(r);
  info.cycles = r.u64();
  info.insns = r.u64();
  info.state_hash = r.u64();
  if (r.ok() && !r.at_end()) r.fail("stray bytes");
  if (!r.ok()) {
    error = "snapshot: section 'INFO' (file byte " + std::to_string(s.offset) + "): " + r.error();
    return false;
  }
  const StateSection& ram = *file.find("RAM_");
  if (ram.data.size() < 9) {
    error = "snapshot: section 'RAM_' at byte " + std::to_string(ram.offset) + " is too short";
    return false;
  }
  for (unsigned i = 0; i < 8; ++i) info.ram_bytes |= uint64_t(ram.data[i]) << (8 * i);
  info.ram_stored = ram.data.size() - 9;
  info.mach_bytes = file.find("MACH")->data.size();
  return true;
}

bool restore_snapshot(SnapMachine& m, const StateFile& file, const SnapshotInfo& info,
                      std::string& error) {
  const StateSection& ram = *file.find("RAM_");
  PhysMem& mem = m.ram();
  if (info.ram_bytes != mem.size()) {
    error = "snapshot: RAM of " + std::to_string(info.ram_bytes) + " bytes, the machine has " +
            std::to_string(mem.size());
    return false;
  }
  if (ram.data[8] != kZstd) {
    error = "snapshot: section 'RAM_' at byte " + std::to_string(ram.offset + 8) +
            ": unknown compression " + std::to_string(ram.data[8]);
    return false;
  }
  const unsigned long long content = ZSTD_getFrameContentSize(ram.data.data() + 9, ram.data.size() - 9);
  if (content != mem.size()) {
    error = "snapshot: section 'RAM_' at byte " + std::to_string(ram.offset + 9) +
            ": the compressed RAM does not hold " + std::to_string(mem.size()) + " bytes";
    return false;
  }
  const size_t n = ZSTD_decompress(mem.ptr(0), mem.size(), ram.data.data() + 9, ram.data.size() - 9);
  if (ZSTD_isError(n) || n != mem.size()) {
    error = "snapshot: section 'RAM_' at byte " + std::to_string(ram.offset + 9) + ": " +
            (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short RAM image");
    return false;
  }
  const StateSection& mach = *file.find("MACH");
  StateReader r(mach.data);
  if (m.load(r) && !r.at_end()) r.fail("stray bytes after the machine state");
  if (!r.ok()) {
    error = "snapshot: section 'MACH' (file byte " + std::to_string(mach.offset) + "): " + r.error();
    return false;
  }
  const uint64_t h = m.hash();
  if (h != info.state_hash) {
    error = "snapshot: the restored machine hashes to " + hash_hex(h) + ", the file recorded " +
            hash_hex(info.state_hash);
    return false;
  }
  return true;
}

std::string describe_snapshot(const StateFile& file, const SnapshotInfo& info) {
  std::string s = "pvlab snapshot, format version " + std::to_string(file.version) + "\n";
  s += "machine: " + info.spec.describe() + "\n";
  s += "at cycle " + std::to_string(info.cycles) + ", " + std::to_string(info.insns) +
       " instructions retired\n";
  s += "state hash: " + hash_hex(info.state_hash) + "\n";
  s += "RAM: " + std::to_string(info.ram_bytes) + " bytes, " + std::to_string(info.ram_stored) +
       " stored (zstd)\n";
  s += "sections:";
  for (const StateSection& sec : file.sections)
    s += " " + sec.tag + " (" + std::to_string(sec.data.size()) + " bytes at " +
         std::to_string(sec.offset) + ")";
  return s + "\n";
}

}  // namespace pvlab
