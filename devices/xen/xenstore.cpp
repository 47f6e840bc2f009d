// The xenstore tree and its ring back end (see xenstore.h). Message layout, types, error
// names and the ring's index rules come from xen/io/xs_wire.h; the permission model is
// xenstored's: a node's first permission names its owner (who may do anything) and what
// every other domain may do, later entries grant named domains more.
#include "devices/xen/xenstore.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "hyper/hypervisor.h"

extern "C" {
#include <xen/io/xs_wire.h>
}

namespace pvlab::xen {

namespace {

constexpr uint32_t kHeader = sizeof(xsd_sockmsg);
constexpr uint16_t kToolstack = 0;   // the domain that owns what the toolstack writes

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void message(std::vector<uint8_t>& out, uint32_t type, uint32_t req_id, uint32_t tx_id, const std::string& body) {
  put32(out, type);
  put32(out, req_id);
  put32(out, tx_id);
  put32(out, uint32_t(body.size()));
  out.insert(out.end(), body.begin(), body.end());
}

std::string nul_terminated(std::string s) {
  s.push_back('\0');
  return s;
}

// The NUL-separated strings of a payload (a final string without its NUL counts too).
std::vector<std::string> fields(const std::string& payload) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < payload.size()) {
    size_t nul = payload.find('\0', at);
    if (nul == std::string::npos) nul = payload.size();
    out.push_back(payload.substr(at, nul - at));
    at = nul + 1;
  }
  return out;
}

bool valid_path(const std::string& p) {
  if (p.empty() || p.size() > XENSTORE_ABS_PATH_MAX) return false;
  if (p != "/" && p.back() == '/') return false;
  if (p.find("//") != std::string::npos) return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '-' || c == '_' || c == '@';
  });
}

bool valid_perm(const std::string& p) {
  if (p.size() < 2 || std::string_view("nrwb").find(p[0]) == std::string_view::npos) return false;
  return p.size() <= 6 && std::all_of(p.begin() + 1, p.end(), [](char c) { return c >= '0' && c <= '9'; });
}

unsigned perm_domid(const std::string& p) { return unsigned(std::stoul(p.substr(1))); }

// What domain `dom` may do with a node: 'b' both, 'r', 'w' or 'n' none.
char access(const Xenstore::Node& n, unsigned dom) {
  if (n.perms.empty()) return 'b';
  if (perm_domid(n.perms[0]) == dom) return 'b';
  for (size_t i = 1; i < n.perms.size(); ++i)
    if (perm_domid(n.perms[i]) == dom) return n.perms[i][0];
  return n.perms[0][0];
}
bool may_read(const Xenstore::Node& n, unsigned dom) { char a = access(n, dom); return a == 'r' || a == 'b'; }
bool may_write(const Xenstore::Node& n, unsigned dom) { char a = access(n, dom); return a == 'w' || a == 'b'; }

bool under(const std::string& path, const std::string& top) {
  if (top == "/") return true;
  return path == top || (path.size() > top.size() && path.compare(0, top.size(), top) == 0 && path[top.size()] == '/');
}

}  // namespace

// ---- the tree ----

std::string Xenstore::parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Xenstore::absolute(const std::string& path) const {
  return !path.empty() && path[0] == '/' ? path : home() + "/" + path;
}

// Create `path` (and missing parents, which take their parent's permissions) or set its value.
void Xenstore::set(Tree& t, const std::string& path, const std::string& value, bool keep_value) {
  if (!t.count(path)) {
    if (path != "/") set(t, parent_of(path), "", true);
    t[path].perms = t[parent_of(path)].perms;
  }
  if (!keep_value) t[path].value = value;
}

void Xenstore::write(const std::string& path, const std::string& value) {
  set(tree_, path, value, false);
  ++generation_;
}

const Xenstore::Node* Xenstore::find(const std::string& path) const {
  auto it = tree_.find(path);
  return it == tree_.end() ? nullptr : &it->second;
}

void Xenstore::populate(const std::string& name, uint32_t memory_kb, unsigned vcpus, uint32_t console_mfn,
                        uint32_t console_port, uint32_t store_mfn, uint32_t store_port) {
  const std::string d = std::to_string(domid_);
  const std::string vm = "/vm/00000000-0000-0000-0000-" + std::string(12 - std::min<size_t>(12, d.size()), '0') + d;
  auto ro = [&](const std::string& path) {   // the toolstack's, readable by the domain
    set(tree_, path, "", true);
    tree_[path].perms = {"n0", "r" + d};
  };
  auto rw = [&](const std::string& path) {   // the domain's own
    set(tree_, path, "", true);
    tree_[path].perms = {"n" + d};
  };
  set(tree_, "/local/domain", "", true);
  set(tree_, "/vm", "", true);
  set(tree_, "/local/domain/0/name", "Domain-0", false);
  set(tree_, vm + "/name", name, false);
  set(tree_, vm + "/uuid", vm.substr(4), false);
  const std::string h = home();
  ro(h);
  write(h + "/domid", d);
  write(h + "/name", name);
  write(h + "/vm", vm);
  write(h + "/memory/target", std::to_string(memory_kb));
  write(h + "/memory/static-max", std::to_string(memory_kb));
  for (unsigned i = 0; i < vcpus; ++i) write(h + "/cpu/" + std::to_string(i) + "/availability", "online");
  write(h + "/console/ring-ref", std::to_string(console_mfn));
  write(h + "/console/port", std::to_string(console_port));
  write(h + "/console/limit", "1048576");
  write(h + "/console/type", "xenconsoled");
  write(h + "/console/output", "pty");
  write(h + "/store/ring-ref", std::to_string(store_mfn));
  write(h + "/store/port", std::to_string(store_port));
  for (const char* dir : {"device", "control", "data", "drivers", "feature", "attr", "error"}) rw(h + "/" + dir);
  write(h + "/control/shutdown", "");
  tree_[h + "/control/shutdown"].perms = {"n0", "b" + d};
  write(h + "/control/platform-feature-multiprocessor-suspend", "1");
  tree_[h + "/control/platform-feature-multiprocessor-suspend"].perms = {"n0", "r" + d};
  generation_ = 0;
}

// Queue a watch event for every watch covering `path` (absolute).
void Xenstore::changed(const std::string& path, std::vector<uint8_t>& out) const {
  for (const Watch& w : watches_) {
    if (!under(path, absolute(w.path))) continue;
    std::string reported = path;
    if (w.path[0] != '/') reported = path.size() > home().size() ? path.substr(home().size() + 1) : "";
    message(out, XS_WATCH_EVENT, 0, 0, nul_terminated(reported) + nul_terminated(w.token));
  }
}

std::vector<uint8_t> Xenstore::handle(uint32_t type, uint32_t req_id, uint32_t tx_id, const std::string& payload) {
  ++requests_;
  std::vector<uint8_t> out, events;
  auto reply = [&](const std::string& body) { message(out, type, req_id, tx_id, body); };
  auto error = [&](const char* name) {
    out.clear();
    message(out, XS_ERROR, req_id, tx_id, nul_terminated(name));
    return out;
  };
  const std::vector<std::string> f = fields(payload);
  Transaction* tx = nullptr;
  if (tx_id) {
    auto it = transactions_.find(tx_id);
    if (it == transactions_.end()) return error("ENOENT");
    tx = &it->second;
  }
  Tree& t = tx ? tx->tree : tree_;
  auto node_path = [&](std::string& path) {
    if (f.empty()) return false;
    path = absolute(f[0]);
    return valid_path(path);
  };
  std::string path;
  switch (type) {
    case XS_READ:
    case XS_DIRECTORY:
    case XS_GET_PERMS: {
      if (!node_path(path)) return error("EINVAL");
      auto it = t.find(path);
      if (it == t.end()) return error("ENOENT");
      if (!may_read(it->second, domid_)) return error("EACCES");
      std::string body;
      if (type == XS_READ) {
        body = it->second.value;
      } else if (type == XS_GET_PERMS) {
        for (const std::string& p : it->second.perms) body += nul_terminated(p);
      } else {
        const std::string prefix = path == "/" ? "/" : path + "/";
        for (auto c = t.upper_bound(prefix); c != t.end() && c->first.compare(0, prefix.size(), prefix) == 0; ++c)
          if (c->first.find('/', prefix.size()) == std::string::npos) body += nul_terminated(c->first.substr(prefix.size()));
      }
      reply(body);
      break;
    }
    case XS_WRITE:
    case XS_MKDIR: {
      if (!node_path(path)) return error("EINVAL");
      auto it = t.find(path);
      if (it != t.end()) {
        if (!may_write(it->second, domid_)) return error("EACCES");
        if (type == XS_MKDIR) {   // already there: nothing changes
          reply(nul_terminated("OK"));
          break;
        }
      } else {
        // The nearest existing ancestor decides whether the domain may create below it.
        std::string up = parent_of(path);
        while (!t.count(up)) up = parent_of(up);
        if (!may_write(t[up], domid_)) return error("EACCES");
      }
      const bool created = it == t.end();
      const size_t at = f[0].size() + 1;
      set(t, path, type == XS_WRITE && at <= payload.size() ? payload.substr(at) : "", type == XS_MKDIR);
      if (created) t[path].perms[0] = "n" + std::to_string(domid_);   // the creator owns it
      if (!tx) {
        ++generation_;
        changed(path, events);
      }
      reply(nul_terminated("OK"));
      break;
    }
    case XS_RM: {
      if (!node_path(path) || path == "/") return error("EINVAL");
      auto it = t.find(path);
      if (it == t.end()) {
        if (!t.count(parent_of(path))) return error("ENOENT");
        reply(nul_terminated("OK"));
        break;
      }
      if (!may_write(it->second, domid_)) return error("EACCES");
      for (auto c = it; c != t.end() && under(c->first, path);) c = t.erase(c);
      if (!tx) {
        ++generation_;
        changed(path, events);
      }
      reply(nul_terminated("OK"));
      break;
    }
    case XS_SET_PERMS: {
      if (!node_path(path) || f.size() < 2) return error("EINVAL");
      for (size_t i = 1; i < f.size(); ++i)
        if (!valid_perm(f[i])) return error("EINVAL");
      auto it = t.find(path);
      if (it == t.end()) return error("ENOENT");
      if (access(it->second, domid_) != 'b' || perm_domid(it->second.perms[0]) != domid_) return error("EACCES");
      it->second.perms.assign(f.begin() + 1, f.end());
      if (!tx) {
        ++generation_;
        changed(path, events);
      }
      reply(nul_terminated("OK"));
      break;
    }
    case XS_WATCH: {
      if (f.size() < 2 || !valid_path(absolute(f[0]))) return error("EINVAL");
      for (const Watch& w : watches_)
        if (w.path == f[0] && w.token == f[1]) return error("EEXIST");
      watches_.push_back({f[0], f[1]});
      reply(nul_terminated("OK"));
      // Registration fires the watch once, with the path as the guest gave it.
      message(events, XS_WATCH_EVENT, 0, 0, nul_terminated(f[0]) + nul_terminated(f[1]));
      break;
    }
    case XS_UNWATCH: {
      if (f.size() < 2) return error("EINVAL");
      auto it = std::find_if(watches_.begin(), watches_.end(),
                             [&](const Watch& w) { return w.path == f[0] && w.token == f[1]; });
      if (it == watches_.end()) return error("ENOENT");
      watches_.erase(it);
      reply(nul_terminated("OK"));
      break;
    }
    case XS_RESET_WATCHES:
      watches_.clear();
      reply(nul_terminated("OK"));
      break;
    case XS_TRANSACTION_START: {
      if (tx) return error("EBUSY");
      if (transactions_.size() >= 16) return error("ENOSPC");
      const uint32_t id = next_tx_++;
      if (next_tx_ == 0) next_tx_ = 1;
      transactions_[id] = Transaction{tree_, generation_};
      reply(nul_terminated(std::to_string(id)));
      break;
    }
    case XS_TRANSACTION_END: {
      if (!tx || f.empty() || (f[0] != "T" && f[0] != "F")) return error("EINVAL");
      const bool commit = f[0] == "T";
      if (commit && tx->generation != generation_) {
        transactions_.erase(tx_id);
        return error("EAGAIN");
      }
      if (commit) {
        // Watches see every path whose value or presence the transaction changed.
        std::vector<std::string> diff;
        for (const auto& [p, n] : tx->tree) {
          auto o = tree_.find(p);
          if (o == tree_.end() || o->second.value != n.value || o->second.perms != n.perms) diff.push_back(p);
        }
        for (const auto& [p, n] : tree_)
          if (!tx->tree.count(p)) diff.push_back(p);
        tree_ = std::move(tx->tree);
        ++generation_;
        for (const std::string& p : diff) changed(p, events);
      }
      transactions_.erase(tx_id);
      reply(nul_terminated("OK"));
      break;
    }
    case XS_GET_DOMAIN_PATH: {
      if (f.empty() || f[0].empty() || f[0].size() > 5 ||
          !std::all_of(f[0].begin(), f[0].end(), [](char c) { return c >= '0' && c <= '9'; }))
        return error("EINVAL");
      reply(nul_terminated("/local/domain/" + std::to_string(std::stoul(f[0]))));
      break;
    }
    case XS_CONTROL:
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_RESUME:
    case XS_SET_TARGET:
      return error("EACCES");   // the toolstack's, not a guest's
    default:
      return error("EINVAL");
  }
  out.insert(out.end(), events.begin(), events.end());
  return out;
}

void Xenstore::save(StateWriter& w) const {
  w.tag("XSTO");
  auto str = [&](const std::string& s) { w.blob(std::vector<uint8_t>(s.begin(), s.end())); };
  auto tree = [&](const Tree& t) {
    w.u32(uint32_t(t.size()));
    for (const auto& [p, n] : t) {
      str(p);
      str(n.value);
      w.u32(uint32_t(n.perms.size()));
      for (const std::string& perm : n.perms) str(perm);
    }
  };
  tree(tree_);
  w.u64(generation_);
  w.u32(next_tx_);
  w.u32(uint32_t(transactions_.size()));
  for (const auto& [id, tx] : transactions_) {
    w.u32(id);
    w.u64(tx.generation);
    tree(tx.tree);
  }
  w.u32(uint32_t(watches_.size()));
  for (const Watch& wa : watches_) {
    str(wa.path);
    str(wa.token);
  }
  w.u64(requests_);
}

bool Xenstore::load(StateReader& r) {
  if (!r.tag("XSTO")) return false;
  auto str = [&] {
    std::vector<uint8_t> b = r.blob(XENSTORE_PAYLOAD_MAX);
    return std::string(b.begin(), b.end());
  };
  constexpr uint32_t kMaxNodes = 1u << 16;
  auto tree = [&](Tree& t) {
    t.clear();
    uint32_t n = r.u32();
    if (n > kMaxNodes) return false;
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
      std::string p = str();
      Node node;
      node.value = str();
      uint32_t np = r.u32();
      if (np == 0 || np > 256 || !valid_path(p)) return false;
      for (uint32_t k = 0; k < np && r.ok(); ++k) {
        node.perms.push_back(str());
        if (!valid_perm(node.perms.back())) return false;
      }
      t[p] = std::move(node);
    }
    return r.ok() && t.count("/");
  };
  if (!tree(tree_)) return false;
  generation_ = r.u64();
  next_tx_ = r.u32();
  transactions_.clear();
  uint32_t ntx = r.u32();
  if (ntx > 16) return false;
  for (uint32_t i = 0; i < ntx && r.ok(); ++i) {
    uint32_t id = r.u32();
    Transaction tx;
    tx.generation = r.u64();
    if (!tree(tx.tree)) return false;
    transactions_[id] = std::move(tx);
  }
  watches_.clear();
  uint32_t nw = r.u32();
  if (nw > kMaxNodes) return false;
  for (uint32_t i = 0; i < nw && r.ok(); ++i) {
    Watch wa;
    wa.path = str();
    wa.token = str();
    watches_.push_back(std::move(wa));
  }
  requests_ = r.u64();
  return r.ok();
}

// ---- the ring ----

XenstoreBackend::XenstoreBackend(hyper::Hypervisor& hv) : hv_(hv), store_(hv.domain().id) {
  hyper::Domain& d = hv_.domain();
  hv_.add_host_device(this);
  if (d.initdomain) {
    error_ = "the initial domain has no store ring";
    return;
  }
  if (d.p2m.empty() || d.xenstore_pfn >= d.p2m.size() || d.console_pfn >= d.p2m.size()) {
    error_ = "the domain has no store page";
    return;
  }
  store_.populate(d.name.empty() ? "pvlab" : d.name, uint32_t(uint64_t(d.nr_pages) * 4), unsigned(d.vcpus.size()),
                  d.p2m[d.console_pfn], d.console_evtchn, d.p2m[d.xenstore_pfn], d.xenstore_evtchn);
  attached_ = hyper::evtchn_connect_host(hv_, d, d.xenstore_evtchn, [this] { kick(); }, &error_);
  if (!attached_) error_ = "store event channel " + std::to_string(d.xenstore_evtchn) + ": " + error_;
}

XenstoreBackend::~XenstoreBackend() { hv_.remove_host_device(this); }

uint8_t* XenstoreBackend::page() const {
  hyper::Domain& d = hv_.domain();
  return hv_.frame_ptr(d.p2m[d.xenstore_pfn]);
}

void XenstoreBackend::kick() {
  if (!attached_) return;
  const bool took = take_requests();
  const bool sent = send_replies();
  if (took || sent) hyper::evtchn_notify_guest(hv_, hv_.domain(), hv_.domain().xenstore_evtchn);
}

bool XenstoreBackend::take_requests() {
  uint8_t* p = page();
  constexpr size_t kCons = offsetof(xenstore_domain_interface, req_cons);
  constexpr size_t kProd = offsetof(xenstore_domain_interface, req_prod);
  uint32_t cons = get32(p + kCons);
  const uint32_t prod = get32(p + kProd);
  if (prod - cons > XENSTORE_RING_SIZE) {
    error_ = "store ring: request indices " + std::to_string(cons) + ".." + std::to_string(prod) +
             " claim more than the ring holds";
    attached_ = false;
    return false;
  }
  if (cons == prod) return false;
  for (; cons != prod; ++cons) in_.push_back(p[offsetof(xenstore_domain_interface, req) + MASK_XENSTORE_IDX(cons)]);
  std::memcpy(p + kCons, &cons, 4);
  // Answer every whole request.
  while (in_.size() >= kHeader) {
    const uint32_t len = get32(in_.data() + offsetof(xsd_sockmsg, len));
    if (len > XENSTORE_PAYLOAD_MAX) {
      error_ = "store ring: a request of " + std::to_string(len) + " bytes (at most " +
               std::to_string(XENSTORE_PAYLOAD_MAX) + ")";
      attached_ = false;
      return true;
    }
    if (in_.size() < kHeader + len) break;
    std::string payload(in_.begin() + kHeader, in_.begin() + kHeader + len);
    std::vector<uint8_t> r = store_.handle(get32(in_.data()), get32(in_.data() + 4), get32(in_.data() + 8), payload);
    out_.insert(out_.end(), r.begin(), r.end());
    in_.erase(in_.begin(), in_.begin() + kHeader + len);
  }
  return true;
}

bool XenstoreBackend::send_replies() {
  if (out_.empty()) return false;
  uint8_t* p = page();
  constexpr size_t kCons = offsetof(xenstore_domain_interface, rsp_cons);
  constexpr size_t kProd = offsetof(xenstore_domain_interface, rsp_prod);
  const uint32_t cons = get32(p + kCons);
  uint32_t prod = get32(p + kProd);
  const uint32_t used = prod - cons;
  if (used >= XENSTORE_RING_SIZE) return false;   // full, or indices the guest corrupted: wait
  const size_t n = std::min<size_t>(out_.size(), XENSTORE_RING_SIZE - used);
  for (size_t i = 0; i < n; ++i, ++prod) p[offsetof(xenstore_domain_interface, rsp) + MASK_XENSTORE_IDX(prod)] = out_[i];
  std::memcpy(p + kProd, &prod, 4);
  out_.erase(out_.begin(), out_.begin() + long(n));
  return true;
}

void XenstoreBackend::save(StateWriter& w) const {
  w.tag("XSBE");
  w.boolean(attached_);
  w.blob(in_);
  w.blob(out_);
  store_.save(w);
}

bool XenstoreBackend::load(StateReader& r) {
  if (!r.tag("XSBE")) return false;
  attached_ = r.boolean();
  in_ = r.blob(kHeader + XENSTORE_PAYLOAD_MAX);
  out_ = r.blob(size_t(1) << 24);
  return r.ok() && store_.load(r);
}

}  // namespace pvlab::xen
