// A bounded fuzz run (fixed seed) of the snapshot and recording readers: every truncation of a
// small file, and flipped bytes both caught by the checksum and slipped past it (the file
// re-sealed with a correct checksum, so the section parsers and the machine's loaders see
// them). Every case must end in an error message, never a crash; a corrupt snapshot never
// restores.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "demo_guest.h"
#include "frontend/recording.h"
#include "frontend/snap_machine.h"
#include "frontend/snapshot.h"
#include "frontend/state_file.h"
#include "pv_demo_guest.h"

using namespace pvlab;

namespace {

MachineSpec spec_for(const std::vector<uint8_t>& image, const char* kind, uint64_t ram) {
  MachineSpec s;
  s.kind = kind;
  s.image_hash = state_hash(image);
  s.ram_bytes = ram;
  return s;
}

// Flip one byte of section `tag` and write the file again with a valid checksum.
std::vector<uint8_t> reseal_with_flip(const std::vector<uint8_t>& file, const char (&magic)[9],
                                      uint32_t version, const char* tag, size_t pos, uint8_t mask) {
  StateFile f;
  std::string err;
  REQUIRE(read_state_file(file, magic, version, "file", f, err));
  for (StateSection& s : f.sections)
    if (s.tag == tag && !s.data.empty()) s.data[pos % s.data.size()] ^= mask;
  return write_state_file(magic, f);
}

}  // namespace

TEST_CASE("fuzz: snapshots, truncated at every offset and with flipped bytes") {
  const std::vector<uint8_t> img(std::begin(kDemoGuest), std::end(kDemoGuest));
  const MachineSpec spec = spec_for(img, "pc", 2u << 20);
  std::string err;
  auto m = SnapMachine::create(spec, img, err);
  REQUIRE_MESSAGE(m, err);
  REQUIRE(m->run(100'000) == SnapMachine::Halt::AtStop);
  const std::vector<uint8_t> snap = make_snapshot(*m);
  MESSAGE("snapshot of " << snap.size() << " bytes");

  StateFile f;
  SnapshotInfo info;
  for (size_t n = 0; n < snap.size(); ++n) {
    const std::vector<uint8_t> cut(snap.begin(), snap.begin() + long(n));
    err.clear();
    REQUIRE_FALSE(read_snapshot(cut, f, info, err));
    REQUIRE(!err.empty());
  }

  std::mt19937 rng(20261207);
  size_t refused_by_checksum = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> bad = snap;
    bad[rng() % bad.size()] ^= uint8_t(1u << (rng() % 8));
    err.clear();
    if (!read_snapshot(bad, f, info, err)) {
      ++refused_by_checksum;
      REQUIRE(!err.empty());
    }
  }
  CHECK(refused_by_checksum == 2000);

  // Past the checksum: the machine's loaders must refuse (or the restored state's hash does).
  constexpr char kSnapMagic[9] = "PVLABSNP";
  const char* tags[] = {"MACH", "INFO", "RAM_"};
  for (int i = 0; i < 300; ++i) {
    const char* tag = tags[i % 10 == 9 ? 1 + (i / 10) % 2 : 0];
    const std::vector<uint8_t> bad =
        reseal_with_flip(snap, kSnapMagic, kSnapshotVersion, tag, rng(), uint8_t(1u << (rng() % 8)));
    err.clear();
    if (!read_snapshot(bad, f, info, err)) {
      REQUIRE(!err.empty());
      continue;
    }
    auto fresh = SnapMachine::create(info.spec, img, err);
    if (!fresh) continue;   // INFO's image identity or shape was hit
    const bool restored = restore_snapshot(*fresh, f, info, err);
    // INFO also holds words that do not shape the machine (the image's path): a flip there
    // may restore. A flip in the machine state or RAM never does.
    if (std::string(tag) == "INFO") continue;
    INFO("flipped a byte of " << std::string(tag));
    CHECK_FALSE(restored);
    CHECK(!err.empty());
  }
}

TEST_CASE("fuzz: a PV snapshot's hypervisor state with flipped bytes never restores") {
  const std::vector<uint8_t> img(std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
  MachineSpec spec = spec_for(img, "pv", 16u << 20);
  spec.vcpus = 2;
  std::string err;
  auto m = SnapMachine::create(spec, img, err);
  REQUIRE_MESSAGE(m, err);
  REQUIRE(m->run(100'000) == SnapMachine::Halt::AtStop);
  const std::vector<uint8_t> snap = make_snapshot(*m);
  constexpr char kSnapMagic[9] = "PVLABSNP";
  std::mt19937 rng(7);
  StateFile f;
  SnapshotInfo info;
  auto target = SnapMachine::create(spec, img, err);
  REQUIRE(target);
  for (int i = 0; i < 150; ++i) {
    const std::vector<uint8_t> bad =
        reseal_with_flip(snap, kSnapMagic, kSnapshotVersion, "MACH", rng(), uint8_t(1u << (rng() % 8)));
    REQUIRE(read_snapshot(bad, f, info, err));
    err.clear();
    CHECK_FALSE(restore_snapshot(*target, f, info, err));
    CHECK(!err.empty());
  }
  // And the untouched snapshot still restores into the machine the failures left behind.
  REQUIRE(read_snapshot(snap, f, info, err));
  CHECK_MESSAGE(restore_snapshot(*target, f, info, err), err);
}

TEST_CASE("fuzz: the out-of-order model's state with flipped bytes never restores (both engines)") {
  for (const char* timing : {"[timing]\n", "[timing]\nengine = cycle\n"}) {
    CAPTURE(timing);
    const std::vector<uint8_t> img(std::begin(kDemoGuest), std::end(kDemoGuest));
    MachineSpec spec = spec_for(img, "pc", 2u << 20);
    spec.timing = timing;
    std::string err;
    auto m = SnapMachine::create(spec, img, err);
    REQUIRE_MESSAGE(m, err);
    REQUIRE(m->run(50'000) == SnapMachine::Halt::AtStop);
    const std::vector<uint8_t> snap = make_snapshot(*m);
    constexpr char kSnapMagic[9] = "PVLABSNP";
    StateFile f;
    SnapshotInfo info;
    REQUIRE(read_snapshot(snap, f, info, err));
    const std::vector<uint8_t>& mach = f.find("MACH")->data;
    const std::string timg = "TIMG";
    const auto at = std::search(mach.begin(), mach.end(), timg.begin(), timg.end());
    REQUIRE(at != mach.end());
    const size_t from = size_t(at - mach.begin()), len = mach.size() - from;
    auto target = SnapMachine::create(spec, img, err);
    REQUIRE(target);
    std::mt19937 rng(11);
    for (int i = 0; i < 200; ++i) {
      // A byte of the models' part of MACH (reseal_with_flip takes the position modulo the size).
      const size_t pos = from + rng() % len;
      const std::vector<uint8_t> bad =
          reseal_with_flip(snap, kSnapMagic, kSnapshotVersion, "MACH", pos, uint8_t(1u << (rng() % 8)));
      REQUIRE(read_snapshot(bad, f, info, err));
      err.clear();
      CHECK_FALSE(restore_snapshot(*target, f, info, err));
      CHECK(!err.empty());
    }
    REQUIRE(read_snapshot(snap, f, info, err));
    CHECK_MESSAGE(restore_snapshot(*target, f, info, err), err);
  }
}

TEST_CASE("fuzz: recordings, truncated at every offset and with flipped bytes") {
  Recording rec;
  rec.spec.kind = "pv";
  rec.spec.image_path = "guest.elf";
  rec.spec.image_hash = 0x1234;
  rec.max_insns = 1000;
  rec.interval = 100;
  rec.inputs = {{150, input_source::kCom1, "hello\n"}, {900, input_source::kCom1, "x"}};
  rec.checkpoints = {{100, 104, 90, 0xabcdef, 0, {}}, {200, 203, 180, 0x123456, 1, {1, 2, 3}}};
  rec.end = {1000, 950, 0x55aa, 0, 0x77};
  const std::vector<uint8_t> bytes = write_recording(rec);

  Recording back;
  std::string err;
  REQUIRE_MESSAGE(read_recording(bytes, back, err), err);
  CHECK(back.inputs.size() == 2);
  CHECK(back.inputs[0].bytes == "hello\n");
  CHECK(back.checkpoints[1].snapshot == std::vector<uint8_t>{1, 2, 3});
  CHECK(back.end.hash == 0x55aa);
  CHECK(write_recording(back) == bytes);

  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(n));
    err.clear();
    REQUIRE_FALSE(read_recording(cut, back, err));
    REQUIRE(!err.empty());
  }
  constexpr char kRecMagic[9] = "PVLABREC";
  std::mt19937 rng(99);
  const char* tags[] = {"SPEC", "INPT", "CHKP", "END_"};
  size_t refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[rng() % bad.size()] ^= uint8_t(1u << (rng() % 8));
    REQUIRE_FALSE(read_recording(bad, back, err));
    bad = reseal_with_flip(bytes, kRecMagic, kRecordingVersion, tags[i % 4], rng(),
                           uint8_t(1u << (rng() % 8)));
    err.clear();
    if (!read_recording(bad, back, err)) {
      ++refused;
      REQUIRE(!err.empty());
      CHECK(err.find("section '") != std::string::npos);
    }
  }
  MESSAGE(refused << " of 3000 re-sealed corruptions refused by the section parsers");
  CHECK(refused > 0);
}
