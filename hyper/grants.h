// Grant tables: how a domain shares pages. The granting domain writes entries (v1:
// flags, the domain allowed in, the frame) in frames the hypervisor gives it; the grantee maps
// a reference into its own page tables (GNTTABOP_map_grant_ref) or copies through it
// (GNTTABOP_copy). Host back ends (devices/xen/) use the same checks through grant_access().
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab::hyper {

class Hypervisor;
struct Domain;
struct Vcpu;

struct GrantMapping {
  bool used = false;
  uint32_t ref = 0;
  uint16_t granter = 0;
  uint32_t mfn = 0;
  bool readonly = false;
  bool host_map = false;
  uint32_t host_va = 0;
};

struct GrantTable {
  static constexpr unsigned kMaxFrames = 4;   // 2048 v1 entries
  unsigned version = 1;
  std::vector<uint32_t> frames;               // hypervisor frames shared with the domain
  std::vector<GrantMapping> maptrack;         // this domain's mappings of others' grants; handle = index
  // Per reference of this domain's own table: how many mappings read / write through it.
  std::vector<uint16_t> readers, writers;
};

// Make sure the domain's grant table has `frames` frames (GNTTABOP_setup_table,
// XENMAPSPACE_grant_table). Returns false when that exceeds the maximum or memory ran out.
bool grant_table_grow(Hypervisor& hv, Domain& d, unsigned frames);

// Check that `grantee` may access reference `ref` of `granter` (writable or not) and return
// the granted machine frame; GNTST_* error otherwise, with `reason` set.
int grant_access(Hypervisor& hv, Domain& granter, uint16_t grantee, uint32_t ref, bool write,
                 uint32_t& mfn, std::string& reason);

}  // namespace pvlab::hyper
