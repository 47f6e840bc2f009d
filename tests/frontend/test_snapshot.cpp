// Whole-machine snapshots: saving does not disturb the run, two snapshots of one state are the
// same bytes, a restored machine saves back to those bytes and finishes exactly like the run
// that was never interrupted, and a snapshot refuses an image it was not made from.
#include <doctest/doctest.h>

#include "demo_guest.h"
#include "frontend/snap_machine.h"
#include "frontend/snapshot.h"
#include "frontend/state_file.h"
#include "pv_demo_guest.h"
#include "snap_machines.h"
#include "pv_test_vcpus.h"

using namespace pvlab;
using namespace pvlab::snap_test;

namespace {

struct Outcome {
  std::string console;
  uint64_t cycles = 0, insns = 0, hash = 0;
  int status = -1;
  bool operator==(const Outcome&) const = default;
};

Outcome finish(SnapMachine& m) {
  SnapMachine::Halt h;
  do h = m.run(~0ull, 200'000'000); while (h == SnapMachine::Halt::AtStop);
  return Outcome{m.console(), m.cycles(), m.insns(), m.hash(), m.exit_status()};
}

// Run to `at`, snapshot, go on; restore the snapshot into a fresh machine and finish it too.
void check_round_trip(const std::vector<uint8_t>& image, const MachineSpec& spec, uint64_t at) {
  const Outcome whole = finish(*make(spec, image));
  REQUIRE(whole.status >= 0);
  REQUIRE_MESSAGE(at < whole.cycles, "the cut must fall inside the run");

  auto a = make(spec, image);
  REQUIRE(a->run(at, 200'000'000) == SnapMachine::Halt::AtStop);
  CHECK(a->cycles() >= at);
  const uint64_t stopped_at = a->cycles();
  const std::vector<uint8_t> s1 = make_snapshot(*a);
  const std::vector<uint8_t> s2 = make_snapshot(*a);
  CHECK(s1 == s2);
  const Outcome cut = finish(*a);
  CHECK(cut == whole);

  StateFile f;
  SnapshotInfo info;
  std::string err;
  REQUIRE_MESSAGE(read_snapshot(s1, f, info, err), err);
  CHECK(info.cycles == stopped_at);
  CHECK(info.spec.kind == spec.kind);
  auto b = make(info.spec, image);
  REQUIRE_MESSAGE(restore_snapshot(*b, f, info, err), err);
  CHECK(b->cycles() == stopped_at);
  CHECK(make_snapshot(*b) == s1);   // the restored machine saves back to the same bytes
  const Outcome resumed = finish(*b);
  CHECK(resumed.cycles == whole.cycles);
  CHECK(resumed.insns == whole.insns);
  CHECK(resumed.hash == whole.hash);
  CHECK(resumed.status == whole.status);
  CHECK(resumed.console == whole.console);
}

std::vector<uint8_t> demo_pc() { return {std::begin(kDemoGuest), std::end(kDemoGuest)}; }
std::vector<uint8_t> demo_pv() { return {std::begin(kPvDemoGuest), std::end(kPvDemoGuest)}; }
std::vector<uint8_t> vcpus_pv() { return {std::begin(kPvTestVcpus), std::end(kPvTestVcpus)}; }

}  // namespace

TEST_CASE("snapshot round trip: a PC guest") {
  const auto img = demo_pc();
  check_round_trip(img, spec_for(img, "pc"), 100'000);
}

TEST_CASE("snapshot round trip: a PV guest, one and two vcpus") {
  const auto img = demo_pv();
  check_round_trip(img, spec_for(img, "pv"), 100'000);
  // The vcpus conformance kernel brings its second vcpu up and runs both.
  const auto two = vcpus_pv();
  check_round_trip(two, spec_for(two, "pv", 2), 60'000);
  check_round_trip(two, spec_for(two, "pv", 2), 100'000);
}

TEST_CASE("a snapshot taken at the start restores to the start") {
  const auto img = demo_pc();
  const MachineSpec spec = spec_for(img, "pc");
  auto a = make(spec, img);
  const std::vector<uint8_t> s = make_snapshot(*a);
  StateFile f;
  SnapshotInfo info;
  std::string err;
  REQUIRE(read_snapshot(s, f, info, err));
  CHECK(info.cycles == 0);
  auto b = make(spec, img);
  REQUIRE_MESSAGE(restore_snapshot(*b, f, info, err), err);
  CHECK(finish(*a) == finish(*b));
}

TEST_CASE("state hashes tell different states apart") {
  const auto img = demo_pc();
  const MachineSpec spec = spec_for(img, "pc");
  auto a = make(spec, img);
  auto b = make(spec, img);
  CHECK(a->hash() == b->hash());
  // RAM changed behind the machine's back must be marked written (mmu/phys_mem.h), as every
  // path of the machine's own does.
  b->ram().ptr(0x500000)[0] ^= 1;   // one bit of RAM
  b->ram().mark_dirty(0x500000 >> kPageShift);
  CHECK(a->hash() != b->hash());
  b->ram().ptr(0x500000)[0] ^= 1;
  b->ram().mark_dirty(0x500000 >> kPageShift);
  b->pc()->cpu().s.r[EAX] ^= 1;    // one bit of a register
  CHECK(a->hash() != b->hash());
  // The hash itself: fixed values, every length's tail counts.
  const uint8_t bytes[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK(state_hash(bytes, 9) != state_hash(bytes, 8));
  CHECK(state_hash(bytes, 0) != state_hash(bytes, 0, 1));
  CHECK(state_hash(bytes, 9) == state_hash(bytes, 9));
}

TEST_CASE("the state hash depends on the state alone, not on how it was reached") {
  for (const char* kind : {"pc", "pv"}) {
    INFO(kind);
    const auto img = std::string(kind) == "pc" ? demo_pc() : demo_pv();
    const MachineSpec spec = spec_for(img, kind);
    // One way: straight from power-on to the second stop point.
    auto a = make(spec, img);
    REQUIRE(a->run(40'000, 200'000'000) == SnapMachine::Halt::AtStop);
    const uint64_t first = a->cycles();
    const std::vector<uint8_t> snap = make_snapshot(*a);
    REQUIRE(a->run(first + 60'000, 200'000'000) == SnapMachine::Halt::AtStop);
    const uint64_t second = a->cycles();
    // The other: a fresh machine that ran a while first (so its RAM, CPU and TLBs hold other
    // things), then had the snapshot of the first stop point loaded, and ran on from there.
    auto b = make(spec, img);
    REQUIRE(b->run(first + 30'000, 200'000'000) == SnapMachine::Halt::AtStop);
    const uint64_t unrelated = b->hash();
    StateFile f;
    SnapshotInfo info;
    std::string err;
    REQUIRE_MESSAGE(read_snapshot(snap, f, info, err), err);
    REQUIRE_MESSAGE(restore_snapshot(*b, f, info, err), err);
    REQUIRE(b->run(first + 60'000, 200'000'000) == SnapMachine::Halt::AtStop);
    CHECK(b->cycles() == second);
    CHECK(b->hash() == a->hash());
    CHECK(unrelated != a->hash());
    // One byte of RAM anywhere changes it, the last byte included, and undoing the change
    // gives the hash back.
    const uint64_t h = a->hash();
    for (uint64_t at : {uint64_t(0), uint64_t(0x123457), a->ram().size() - 1}) {
      a->ram().ptr(at)[0] ^= 0x80;
      a->ram().mark_dirty(at >> kPageShift);
      CHECK(a->hash() != h);
      a->ram().ptr(at)[0] ^= 0x80;
      a->ram().mark_dirty(at >> kPageShift);
      CHECK(a->hash() == h);
    }
  }
}

TEST_CASE("a snapshot is refused for another image, and for a machine of another shape") {
  const auto img = demo_pv();
  const MachineSpec spec = spec_for(img, "pv");
  auto a = make(spec, img);
  REQUIRE(a->run(50'000) == SnapMachine::Halt::AtStop);
  const std::vector<uint8_t> s = make_snapshot(*a);
  StateFile f;
  SnapshotInfo info;
  std::string err;
  REQUIRE(read_snapshot(s, f, info, err));
  std::vector<uint8_t> other = img;
  other[other.size() - 1] ^= 0xff;
  CHECK(SnapMachine::create(info.spec, other, err) == nullptr);
  CHECK(err.find("is not the one the file was made from") != std::string::npos);

  // The same image as a two-vcpu domain: the vcpu count is part of the state.
  MachineSpec two = info.spec;
  two.vcpus = 2;
  auto b = make(two, img);
  CHECK_FALSE(restore_snapshot(*b, f, info, err));
  CHECK(err.find("vcpu") != std::string::npos);
}

TEST_CASE("snapshot files: wrong magic, version, truncation and corruption are named") {
  const auto img = demo_pc();
  auto a = make(spec_for(img, "pc", 1, 2u << 20), img);
  const std::vector<uint8_t> s = make_snapshot(*a);
  StateFile f;
  SnapshotInfo info;
  std::string err;

  std::vector<uint8_t> bad = s;
  bad[0] = 'X';
  CHECK_FALSE(read_snapshot(bad, f, info, err));
  CHECK(err.find("not a pvlab snapshot") != std::string::npos);

  bad = s;
  bad[8] = 99;
  CHECK_FALSE(read_snapshot(bad, f, info, err));
  CHECK(err.find("format version 99") != std::string::npos);

  bad.assign(s.begin(), s.begin() + long(s.size() / 2));
  CHECK_FALSE(read_snapshot(bad, f, info, err));
  CHECK(err.find("truncated") != std::string::npos);
  CHECK(err.find("at byte") != std::string::npos);

  bad = s;
  bad[s.size() / 2] ^= 0x10;
  CHECK_FALSE(read_snapshot(bad, f, info, err));
  CHECK(err.find("checksum mismatch") != std::string::npos);
}
