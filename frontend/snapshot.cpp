#include "frontend/snapshot.h"

#include <zstd.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <stdexcept>

#include "frontend/ram_delta.h"

namespace pvlab {

namespace {

constexpr char kMagic[9] = "PVLABSNP";
constexpr char kDeltaMagic[9] = "PVLABDLT";
constexpr uint8_t kZstd = 1;
// Level 1: RAM snapshots are taken often inside recordings (--with-snapshots); higher levels
// cost several times the time for a few percent of size on guest RAM.
constexpr int kZstdLevel = 1;

std::vector<uint8_t> info_section(SnapMachine& m, uint64_t hash) {
  StateWriter w;
  m.spec().save(w);
  w.u64(m.cycles());
  w.u64(m.insns());
  w.u64(hash);
  return w.take();
}

// RAM streamed through zstd into a buffer that grows with what comes out: a compressed
// guest RAM is mostly far smaller than RAM, so nothing of RAM's size is allocated or cleared.
std::vector<uint8_t> ram_section(SnapMachine& m) {
  PhysMem& ram = m.ram();
  std::vector<uint8_t> out(9 + (1u << 16));
  for (unsigned i = 0; i < 8; ++i) out[i] = uint8_t(uint64_t(ram.size()) >> (8 * i));
  out[8] = kZstd;
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!cctx) throw std::runtime_error("zstd: cannot create a compression context");
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setPledgedSrcSize(cctx.get(), ram.size());
  ZSTD_inBuffer in{ram.ptr(0), ram.size(), 0};
  size_t used = 9;
  for (;;) {
    if (out.size() - used < (1u << 16)) out.resize(out.size() * 2);
    ZSTD_outBuffer o{out.data() + used, out.size() - used, 0};
    const size_t left = ZSTD_compressStream2(cctx.get(), &o, &in, ZSTD_e_end);
    if (ZSTD_isError(left)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(left));
    used += o.pos;
    if (left == 0) break;
  }
  out.resize(used);
  return out;
}

}  // namespace

std::vector<uint8_t> make_snapshot(SnapMachine& m, std::optional<uint64_t> known_hash) {
  StateWriter mach;
  m.save(mach);
  const uint64_t hash = known_hash ? *known_hash : m.hash();
  StateFile f;
  f.version = kSnapshotVersion;
  f.sections.push_back({"INFO", info_section(m, hash), 0});
  f.sections.push_back({"MACH", mach.take(), 0});
  f.sections.push_back({"RAM_", ram_section(m), 0});
  return write_state_file(kMagic, f);
}

namespace {

// Check that `file` has every section of `tags` and read its INFO section into `info`; `what`
// names the kind of file in errors.
bool read_info(const StateFile& file, std::initializer_list<const char*> tags, const char* what, SnapshotInfo& info,
               std::string& error) {
  for (const char* tag : tags)
    if (!file.find(tag)) {
      error = std::string(what) + ": no '" + tag + "' section";
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
    error = std::string(what) + ": section 'INFO' (file byte " + std::to_string(s.offset) + "): " + r.error();
    return false;
  }
  return true;
}

}  // namespace

bool read_snapshot(const std::vector<uint8_t>& bytes, StateFile& file, SnapshotInfo& info,
                   std::string& error) {
  if (!read_state_file(bytes, kMagic, kSnapshotVersion, "snapshot", file, error)) return false;
  if (!read_info(file, {"INFO", "MACH", "RAM_"}, "snapshot", info, error)) return false;
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

// MACH into the machine, then the state hash check (RAM is in place).
static bool restore_mach(SnapMachine& m, const StateFile& file, const SnapshotInfo& info, std::string& error);

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
  mem.mark_all_dirty();   // RAM replaced: the page hashes are all stale
  if (ZSTD_isError(n) || n != mem.size()) {
    error = "snapshot: section 'RAM_' at byte " + std::to_string(ram.offset + 9) + ": " +
            (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short RAM image");
    return false;
  }
  return restore_mach(m, file, info, error);
}

static bool restore_mach(SnapMachine& m, const StateFile& file, const SnapshotInfo& info, std::string& error) {
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

std::vector<uint8_t> make_delta_snapshot(SnapMachine& m, std::vector<uint8_t> ram_delta, uint64_t hash,
                                         uint64_t base_cycle, uint64_t base_hash) {
  StateWriter mach;
  m.save(mach);
  StateWriter base;
  base.u64(base_cycle);
  base.u64(base_hash);
  StateFile f;
  f.version = kSnapshotVersion;
  f.sections.push_back({"INFO", info_section(m, hash), 0});
  f.sections.push_back({"MACH", mach.take(), 0});
  f.sections.push_back({"BASE", base.take(), 0});
  f.sections.push_back({"RAMD", std::move(ram_delta), 0});
  return write_state_file(kDeltaMagic, f);
}

bool is_delta_snapshot(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kDeltaMagic, 8) == 0;
}

namespace {

// A delta file checked and its INFO read.
bool read_delta(const std::vector<uint8_t>& bytes, StateFile& file, SnapshotInfo& info, uint64_t& base_cycle,
                uint64_t& base_hash, std::string& error) {
  if (!read_state_file(bytes, kDeltaMagic, kSnapshotVersion, "incremental snapshot", file, error)) return false;
  if (!read_info(file, {"INFO", "MACH", "BASE", "RAMD"}, "incremental snapshot", info, error)) return false;
  const StateSection& b = *file.find("BASE");
  if (b.data.size() != 16) {
    error = "incremental snapshot: section 'BASE' at byte " + std::to_string(b.offset) + " is not 16 bytes";
    return false;
  }
  StateReader br(b.data);
  base_cycle = br.u64();
  base_hash = br.u64();
  return true;
}

}  // namespace

bool restore_snapshot_chain(SnapMachine& m, const std::vector<const std::vector<uint8_t>*>& chain,
                            const std::function<std::string(size_t)>& what, std::string& error) {
  if (chain.empty()) {
    error = "no snapshot to restore";
    return false;
  }
  StateFile file;
  SnapshotInfo info;
  if (is_delta_snapshot(*chain[0])) {
    error = what(0) + ": an incremental snapshot where a whole one must start the chain";
    return false;
  }
  if (!read_snapshot(*chain[0], file, info, error)) {
    error = what(0) + ": " + error;
    return false;
  }
  if (chain.size() == 1) {
    if (!restore_snapshot(m, file, info, error)) {
      error = what(0) + ": " + error;
      return false;
    }
    return true;
  }
  // RAM of the whole snapshot first (its MACH is not needed: the last file's is).
  const StateSection& ram = *file.find("RAM_");
  PhysMem& mem = m.ram();
  const unsigned long long content =
      ram.data[8] == kZstd ? ZSTD_getFrameContentSize(ram.data.data() + 9, ram.data.size() - 9) : 0;
  if (info.ram_bytes != mem.size() || content != mem.size()) {
    error = what(0) + ": section 'RAM_' at byte " + std::to_string(ram.offset) +
            " does not hold this machine's RAM";
    return false;
  }
  const size_t n = ZSTD_decompress(mem.ptr(0), mem.size(), ram.data.data() + 9, ram.data.size() - 9);
  mem.mark_all_dirty();
  if (ZSTD_isError(n) || n != mem.size()) {
    error = what(0) + ": section 'RAM_' at byte " + std::to_string(ram.offset + 9) + ": " +
            (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short RAM image");
    return false;
  }
  uint64_t last_cycle = info.cycles, last_hash = info.state_hash;
  for (size_t i = 1; i < chain.size(); ++i) {
    StateFile d;
    SnapshotInfo di;
    if (!is_delta_snapshot(*chain[i])) {
      error = what(i) + ": a whole snapshot inside a chain of incremental ones";
      return false;
    }
    uint64_t base_cycle = 0, base_hash = 0;
    if (!read_delta(*chain[i], d, di, base_cycle, base_hash, error)) {
      error = what(i) + ": " + error;
      return false;
    }
    if (di.spec.image_hash != info.spec.image_hash || di.spec.ram_bytes != info.spec.ram_bytes ||
        base_cycle != last_cycle || base_hash != last_hash) {
      error = what(i) + ": does not follow the snapshot before it (it was taken after the one at cycle " +
              std::to_string(base_cycle) + " with hash " + hash_hex(base_hash) + ")";
      return false;
    }
    last_cycle = di.cycles;
    last_hash = di.state_hash;
    const StateSection& rd = *d.find("RAMD");
    if (!apply_ram_delta(mem, rd.data, rd.offset, error)) {
      error = what(i) + ": " + error;
      return false;
    }
    if (i + 1 == chain.size() && !restore_mach(m, d, di, error)) {
      error = what(i) + ": " + error;
      return false;
    }
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
