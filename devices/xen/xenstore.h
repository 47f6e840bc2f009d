// A minimal xenstore for a PV domain: the store a Xen toolstack fills for a domU with no
// devices, and its back end on the store ring.
//
// Xenstore is the in-memory tree of the XS_* wire protocol (xen/io/xs_wire.h): each request
// (an xsd_sockmsg header and its payload) gets one reply with the same type, req_id and
// tx_id, or an XS_ERROR carrying an errno name ("ENOENT"). It handles XS_READ, XS_WRITE,
// XS_MKDIR, XS_RM, XS_DIRECTORY, XS_GET_PERMS, XS_SET_PERMS, XS_WATCH (which fires once at
// registration, as xenstored does) and XS_UNWATCH, XS_TRANSACTION_START/END (a transaction
// works on its own copy of the tree, committed whole, EAGAIN when the tree changed meanwhile)
// and XS_GET_DOMAIN_PATH; the toolstack's requests (XS_INTRODUCE, ...) are refused with
// EACCES and unknown types with EINVAL. Relative paths are under the domain's home
// /local/domain/<id>. The tree is ordered, so listings and saved state are deterministic.
//
// XenstoreBackend serves the ring in the domain's store page (xenstore_domain_interface):
// when the guest notifies the store event channel it takes whole requests from `req`,
// answers, and writes replies and watch events to `rsp` as space allows, notifying the
// guest. A request longer than XENSTORE_PAYLOAD_MAX is a protocol error: the back end stops
// serving and says why.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "devices/state_io.h"
#include "hyper/events.h"

namespace pvlab {

namespace hyper {
class Hypervisor;
}

namespace xen {

class Xenstore {
 public:
  struct Node {
    std::string value;
    std::vector<std::string> perms;   // as XS_GET_PERMS lists them: "n0", "r1", ...
  };
  using Tree = std::map<std::string, Node>;   // absolute path -> node; "/" is the root

  explicit Xenstore(uint16_t domid) : domid_(domid) { tree_["/"] = Node{"", {"n0"}}; }

  // What a toolstack writes for a domU with no devices: domid, name, vm, memory/target,
  // cpu/N/availability, the console and store entries, empty device and control directories.
  void populate(const std::string& name, uint32_t memory_kb, unsigned vcpus, uint32_t console_mfn,
                uint32_t console_port, uint32_t store_mfn, uint32_t store_port);

  // Answer one request (header fields and payload); returns the messages to send back (the
  // reply, then any watch events it caused), each a header and its payload.
  std::vector<uint8_t> handle(uint32_t type, uint32_t req_id, uint32_t tx_id, const std::string& payload);

  // Direct access, as a toolstack has it (absolute paths).
  void write(const std::string& path, const std::string& value);
  const Node* find(const std::string& path) const;
  std::string home() const { return "/local/domain/" + std::to_string(domid_); }
  uint64_t requests() const { return requests_; }

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  struct Watch {
    std::string path, token;
  };
  struct Transaction {
    Tree tree;
    uint64_t generation = 0;   // the main tree's generation when it started
  };

  std::string absolute(const std::string& path) const;
  static std::string parent_of(const std::string& path);
  static void set(Tree& t, const std::string& path, const std::string& value, bool keep_value);
  void changed(const std::string& path, std::vector<uint8_t>& out) const;

  uint16_t domid_;
  Tree tree_;
  uint64_t generation_ = 0;   // counts changes of tree_
  std::map<uint32_t, Transaction> transactions_;
  uint32_t next_tx_ = 1;
  std::vector<Watch> watches_;
  uint64_t requests_ = 0;
};

class XenstoreBackend final : public hyper::HostDevice {
 public:
  // Fills the store for the hypervisor's domain and connects its store event channel;
  // attached() says whether that worked and error() why not.
  explicit XenstoreBackend(hyper::Hypervisor& hv);
  ~XenstoreBackend() override;
  XenstoreBackend(const XenstoreBackend&) = delete;
  XenstoreBackend& operator=(const XenstoreBackend&) = delete;

  bool attached() const { return attached_; }
  const std::string& error() const { return error_; }
  Xenstore& store() { return store_; }

  // The guest notified the store channel: take requests, send replies.
  void kick();

  void save(StateWriter& w) const;
  bool load(StateReader& r);

  uint64_t next_event() const override { return kNever; }
  void run_due(uint64_t) override {}

 private:
  uint8_t* page() const;
  bool take_requests();
  bool send_replies();

  hyper::Hypervisor& hv_;
  Xenstore store_;
  bool attached_ = false;
  std::string error_;
  std::vector<uint8_t> in_;    // a request read in part
  std::vector<uint8_t> out_;   // replies not yet in the ring
};

}  // namespace xen
}  // namespace pvlab
