// The decoded-block cache: lookup by physical address and mode, page-by-page invalidation
// (including blocks whose last instruction reaches into a second frame), and dropped blocks
// staying readable until the run loop collects them.
#include <doctest/doctest.h>

#include "cpu/block_cache.h"

using namespace pvlab;

namespace {

std::unique_ptr<Block> make_block(paddr_t phys, uint32_t mode, paddr_t frame2 = ~paddr_t(0)) {
  auto b = std::make_unique<Block>();
  b->phys = phys;
  b->mode = mode;
  b->frame2 = frame2;
  b->insns.resize(1);
  b->span = 1;
  return b;
}

}  // namespace

TEST_CASE("blocks are found by physical address and mode") {
  BlockCache c(16);
  Block* a = c.insert(make_block(0x1234, 1));
  Block* b = c.insert(make_block(0x1234, 3));
  CHECK(c.find(0x1234, 1) == a);
  CHECK(c.find(0x1234, 3) == b);
  CHECK(c.find(0x1234, 0) == nullptr);
  CHECK(c.find(0x1235, 1) == nullptr);
  CHECK(c.size() == 2);
  CHECK(c.stats().built == 2);
  CHECK(c.stats().lookups == 4);
  CHECK(c.stats().misses == 2);
  CHECK(c.find(0x1234, 1) == a);  // the fast slot answers repeats
  CHECK(c.stats().misses == 2);
}

TEST_CASE("invalidating a frame drops its blocks only, and keeps them readable until collect") {
  BlockCache c(16);
  Block* a = c.insert(make_block(0x1000, 1));
  Block* b = c.insert(make_block(0x1ffe, 1));
  Block* other = c.insert(make_block(0x2000, 1));
  CHECK(c.frame_has_code(1));
  CHECK_FALSE(c.invalidate_frame(3));
  CHECK(c.invalidate_frame(1));
  CHECK(c.stats().invalidated == 2);
  CHECK_FALSE(c.frame_has_code(1));
  CHECK(c.find(0x1000, 1) == nullptr);
  CHECK(c.find(0x1ffe, 1) == nullptr);
  CHECK(c.find(0x2000, 1) == other);
  // The dropped blocks are still intact (the run loop may be executing one of them).
  CHECK_FALSE(a->valid);
  CHECK_FALSE(b->valid);
  CHECK(a->insns.size() == 1);
  CHECK(a->phys == 0x1000);
  c.collect();
  CHECK(c.size() == 1);
  CHECK_FALSE(c.invalidate_frame(1));
}

TEST_CASE("a block reaching into a second frame is dropped by writes to either frame") {
  BlockCache c(16);
  c.insert(make_block(0x4ffe, 1, 0x9000));
  CHECK(c.frame_has_code(4));
  CHECK(c.frame_has_code(9));
  CHECK(c.invalidate_frame(9));
  CHECK(c.find(0x4ffe, 1) == nullptr);
  CHECK_FALSE(c.frame_has_code(4));  // both frame lists forget it
  CHECK_FALSE(c.frame_has_code(9));

  c.insert(make_block(0x4ffe, 1, 0x9000));
  CHECK(c.invalidate_frame(4));
  CHECK_FALSE(c.frame_has_code(9));
}

TEST_CASE("re-inserting a key replaces the old block; a full cache starts over") {
  BlockCache c(4);
  Block* a = c.insert(make_block(0x1000, 1, 0x3000));
  Block* a2 = c.insert(make_block(0x1000, 1));
  CHECK(c.find(0x1000, 1) == a2);
  CHECK_FALSE(a->valid);
  CHECK_FALSE(c.frame_has_code(3));  // the old block's second frame is forgotten
  CHECK(c.size() == 1);
  for (paddr_t p : {0x2000, 0x3000, 0x4000}) c.insert(make_block(p, 1));
  CHECK(c.size() == 4);
  Block* e = c.insert(make_block(0x5000, 1));
  CHECK(c.stats().flushes == 1);
  CHECK(c.size() == 1);
  CHECK(c.find(0x5000, 1) == e);
  CHECK(c.find(0x1000, 1) == nullptr);
  CHECK_FALSE(c.frame_has_code(1));
  CHECK_FALSE(a2->valid);
  c.flush();
  CHECK(c.size() == 0);
  CHECK(c.find(0x5000, 1) == nullptr);
}
