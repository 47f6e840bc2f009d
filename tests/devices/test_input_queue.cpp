// InputQueue: entries become visible at their stamp, pull in order per source, and the
// whole queue round-trips through bytes; corrupt images are refused with a reason.
#include <doctest/doctest.h>

#include "devices/input_queue.h"

using namespace pvlab;

namespace {
std::string pull_all(InputQueue& q, uint16_t src, uint64_t now) {
  std::string s;
  uint8_t buf[4];
  while (size_t n = q.pull(src, now, buf, sizeof buf)) s.append(reinterpret_cast<char*>(buf), n);
  return s;
}
}  // namespace

TEST_CASE("input queue: entries are due at their stamp, per source, in order") {
  InputQueue q;
  q.push(100, 1, "hello");
  q.push(100, 2, "XY");
  q.push(250, 1, " world");
  CHECK(q.next_stamp(1) == 100);
  CHECK(q.next_stamp(3) == InputQueue::kNone);
  CHECK(!q.has_due(1, 99));
  CHECK(pull_all(q, 1, 99).empty());
  CHECK(pull_all(q, 1, 100) == "hello");
  CHECK(q.next_stamp(1) == 250);
  CHECK(q.pending_bytes(2) == 2);
  CHECK(pull_all(q, 1, 1000) == " world");
  CHECK(pull_all(q, 2, 1000) == "XY");
  CHECK(q.next_stamp(2) == InputQueue::kNone);
  CHECK(q.entries().size() == 3);   // kept for the recording
}

TEST_CASE("input queue: partial pulls and late stamps keep order") {
  InputQueue q;
  q.push(10, 1, "abcdef");
  uint8_t b[2];
  REQUIRE(q.pull(1, 10, b, 2) == 2);
  CHECK(b[0] == 'a');
  q.push(5, 1, "0");     // an earlier stamp goes before the partly read entry
  q.push(10, 1, "g");    // an equal stamp goes after it
  CHECK(pull_all(q, 1, 10) == "0cdefg");
}

TEST_CASE("input queue: push listeners and rewind") {
  InputQueue q;
  int told = 0;
  q.set_listener(1, [&] { ++told; });
  q.push(1, 1, "a");
  q.push(1, 2, "b");
  CHECK(told == 1);
  CHECK(pull_all(q, 1, 5) == "a");
  q.rewind();
  CHECK(pull_all(q, 1, 5) == "a");
}

TEST_CASE("input queue: serialize and deserialize") {
  InputQueue q;
  q.push(100, 1, "abc");
  q.push(200, 2, std::string("\0\xff", 2));
  uint8_t b;
  q.pull(1, 100, &b, 1);
  std::vector<uint8_t> img = q.serialize();
  InputQueue r;
  std::string err;
  REQUIRE(r.deserialize(img, err));
  CHECK(r.serialize() == img);
  CHECK(pull_all(r, 1, 1000) == "bc");
  CHECK(pull_all(r, 2, 1000) == std::string("\0\xff", 2));

  SUBCASE("truncated") {
    std::vector<uint8_t> bad(img.begin(), img.end() - 1);
    CHECK(!r.deserialize(bad, err));
    CHECK(err.find("truncated") != std::string::npos);
  }
  SUBCASE("wrong magic") {
    std::vector<uint8_t> bad = img;
    bad[0] = 'X';
    CHECK(!r.deserialize(bad, err));
    CHECK(err.find("PVIQ") != std::string::npos);
  }
  SUBCASE("trailing bytes") {
    std::vector<uint8_t> bad = img;
    bad.push_back(0);
    CHECK(!r.deserialize(bad, err));
    CHECK(err.find("stray") != std::string::npos);
  }
  SUBCASE("absurd length") {
    std::vector<uint8_t> bad = img;
    // The first entry's length field follows magic(4) version(4) count(4) cycle(8) source(2)
    // consumed(4).
    bad[26] = 0xff;
    bad[27] = 0xff;
    bad[28] = 0xff;
    bad[29] = 0x7f;
    CHECK(!r.deserialize(bad, err));
    CHECK(err.find("at most") != std::string::npos);
  }
  SUBCASE("out of order") {
    InputQueue o;
    o.push(5, 1, "a");
    o.push(9, 1, "b");
    std::vector<uint8_t> bad = o.serialize();
    bad[12] = 10;   // first entry's cycle becomes 10 > 9
    CHECK(!r.deserialize(bad, err));
    CHECK(err.find("comes after") != std::string::npos);
  }
  // A failed load leaves the queue as it was.
  CHECK(r.pending_bytes(1) == 0);
  CHECK(r.entries().size() == 2);
}
