// The xenstore tree (devices/xen/xenstore): the XS_* wire protocol request by request, the
// contents a domU finds, permissions, watches, transactions and the saved state.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "devices/xen/xenstore.h"

extern "C" {
#include <xen/io/xs_wire.h>
}

using namespace pvlab;
using namespace pvlab::xen;

namespace {

struct Msg {
  uint32_t type, req_id, tx_id;
  std::string body;
};

std::vector<Msg> split(const std::vector<uint8_t>& bytes) {
  std::vector<Msg> out;
  size_t at = 0;
  while (at + 16 <= bytes.size()) {
    uint32_t h[4];
    std::memcpy(h, bytes.data() + at, 16);
    REQUIRE(at + 16 + h[3] <= bytes.size());
    out.push_back({h[0], h[1], h[2], std::string(bytes.begin() + long(at + 16), bytes.begin() + long(at + 16 + h[3]))});
    at += 16 + h[3];
  }
  CHECK(at == bytes.size());
  return out;
}

std::string z(const std::string& s) { return s + std::string(1, '\0'); }

// A store as a domU 3 with a console and a store ring sees it.
Xenstore domu() {
  Xenstore s(3);
  s.populate("guest", 65536, 2, 0x1234, 2, 0x1235, 1);
  return s;
}

// One request; the single message it gets back.
Msg ask(Xenstore& s, uint32_t type, const std::string& payload, uint32_t tx = 0) {
  auto m = split(s.handle(type, 77, tx, payload));
  REQUIRE(!m.empty());
  CHECK(m[0].req_id == 77);
  CHECK(m[0].tx_id == tx);
  return m[0];
}

void check_ok(const Msg& m, uint32_t type) {
  CHECK(m.type == type);
  CHECK(m.body == z("OK"));
}

void check_error(const Msg& m, const char* name) {
  CHECK(m.type == XS_ERROR);
  CHECK(m.body == z(name));
}

}  // namespace

TEST_CASE("xenstore: what a domU with no devices finds") {
  Xenstore s = domu();
  Msg m = ask(s, XS_READ, z("domid"));
  CHECK(m.type == XS_READ);
  CHECK(m.body == "3");   // values carry no NUL
  CHECK(ask(s, XS_READ, z("/local/domain/3/name")).body == "guest");
  CHECK(ask(s, XS_READ, z("console/ring-ref")).body == std::to_string(0x1234));
  CHECK(ask(s, XS_READ, z("console/port")).body == "2");
  CHECK(ask(s, XS_READ, z("store/port")).body == "1");
  CHECK(ask(s, XS_READ, z("memory/target")).body == "65536");
  CHECK(ask(s, XS_READ, z("cpu/1/availability")).body == "online");
  const std::string vm = ask(s, XS_READ, z("vm")).body;
  CHECK(vm.rfind("/vm/", 0) == 0);
  CHECK(ask(s, XS_READ, z(vm + "/name")).type == XS_ERROR);   // the toolstack's, not readable by the guest

  m = ask(s, XS_DIRECTORY, z("device"));
  CHECK(m.type == XS_DIRECTORY);
  CHECK(m.body.empty());   // no devices
  check_error(ask(s, XS_DIRECTORY, z("device/vbd")), "ENOENT");
  check_error(ask(s, XS_READ, z("device/vif/0/mac")), "ENOENT");
  m = ask(s, XS_DIRECTORY, z("console"));
  CHECK(m.body == z("limit") + z("output") + z("port") + z("ring-ref") + z("type"));
  m = ask(s, XS_GET_DOMAIN_PATH, z("3"));
  CHECK(m.body == z("/local/domain/3"));
  m = ask(s, XS_GET_PERMS, z("domid"));
  CHECK(m.body == z("n0") + z("r3"));
}

TEST_CASE("xenstore: writes, directories and removal") {
  Xenstore s = domu();
  check_ok(ask(s, XS_WRITE, z("data/a/b") + "value"), XS_WRITE);
  CHECK(ask(s, XS_READ, z("data/a/b")).body == "value");
  CHECK(ask(s, XS_READ, z("data/a")).body.empty());   // parents are created
  check_ok(ask(s, XS_MKDIR, z("data/c")), XS_MKDIR);
  check_ok(ask(s, XS_MKDIR, z("data/c")), XS_MKDIR);   // twice is fine
  CHECK(ask(s, XS_DIRECTORY, z("data")).body == z("a") + z("c"));
  CHECK(ask(s, XS_GET_PERMS, z("data/a/b")).body == z("n3"));   // the creator owns it
  check_ok(ask(s, XS_RM, z("data/a")), XS_RM);
  check_error(ask(s, XS_READ, z("data/a/b")), "ENOENT");
  check_ok(ask(s, XS_RM, z("data/a")), XS_RM);            // gone, parent there: OK
  check_error(ask(s, XS_RM, z("data/x/y")), "ENOENT");   // parent missing

  // What the toolstack owns the domain may read but not change.
  check_error(ask(s, XS_WRITE, z("domid") + "7"), "EACCES");
  check_error(ask(s, XS_WRITE, z("memory/new") + "1"), "EACCES");
  check_error(ask(s, XS_RM, z("name")), "EACCES");
  check_error(ask(s, XS_READ, z("/local/domain/0/name")), "EACCES");
  CHECK(ask(s, XS_READ, z("domid")).body == "3");
  // control/shutdown is the one toolstack node the domain may write.
  check_ok(ask(s, XS_WRITE, z("control/shutdown") + ""), XS_WRITE);

  // Malformed requests.
  check_error(ask(s, XS_READ, z("data//a")), "EINVAL");
  check_error(ask(s, XS_READ, z("data/a/")), "EINVAL");
  check_error(ask(s, XS_READ, z("data/a b")), "EINVAL");
  check_error(ask(s, XS_READ, ""), "EINVAL");
  check_error(ask(s, XS_GET_DOMAIN_PATH, z("x")), "EINVAL");
  check_error(ask(s, XS_INTRODUCE, z("1") + z("2") + z("3")), "EACCES");
  check_error(ask(s, 999, ""), "EINVAL");
}

TEST_CASE("xenstore: permissions are set by the owner only") {
  Xenstore s = domu();
  check_ok(ask(s, XS_WRITE, z("data/p") + "1"), XS_WRITE);
  check_ok(ask(s, XS_SET_PERMS, z("data/p") + z("n3") + z("r0")), XS_SET_PERMS);
  CHECK(ask(s, XS_GET_PERMS, z("data/p")).body == z("n3") + z("r0"));
  check_error(ask(s, XS_SET_PERMS, z("data/p") + z("q3")), "EINVAL");
  check_error(ask(s, XS_SET_PERMS, z("data/nothing") + z("n3")), "ENOENT");
  check_error(ask(s, XS_SET_PERMS, z("domid") + z("n3")), "EACCES");
}

TEST_CASE("xenstore: a watch fires at registration and on changes below it") {
  Xenstore s = domu();
  auto m = split(s.handle(XS_WATCH, 5, 0, z("device") + z("tok")));
  REQUIRE(m.size() == 2);
  check_ok(m[0], XS_WATCH);
  CHECK(m[1].type == XS_WATCH_EVENT);
  CHECK(m[1].body == z("device") + z("tok"));
  check_error(ask(s, XS_WATCH, z("device") + z("tok")), "EEXIST");

  m = split(s.handle(XS_WRITE, 6, 0, z("device/vbd") + ""));
  REQUIRE(m.size() == 2);
  CHECK(m[1].body == z("device/vbd") + z("tok"));   // relative, as the watch was given
  m = split(s.handle(XS_WRITE, 7, 0, z("data/x") + "1"));
  CHECK(m.size() == 1);   // not under the watch

  m = split(s.handle(XS_WATCH, 8, 0, z("/local/domain/3/data") + z("abs")));
  REQUIRE(m.size() == 2);
  m = split(s.handle(XS_RM, 9, 0, z("data/x")));
  REQUIRE(m.size() == 2);
  CHECK(m[1].body == z("/local/domain/3/data/x") + z("abs"));

  check_ok(ask(s, XS_UNWATCH, z("device") + z("tok")), XS_UNWATCH);
  check_error(ask(s, XS_UNWATCH, z("device") + z("tok")), "ENOENT");
  CHECK(split(s.handle(XS_WRITE, 10, 0, z("device/vif") + "")).size() == 1);
}

TEST_CASE("xenstore: transactions commit whole, or fail with EAGAIN after a conflicting change") {
  Xenstore s = domu();
  Msg m = ask(s, XS_TRANSACTION_START, z(""));
  CHECK(m.type == XS_TRANSACTION_START);
  const uint32_t tx = uint32_t(std::stoul(m.body));
  CHECK(tx != 0);
  CHECK(m.body.back() == '\0');
  check_ok(ask(s, XS_WRITE, z("data/t") + "in-tx", tx), XS_WRITE);
  CHECK(ask(s, XS_READ, z("data/t"), tx).body == "in-tx");
  check_error(ask(s, XS_READ, z("data/t")), "ENOENT");   // not visible outside yet
  check_ok(ask(s, XS_TRANSACTION_END, z("T"), tx), XS_TRANSACTION_END);
  CHECK(ask(s, XS_READ, z("data/t")).body == "in-tx");
  check_error(ask(s, XS_READ, z("data/t"), tx), "ENOENT");   // the transaction is over

  // Aborted: nothing changes.
  const uint32_t tx2 = uint32_t(std::stoul(ask(s, XS_TRANSACTION_START, z("")).body));
  CHECK(tx2 != tx);
  check_ok(ask(s, XS_RM, z("data/t"), tx2), XS_RM);
  check_ok(ask(s, XS_TRANSACTION_END, z("F"), tx2), XS_TRANSACTION_END);
  CHECK(ask(s, XS_READ, z("data/t")).body == "in-tx");

  // A change outside the transaction while it runs: the commit fails.
  const uint32_t tx3 = uint32_t(std::stoul(ask(s, XS_TRANSACTION_START, z("")).body));
  check_ok(ask(s, XS_WRITE, z("data/t") + "tx3", tx3), XS_WRITE);
  check_ok(ask(s, XS_WRITE, z("data/u") + "outside"), XS_WRITE);
  check_error(ask(s, XS_TRANSACTION_END, z("T"), tx3), "EAGAIN");
  CHECK(ask(s, XS_READ, z("data/t")).body == "in-tx");
  check_error(ask(s, XS_TRANSACTION_END, z("X"), 12345), "ENOENT");
}

TEST_CASE("xenstore: the saved state reloads to the same store, and a cut one is refused") {
  Xenstore s = domu();
  ask(s, XS_WRITE, z("data/k") + "v");
  split(s.handle(XS_WATCH, 1, 0, z("data") + z("t")));
  ask(s, XS_TRANSACTION_START, z(""));
  StateWriter w;
  s.save(w);
  Xenstore t(3);
  StateReader r(w.data());
  REQUIRE(t.load(r));
  StateWriter w2;
  t.save(w2);
  CHECK(w.data() == w2.data());
  CHECK(ask(t, XS_READ, z("data/k")).body == "v");
  CHECK(split(t.handle(XS_WRITE, 2, 0, z("data/k") + "w")).size() == 2);   // the watch came along

  std::vector<uint8_t> cut(w.data().begin(), w.data().end() - 3);
  Xenstore u(3);
  StateReader rc(cut);
  CHECK_FALSE(u.load(rc));
}
