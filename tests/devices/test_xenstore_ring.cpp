// The xenstore back end on a real domain's store ring (devices/xen/xenstore): requests split
// across notifications and across the ring's wrap, replies and the guest's notification, a
// full reply ring, an oversized request, and the back end's saved state.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../hyper/guest_fixture.h"
#include "devices/xen/xenstore.h"
#include "hyper/events.h"
#include "hyper/hypervisor.h"

extern "C" {
#include <xen/io/xs_wire.h>
}

using namespace pvlab;
using namespace pvlab::hyper;

namespace {

constexpr uint32_t kBase = 0xC0000000u;

struct StoreDomain {
  std::vector<uint8_t> image = std::vector<uint8_t>(0x2000, 0xf4);
  std::unique_ptr<Hypervisor> hv;
  std::unique_ptr<xen::XenstoreBackend> store;
  uint32_t req_prod = 0, rsp_cons = 0;

  StoreDomain() {
    HypervisorConfig cfg;
    cfg.domain_bytes = 16u << 20;
    hv = std::make_unique<Hypervisor>(cfg);
    const GuestImage g = test::pv_image("store-test", kBase, image, kBase, kBase + 0x1000);
    std::string err;
    REQUIRE_MESSAGE(hv->build(g, err), err);
    store = std::make_unique<xen::XenstoreBackend>(*hv);
    REQUIRE_MESSAGE(store->attached(), store->error());
  }
  ~StoreDomain() { store.reset(); }

  xenstore_domain_interface& ring() {
    Domain& d = hv->domain();
    return *reinterpret_cast<xenstore_domain_interface*>(hv->frame_ptr(d.p2m[d.xenstore_pfn]));
  }
  // The guest's half: put bytes in the request ring (no notification).
  void put(const std::string& bytes) {
    for (char c : bytes) ring().req[MASK_XENSTORE_IDX(req_prod++)] = c;
    ring().req_prod = req_prod;
  }
  static std::string request(uint32_t type, uint32_t id, const std::string& payload) {
    xsd_sockmsg h{type, id, 0, uint32_t(payload.size())};
    return std::string(reinterpret_cast<const char*>(&h), sizeof h) + payload;
  }
  // Everything in the reply ring, consumed.
  std::string take() {
    std::string out;
    for (; rsp_cons != ring().rsp_prod; ++rsp_cons) out.push_back(ring().rsp[MASK_XENSTORE_IDX(rsp_cons)]);
    ring().rsp_cons = rsp_cons;
    return out;
  }
  bool port_pending() { return evtchn_is_pending(*hv, hv->domain(), hv->domain().xenstore_evtchn); }
};

std::string z(const std::string& s) { return s + std::string(1, '\0'); }

}  // namespace

TEST_CASE("xenstore ring: a request in two parts, across the wrap, gets its reply and a notification") {
  StoreDomain s;
  // Start near the end of the ring so that the request and the reply wrap.
  s.req_prod = s.rsp_cons = 1000;
  s.ring().req_cons = s.ring().req_prod = 1000;
  s.ring().rsp_cons = s.ring().rsp_prod = 1000;
  const std::string req = StoreDomain::request(XS_READ, 42, z("domid"));
  s.put(req.substr(0, 10));
  s.store->kick();
  CHECK(s.ring().req_cons == 1010);   // taken, but no reply yet
  CHECK(s.take().empty());
  s.put(req.substr(10));
  s.store->kick();
  CHECK(s.ring().req_cons == s.req_prod);
  CHECK(s.port_pending());
  const std::string reply = s.take();
  REQUIRE(reply.size() == sizeof(xsd_sockmsg) + 1);
  xsd_sockmsg h;
  std::memcpy(&h, reply.data(), sizeof h);
  CHECK(h.type == XS_READ);
  CHECK(h.req_id == 42);
  CHECK(h.len == 1);
  CHECK(reply.substr(sizeof h) == std::to_string(s.hv->domain().id));
  CHECK(s.store->store().requests() == 1);
}

TEST_CASE("xenstore ring: replies wait for room in a full reply ring") {
  StoreDomain s;
  // Twenty reads of console/type (11-byte replies with their headers: 27 bytes each) and the
  // guest not consuming: 540 bytes fit, then the ring is full after the next batch.
  std::string reqs;
  for (uint32_t i = 0; i < 20; ++i) reqs += StoreDomain::request(XS_READ, i, z("console/type"));
  s.put(reqs);
  s.store->kick();
  s.put(reqs);
  s.store->kick();
  CHECK(s.ring().rsp_prod - s.ring().rsp_cons == XENSTORE_RING_SIZE);
  std::string got = s.take();
  s.store->kick();   // the guest's notification after consuming
  got += s.take();
  CHECK(got.size() == 40 * (sizeof(xsd_sockmsg) + 11));
  for (size_t at = 0, i = 0; at < got.size(); at += sizeof(xsd_sockmsg) + 11, ++i) {
    xsd_sockmsg h;
    std::memcpy(&h, got.data() + at, sizeof h);
    CHECK(h.req_id == i % 20);
    CHECK(got.substr(at + sizeof h, 11) == "xenconsoled");
  }
}

TEST_CASE("xenstore ring: an oversized request stops the service with a message") {
  StoreDomain s;
  xsd_sockmsg h{XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
  s.put(std::string(reinterpret_cast<const char*>(&h), sizeof h));
  s.store->kick();
  CHECK_FALSE(s.store->attached());
  CHECK_MESSAGE(s.store->error().find("4097 bytes") != std::string::npos, s.store->error());
  s.put(StoreDomain::request(XS_READ, 2, z("domid")));
  s.store->kick();
  CHECK(s.take().empty());

  StoreDomain t;
  t.ring().req_prod = 5000;   // more than the ring holds
  t.store->kick();
  CHECK_FALSE(t.store->attached());
  CHECK_MESSAGE(t.store->error().find("claim more than the ring holds") != std::string::npos, t.store->error());
}

TEST_CASE("xenstore ring: the back end's state, a half-read request included, saves and loads") {
  StoreDomain s;
  const std::string req = StoreDomain::request(XS_WRITE, 7, z("data/x") + "1");
  s.put(req.substr(0, 5));
  s.store->kick();
  StateWriter w;
  s.store->save(w);

  StoreDomain t;
  t.req_prod = s.req_prod;
  t.ring().req_cons = t.ring().req_prod = s.req_prod;
  StateReader r(w.data());
  REQUIRE(t.store->load(r));
  t.put(req.substr(5));
  t.store->kick();
  const std::string reply = t.take();
  REQUIRE(reply.size() == sizeof(xsd_sockmsg) + 3);
  CHECK(reply.substr(sizeof(xsd_sockmsg)) == z("OK"));
  REQUIRE(t.store->store().find(t.store->store().home() + "/data/x") != nullptr);
  CHECK(t.store->store().find(t.store->store().home() + "/data/x")->value == "1");
}
