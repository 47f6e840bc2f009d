// The cycle engine's state as bytes, for snapshots, recordings and the debugger's reverse
// history: a machine restored with it goes on with warm caches, predictor, miss registers and
// prefetcher, and with every instruction and micro-op it held in flight, fetch's stalls and
// the counters, so its cycle counter and CPI stack end exactly where an uninterrupted run's do.
//
// Written between two retirements. In flight: the instructions from the head of the reorder
// buffer to the last one fetched (and, when fetch still waits on a serialising or mispredicted
// instruction that has already retired, from that one: fetch reads when it completed), and
// the micro-ops of those dispatched. The occupancy counts are not written: they are counted
// again from the instructions. What is read is checked against the configuration and against
// itself (positions within the rings, micro-ops partitioned among their instructions, sources
// older than their users, the reservation stations holding exactly the micro-ops not issued)
// before any of it is taken, so a corrupt blob is refused, never run.
//
// Not state: the table of instruction shapes (worked out again from the decoded blocks, which
// a restore empties), the configuration and function map (the machine is rebuilt with the
// same ones), the cycle observer and pipeline view.
//
// To add a field to the engine: write it in save_state() and read it in load_state() at the
// same place, and raise kSnapshotVersion in frontend/snapshot.h.
#include <algorithm>
#include <iterator>
#include <string>

#include "cpu/timing/pipeline.h"
#include "devices/state_io.h"

namespace pvlab {

namespace {

constexpr uint32_t kRegMask = (1u << (kFlagsBit + 1)) - 1;   // general registers and flags
constexpr unsigned kMaxUopsPerInst = 4;   // load, execution (or none), store, stack adder

bool valid_cause(uint8_t c) { return c < uint8_t(CpiCause::kCount); }

}  // namespace

// ---- instructions and micro-ops ---------------------------------------------------------------

void PipelineModel::save_inst(StateWriter& w, const Inst& in) const {
  const PipeInsn& p = in.in;
  w.u32(p.src);
  w.u32(p.dst);
  w.u32(p.addr_regs);
  w.u8(uint8_t(p.cls));
  w.boolean(p.exec);
  w.boolean(p.stack);
  w.u8(p.nloads);
  w.u8(p.nstores);
  for (uint64_t a : p.load_addr) w.u64(a);
  for (uint64_t a : p.store_addr) w.u64(a);
  w.u32(p.exec_latency);
  w.u8(p.uops);
  w.u64(p.fetch_line);
  w.u64(p.fetch_pa);
  w.u32(p.fetch_walk);
  w.u32(p.load_walk);
  w.boolean(p.branch);
  w.boolean(p.taken);
  w.u8(uint8_t(p.pred));
  w.u32(uint32_t(p.func));
  w.u32(p.eip);
  w.u16(p.mnemonic);
  w.u64(in.first_uop);
  w.u8(in.nuops);
  w.u8(in.pending);
  w.boolean(in.line_checked);
  w.u8(uint8_t(in.fe_cause));
  for (uint64_t c : {in.fetch, in.dispatch, in.issue, in.complete, in.retire}) w.u64(c);
}

// One instruction, its fields checked on their own (load_state checks them together).
bool PipelineModel::load_inst(StateReader& r, Inst& in) const {
  PipeInsn& p = in.in;
  p.src = r.u32();
  p.dst = r.u32();
  p.addr_regs = r.u32();
  const uint8_t cls = r.u8();
  p.exec = r.boolean();
  p.stack = r.boolean();
  p.nloads = r.u8();
  p.nstores = r.u8();
  for (uint64_t& a : p.load_addr) a = r.u64();
  for (uint64_t& a : p.store_addr) a = r.u64();
  p.exec_latency = r.u32();
  p.uops = r.u8();
  p.fetch_line = r.u64();
  p.fetch_pa = r.u64();
  p.fetch_walk = r.u32();
  p.load_walk = r.u32();
  p.branch = r.boolean();
  p.taken = r.boolean();
  const uint8_t pred = r.u8();
  p.func = int32_t(r.u32());
  p.eip = r.u32();
  p.mnemonic = r.u16();
  in.first_uop = r.u64();
  in.nuops = r.u8();
  in.pending = r.u8();
  in.line_checked = r.boolean();
  const uint8_t fe = r.u8();
  for (uint64_t* c : {&in.fetch, &in.dispatch, &in.issue, &in.complete, &in.retire}) *c = r.u64();
  if (!r.ok()) return false;
  if (cls > uint8_t(ExecClass::Serial)) return r.fail("timing model instruction of an unknown execution class");
  if (pred > uint8_t(Prediction::BtbMiss)) return r.fail("timing model branch prediction outcome");
  if (!valid_cause(fe)) return r.fail("timing model CPI cause");
  if ((p.src | p.dst | p.addr_regs) & ~kRegMask) return r.fail("timing model instruction register beyond the flags");
  if (p.nloads > 2 || p.nstores > 2) return r.fail("timing model instruction with more than 2 loads or stores");
  if (p.uops == 0) return r.fail("timing model instruction of no micro-ops");
  if (in.nuops > kMaxUopsPerInst || in.pending > in.nuops) return r.fail("timing model instruction's micro-op count");
  // fn_ row func + 1; without a function map every instruction is outside (-1).
  if (p.func < -1 || (fn_.empty() ? p.func != -1 : size_t(p.func + 1) >= fn_.size()))
    return r.fail("timing model instruction's function " + std::to_string(p.func) + " beyond the function table");
  p.cls = ExecClass(cls);
  p.pred = Prediction(pred);
  in.fe_cause = CpiCause(fe);
  return true;
}

void PipelineModel::save_uop(StateWriter& w, const Uop& u) const {
  w.u64(u.done);
  for (uint64_t s : u.src) w.u64(s);
  w.u64(u.inst);
  w.u32(u.lat);
  w.u8(u.nsrc);
  w.u8(uint8_t(u.unit));
  w.boolean(u.load);
  w.boolean(u.store);
  w.boolean(u.counted);
  w.u8(uint8_t(u.cause));
  w.u8(uint8_t(u.run_cause));
}

bool PipelineModel::load_uop(StateReader& r, Uop& u) const {
  u.done = r.u64();
  for (uint64_t& s : u.src) s = r.u64();
  u.inst = r.u64();
  u.lat = r.u32();
  u.nsrc = r.u8();
  const uint8_t unit = r.u8();
  u.load = r.boolean();
  u.store = r.boolean();
  u.counted = r.boolean();
  const uint8_t cause = r.u8(), run = r.u8();
  if (!r.ok()) return false;
  if (u.nsrc > kMaxSrc) return r.fail("timing model micro-op with more than " + std::to_string(kMaxSrc) + " sources");
  if (unit >= kUnits) return r.fail("timing model micro-op of an unknown unit");
  if (!valid_cause(cause) || !valid_cause(run)) return r.fail("timing model CPI cause");
  u.unit = Unit(unit);
  u.cause = CpiCause(cause);
  u.run_cause = CpiCause(run);
  return true;
}

// ---- the engine -------------------------------------------------------------------------------

void PipelineModel::save_state(StateWriter& w) const {
  w.tag("PIPE");
  save_caches(w);
  bp_.save(w);
  // A retired instruction fetch still waits on is written too (fetch reads when it completed).
  const uint64_t first = blocked_ != kNone && blocked_ < head_ ? blocked_ : head_;
  for (uint64_t v : {now_, first, head_, disp_, tail_, uop_head_, uop_tail_}) w.u64(v);
  for (uint64_t seq = first; seq != tail_; ++seq) save_inst(w, insts_[seq & inst_mask_]);
  for (uint64_t id = uop_head_; id != uop_tail_; ++id) save_uop(w, uops_[id & uop_mask_]);
  for (const std::vector<uint64_t>* v : {&rs_, &sq_ids_}) {
    w.u32(uint32_t(v->size()));
    for (uint64_t id : *v) w.u64(id);
  }
  for (uint64_t p : producer_) w.u64(p);
  w.u32(uint32_t(div_free_.size()));
  for (uint64_t c : div_free_) w.u64(c);
  for (uint32_t n : unit_used_) w.u32(n);
  w.u32(fetch_used_);
  w.u64(fetch_resume_);
  w.u64(blocked_);
  w.u8(uint8_t(stall_cause_));
  w.u64(fetch_line_);
  for (uint32_t n : {retired_now_, dispatched_now_, issued_now_}) w.u32(n);
  for (uint32_t v : pre_) w.u32(v);
  w.u32(expect_eip_);
  for (uint64_t v : {last_written_, walk_total_, walk_seen_, hv_pending_}) w.u64(v);
  save_counters(w);
  mem_.save_regs(w);
}

bool PipelineModel::load_state(StateReader& r, Cpu& cpu) {
  if (!read_engine_tag(r, "PIPE")) return false;
  if (!load_caches(r) || !bp_.load(r)) return false;
  const uint64_t now = r.u64(), first = r.u64(), head = r.u64(), disp = r.u64(), tail = r.u64();
  const uint64_t uhead = r.u64(), utail = r.u64();
  if (!r.ok()) return false;
  if (first > head || head > disp || disp > tail || tail - first > insts_.size() || tail - disp > fq_cap_)
    return r.fail("timing model pipeline positions out of order or beyond the instruction ring");
  if (uhead > utail || utail - uhead > uops_.size())
    return r.fail("timing model micro-op positions out of order or beyond the micro-op ring");
  std::vector<Inst> insts(tail - first);
  for (Inst& in : insts)
    if (!load_inst(r, in)) return false;
  std::vector<Uop> uops(utail - uhead);
  for (Uop& u : uops)
    if (!load_uop(r, u)) return false;
  std::vector<uint64_t> rs, sq;
  for (std::vector<uint64_t>* v : {&rs, &sq}) {
    const uint32_t n = r.u32();
    if (!r.check(n <= uops.size(), "timing model micro-op list longer than the micro-ops in flight")) return false;
    v->resize(n);
    for (uint64_t& id : *v) id = r.u64();
  }
  uint64_t producer[9];
  for (uint64_t& p : producer) p = r.u64();
  if (!state_size_is(r, r.u32(), div_free_.size(), "dividers")) return false;
  std::vector<uint64_t> div_free(div_free_.size());
  for (uint64_t& c : div_free) c = r.u64();
  uint32_t unit_used[kUnits];
  for (uint32_t& n : unit_used) n = r.u32();
  const uint32_t fetch_used = r.u32();
  const uint64_t fetch_resume = r.u64(), blocked = r.u64();
  const uint8_t stall = r.u8();
  const uint64_t fetch_line = r.u64();
  uint32_t now_counts[3];
  for (uint32_t& n : now_counts) n = r.u32();
  uint32_t pre[8];
  for (uint32_t& v : pre) v = r.u32();
  const uint32_t expect_eip = r.u32();
  uint64_t hook[4];
  for (uint64_t& v : hook) v = r.u64();
  SavedCounters counters;
  if (!load_counters(r, counters) || !mem_.load_regs(r) || !r.ok()) return false;

  // ---- the pieces together ----
  const auto at = [&](uint64_t seq) -> const Inst& { return insts[seq - first]; };
  if (!valid_cause(stall)) return r.fail("timing model CPI cause");
  if (fetch_used > cfg_.fetch_width) return r.fail("timing model fetch slots beyond the fetch width");
  for (unsigned k = 0; k < kUnits; ++k)
    if (unit_used[k] > unit_count_[k]) return r.fail("timing model unit slots beyond the units");
  if (blocked != kNone && (blocked < first || blocked >= tail))
    return r.fail("timing model fetch waits for an instruction not in flight");
  if (first != head && (blocked != first || at(first).pending))
    return r.fail("timing model retired instruction kept without fetch waiting for it");
  // Micro-ops: each belongs to the dispatched instruction whose range holds it, the ranges
  // following one another from the oldest micro-op to the newest.
  uint64_t next = uhead;
  uint32_t rob = 0, lq = 0, sq_count = 0;
  for (uint64_t seq = head; seq != tail; ++seq) {
    const Inst& in = at(seq);
    if (seq >= disp) {
      if (in.nuops || in.pending) return r.fail("timing model instruction not dispatched holding micro-ops");
      continue;
    }
    if (in.first_uop != next || in.nuops == 0 || utail - next < in.nuops)
      return r.fail("timing model instruction's micro-ops outside the micro-ops in flight");
    unsigned waiting = 0;
    for (uint64_t id = next; id != next + in.nuops; ++id) {
      const Uop& u = uops[id - uhead];
      if (u.inst != seq) return r.fail("timing model micro-op of another instruction");
      for (unsigned k = 0; k < u.nsrc; ++k)
        if (u.src[k] >= id) return r.fail("timing model micro-op waiting for a younger one");
      waiting += u.done == kNever;
    }
    if (waiting != in.pending) return r.fail("timing model instruction's count of micro-ops not issued");
    next += in.nuops;
    rob += in.in.uops;
    lq += in.in.nloads ? 1 : 0;
    sq_count += in.in.nstores ? 1 : 0;
  }
  if (next != utail) return r.fail("timing model micro-ops of no instruction");
  // The reservation stations hold exactly the micro-ops not issued, the store queue one store
  // micro-op per instruction with stores, both oldest first.
  uint32_t rs_count = 0, not_issued = 0;
  for (const Uop& u : uops) not_issued += u.done == kNever;
  for (const std::vector<uint64_t>* v : {&rs, &sq}) {
    for (size_t k = 0; k < v->size(); ++k) {
      const uint64_t id = (*v)[k];
      if (id < uhead || id >= utail || (k && id <= (*v)[k - 1]))
        return r.fail("timing model micro-op list out of order or beyond the micro-ops in flight");
      const Uop& u = uops[id - uhead];
      if (v == &rs ? u.done != kNever : !u.store) return r.fail("timing model micro-op list holding the wrong micro-op");
      if (v == &rs) rs_count += u.counted;
    }
  }
  if (rs.size() != not_issued) return r.fail("timing model reservation stations missing a micro-op not issued");
  if (sq.size() != sq_count) return r.fail("timing model store queue of the wrong length");
  for (uint64_t p : producer)
    if (p != kNone && p >= utail) return r.fail("timing model register written by a micro-op not made");

  // ---- taken ----
  now_ = now;
  head_ = head;
  disp_ = disp;
  tail_ = tail;
  for (uint64_t seq = first; seq != tail; ++seq) insts_[seq & inst_mask_] = at(seq);
  uop_head_ = uhead;
  uop_tail_ = utail;
  for (uint64_t id = uhead; id != utail; ++id) uops_[id & uop_mask_] = uops[id - uhead];
  rs_ = std::move(rs);
  sq_ids_ = std::move(sq);
  rob_count_ = rob;
  rs_count_ = rs_count;
  lq_count_ = lq;
  sq_count_ = sq_count;
  std::copy(std::begin(producer), std::end(producer), producer_);
  div_free_ = std::move(div_free);
  std::copy(std::begin(unit_used), std::end(unit_used), unit_used_);
  fetch_used_ = fetch_used;
  fetch_resume_ = fetch_resume;
  blocked_ = blocked;
  stall_cause_ = CpiCause(stall);
  fetch_line_ = fetch_line;
  retired_now_ = now_counts[0];
  dispatched_now_ = now_counts[1];
  issued_now_ = now_counts[2];
  std::copy(std::begin(pre), std::end(pre), pre_);
  expect_eip_ = expect_eip;
  last_written_ = hook[0];
  walk_total_ = hook[1];
  walk_seen_ = hook[2];
  hv_pending_ = hook[3];
  take_counters(counters, cpu, bp_.stats());
  for (InsnShape& sh : shapes_) sh.key = nullptr;   // the decoded blocks are new
  shape_gen_ = ~0ull;
  return true;
}

}  // namespace pvlab
