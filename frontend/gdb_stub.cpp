// The gdb remote stub (frontend/gdb_stub.h): the protocol over a Session, and the TCP
// server that runs it.
#include "frontend/gdb_stub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "frontend/exit_codes.h"
#include "hyper/hypervisor.h"

namespace pvlab {

namespace {

// gdb's thread ids: vcpu N is thread N + 1 (0 and -1 mean "any" and "all").
std::string gdb_thread_hex(unsigned vcpu) {
  char b[16];
  std::snprintf(b, sizeof b, "%x", vcpu + 1);
  return b;
}

// gdb's register numbers: 0-15 the session's EAX..GS, 16-23 st0-st7 (10 bytes), 24-31 the
// x87 control registers (4 bytes), then the session's registers from CR0 on.
constexpr unsigned kFirstFpu = 16, kFirstFpuCtl = 24, kFirstSystem = 32;
constexpr unsigned kSystemRegs = unsigned(Reg::kCount) - unsigned(Reg::CR0);

unsigned reg_bytes(unsigned n) {
  if (n < kFirstFpu) return 4;
  if (n < kFirstFpuCtl) return 10;
  if (n < kFirstSystem) return 4;
  return reg_info(Reg(unsigned(Reg::CR0) + n - kFirstSystem)).bits / 8;
}

std::string build_target_xml() {
  std::string x =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
      "<target version=\"1.0\">\n"
      "<architecture>i386</architecture>\n"
      "<feature name=\"org.gnu.gdb.i386.core\">\n"
      "<flags id=\"i386_eflags\" size=\"4\">\n";
  static const char* kFlags[][2] = {{"CF", "0"}, {"", "1"}, {"PF", "2"}, {"AF", "4"}, {"ZF", "6"},
                                    {"SF", "7"}, {"TF", "8"}, {"IF", "9"}, {"DF", "10"}, {"OF", "11"},
                                    {"NT", "14"}, {"RF", "16"}, {"VM", "17"}, {"AC", "18"},
                                    {"VIF", "19"}, {"VIP", "20"}, {"ID", "21"}};
  for (auto& f : kFlags)
    x += std::string("  <field name=\"") + f[0] + "\" start=\"" + f[1] + "\" end=\"" + f[1] + "\"/>\n";
  x += "</flags>\n";
  static const char* kCore[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                "eip", "eflags", "cs", "ss", "ds", "es", "fs", "gs"};
  for (unsigned n = 0; n < 16; ++n) {
    const char* type = n == 4 || n == 5 ? "data_ptr" : n == 8 ? "code_ptr" : n == 9 ? "i386_eflags" : "int32";
    x += std::string("<reg name=\"") + kCore[n] + "\" bitsize=\"32\" type=\"" + type + "\" regnum=\"" +
         std::to_string(n) + "\"" + (n >= 10 ? " group=\"general\"" : "") + "/>\n";
  }
  for (unsigned n = 0; n < 8; ++n)
    x += "<reg name=\"st" + std::to_string(n) + "\" bitsize=\"80\" type=\"i387_ext\" regnum=\"" +
         std::to_string(kFirstFpu + n) + "\"/>\n";
  static const char* kFpuCtl[] = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
  for (unsigned n = 0; n < 8; ++n)
    x += std::string("<reg name=\"") + kFpuCtl[n] + "\" bitsize=\"32\" type=\"int\" group=\"float\" regnum=\"" +
         std::to_string(kFirstFpuCtl + n) + "\"/>\n";
  x += "</feature>\n<feature name=\"org.pvlab.i386.system\">\n";
  for (unsigned k = 0; k < kSystemRegs; ++k) {
    const RegInfo& r = reg_info(Reg(unsigned(Reg::CR0) + k));
    x += std::string("<reg name=\"") + r.name + "\" bitsize=\"" + std::to_string(r.bits) +
         "\" type=\"" + (r.bits == 64 ? "uint64" : "uint32") + "\" group=\"system\" regnum=\"" +
         std::to_string(kFirstSystem + k) + "\"/>\n";
  }
  x += "</feature>\n</target>\n";
  return x;
}

}  // namespace

const std::string& GdbStub::target_xml() {
  static const std::string x = build_target_xml();
  return x;
}

unsigned GdbStub::gdb_reg_count() { return kFirstSystem + kSystemRegs; }

std::string GdbStub::read_reg(unsigned n) {
  if (n >= gdb_reg_count()) return {};
  if (n >= kFirstFpu && n < kFirstSystem) return std::string(reg_bytes(n) * 2, '0');
  const Reg r = n < kFirstFpu ? Reg(n) : Reg(unsigned(Reg::CR0) + n - kFirstSystem);
  return gdb::le_hex(s_.reg(r), reg_bytes(n));
}

bool GdbStub::write_reg(unsigned n, std::string_view bytes) {
  if (n >= gdb_reg_count() || bytes.size() != reg_bytes(n)) return false;
  if (n >= kFirstFpu && n < kFirstSystem) return true;   // no FPU: writes are dropped
  uint64_t v = 0;
  for (size_t k = 0; k < bytes.size() && k < 8; ++k) v |= uint64_t(uint8_t(bytes[k])) << (8 * k);
  const Reg r = n < kFirstFpu ? Reg(n) : Reg(unsigned(Reg::CR0) + n - kFirstSystem);
  if (s_.reg(r) == v) return true;   // unchanged (read-only registers in a G packet)
  std::string err;
  return s_.set_reg(r, v, err);
}

std::string GdbStub::stop_reply(const StopInfo& st) {
  char buf[64];
  char thread[24];
  std::snprintf(thread, sizeof thread, "thread:%02x;", st.vcpu + 1);
  switch (st.why) {
    case StopInfo::Why::Ended:
      std::snprintf(buf, sizeof buf, "W%02x", unsigned(st.exit_status) & 0xff);
      return buf;
    case StopInfo::Why::Paused:
      return (stopped_by_gdb_ ? "T05" : "T02") + std::string(thread);
    case StopInfo::Why::HistoryBegin:
      return "T05replaylog:begin;" + std::string(thread);
    case StopInfo::Why::Watchpoint: {
      const std::vector<WatchpointInfo> w = s_.watchpoints();
      uint64_t addr = st.hit.addr;
      uint8_t kind = st.hit.access;
      if (st.hit.index < w.size()) {
        addr = w[st.hit.index].w.addr;
        kind = w[st.hit.index].w.kind;
      }
      const char* what = kind == watch::kWrite ? "watch" : kind == watch::kRead ? "rwatch" : "awatch";
      std::snprintf(buf, sizeof buf, "T05%s:%llx;%s", what, (unsigned long long)addr, thread);
      return buf;
    }
    default:
      return "T05" + std::string(thread);
  }
}

std::string GdbStub::stop_note(const StopInfo& st) {
  if (st.why != StopInfo::Why::Event && st.why != StopInfo::Why::Upcall && st.why != StopInfo::Why::Rejected)
    return {};
  return "O" + gdb::to_hex("pvlab: " + st.text + "\n");
}

std::optional<unsigned> GdbStub::vcpu_of_thread(int64_t t) {
  if (t == -1 || t == 0) return s_.vcpu();
  if (t < 1 || uint64_t(t) > s_.vcpus()) return std::nullopt;
  return unsigned(t - 1);
}

std::string GdbStub::thread_extra(unsigned vcpu) {
  std::string t = "vcpu " + std::to_string(vcpu);
  s_.with_target([&](Target& tg) {
    if (hyper::Hypervisor* hv = tg.hypervisor()) {
      const hyper::Vcpu& v = hv->domain().vcpu(vcpu);
      if (!v.online) t += " offline";
      else if (v.blocked) t += " blocked";
    }
  });
  return t;
}

GdbStub::Reply GdbStub::handle(std::string_view payload) {
  using K = gdb::Command::Kind;
  const gdb::Command c = gdb::parse_command(payload);
  Reply r;
  auto send = [&r](std::string p) { r.packets.push_back(std::move(p)); };
  switch (c.kind) {
    case K::Unsupported:
    case K::MustReplyEmpty: send(""); break;
    case K::Malformed: send("E01"); break;
    case K::Status: send(stop_reply(s_.ended() ? StopInfo{StopInfo::Why::Ended, 0, 0, {}, s_.exit_status(), {}}
                                               : s_.last_stop()));
      break;
    case K::Supported:
      send("PacketSize=" + std::to_string(gdb::kMaxPacket) +
           ";qXfer:features:read+;QStartNoAckMode+;vContSupported+" +
           (s_.reverse_enabled() ? ";ReverseStep+;ReverseContinue+" : ""));
      break;
    case K::NoAckMode:
      no_ack_ = true;
      send("OK");
      break;
    case K::XferFeatures: {
      if (c.name != "target.xml") {
        send("E00");
        break;
      }
      const std::string& x = target_xml();
      if (c.addr >= x.size()) {
        send("l");
        break;
      }
      const size_t n = std::min<uint64_t>({c.len, x.size() - c.addr, gdb::kMaxPacket - 8});
      send((c.addr + n >= x.size() ? "l" : "m") + x.substr(c.addr, n));
      break;
    }
    case K::ReadRegs: {
      std::string all;
      for (unsigned n = 0; n < gdb_reg_count(); ++n) all += read_reg(n);
      send(all);
      break;
    }
    case K::WriteRegs: {
      size_t at = 0;
      bool ok = true;
      for (unsigned n = 0; n < gdb_reg_count() && at + reg_bytes(n) <= c.data.size(); ++n) {
        ok = write_reg(n, std::string_view(c.data).substr(at, reg_bytes(n))) && ok;
        at += reg_bytes(n);
      }
      send(ok ? "OK" : "E01");
      break;
    }
    case K::ReadReg: {
      const std::string v = read_reg(c.type);
      send(v.empty() ? "E01" : v);
      break;
    }
    case K::WriteReg: send(write_reg(c.type, c.data) ? "OK" : "E01"); break;
    case K::ReadMem: {
      std::string buf(c.len, '\0');
      const size_t got = s_.read_memory(c.addr, buf.data(), c.len);
      send(got == 0 && c.len ? "E14" : gdb::to_hex(buf.data(), got));
      break;
    }
    case K::WriteMem: send(s_.write_memory(c.addr, c.data.data(), c.len) == c.len ? "OK" : "E14"); break;
    case K::InsertBreak:
    case K::RemoveBreak: {
      const bool add = c.kind == K::InsertBreak;
      if (c.type <= 1) {   // software and hardware breakpoints are the same thing here
        if (add) s_.add_breakpoint(c.addr);
        else s_.remove_breakpoint_at(c.addr);
      } else {
        const uint8_t kind = c.type == 2 ? watch::kWrite : c.type == 3 ? watch::kRead : watch::kAccess;
        const Watchpoint w{c.addr, uint32_t(c.len), kind, false};
        if (add) s_.add_watchpoint(w);
        else s_.remove_watchpoint_at(w);
      }
      send("OK");
      break;
    }
    case K::Continue:
    case K::Step: {
      if (c.has_addr) {
        std::string err;
        s_.set_reg(Reg::EIP, c.addr, err);
      }
      // Step the thread gdb named (vCont;s:N, or Hc), else the selected one.
      if (c.kind == K::Step) {
        const int64_t t = c.thread > 0 ? c.thread : step_thread_;
        if (std::optional<unsigned> v = vcpu_of_thread(t)) s_.select_vcpu(*v);
      }
      stopped_by_gdb_ = false;
      r.resume = true;
      r.mode = c.kind == K::Step ? RunMode::Step : RunMode::Continue;
      break;
    }
    case K::ReverseStep:
    case K::ReverseContinue:
      if (!s_.reverse_enabled()) {
        send("E01");
        break;
      }
      // Step back the thread gdb named with Hc, else the selected one.
      if (c.kind == K::ReverseStep)
        if (std::optional<unsigned> v = vcpu_of_thread(step_thread_)) s_.select_vcpu(*v);
      stopped_by_gdb_ = false;
      r.resume = true;
      r.mode = c.kind == K::ReverseStep ? RunMode::ReverseStep : RunMode::ReverseContinue;
      break;
    case K::VContQuery: send("vCont;c;C;s;S"); break;
    case K::Detach:
      r.detach = true;
      send("OK");
      break;
    case K::Kill:
      r.kill = true;
      if (payload.substr(0, 5) == "vKill") send("OK");
      break;
    case K::SetThread: {
      // Hg: the vcpu registers and memory address; Hc: the one a step runs.
      const std::optional<unsigned> v = vcpu_of_thread(c.thread);
      if (!v) {
        send("E01");
        break;
      }
      if (c.type == 'g') s_.select_vcpu(*v);
      else step_thread_ = c.thread;
      send("OK");
      break;
    }
    case K::ThreadAlive: send(c.thread >= 1 && vcpu_of_thread(c.thread) ? "OK" : "E01"); break;
    case K::CurrentThread: send("QC" + gdb_thread_hex(s_.vcpu())); break;
    case K::ThreadList: {
      if (!c.addr) {
        send("l");
        break;
      }
      std::string list = "m";
      for (unsigned v = 0; v < s_.vcpus(); ++v) list += (v ? "," : "") + gdb_thread_hex(v);
      send(list);
      break;
    }
    case K::ThreadExtra: {
      const std::optional<unsigned> v = vcpu_of_thread(c.thread);
      send(v && c.thread >= 1 ? gdb::to_hex(thread_extra(*v)) : "E01");
      break;
    }
    case K::Attached: send("1"); break;
    case K::Symbol: send("OK"); break;
    case K::Monitor: {
      const std::string out = s_.monitor(c.data);
      constexpr size_t kChunk = 4000;
      for (size_t k = 0; k < out.size(); k += kChunk) send("O" + gdb::to_hex(std::string_view(out).substr(k, kChunk)));
      send("OK");
      break;
    }
  }
  return r;
}

// ---- the server ---------------------------------------------------------------------------

namespace {

bool send_all(int fd, const std::string& bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += size_t(n);
  }
  return true;
}

int listen_on(int port, std::string& error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || ::listen(fd, 1) < 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

// One connection. Returns how it ended: the machine ended, gdb killed it, or gdb went away
// (detached or disconnected: nullopt).
std::optional<GdbEnd> serve_connection(Session& s, int fd) {
  GdbStub stub(s);
  gdb::FrameReader reader;
  std::vector<gdb::FrameEvent> events;
  std::string last_sent;
  bool running = s.running();
  auto send_packet = [&](const std::string& payload) {
    last_sent = gdb::frame_packet(payload);
    return send_all(fd, last_sent);
  };
  for (;;) {
    if (running) {
      if (std::optional<StopInfo> st = s.wait(std::chrono::milliseconds(0))) {
        running = false;
        if (const std::string note = stub.stop_note(*st); !note.empty()) send_packet(note);
        send_packet(stub.stop_reply(*st));
        if (st->why == StopInfo::Why::Ended) return GdbEnd::Ended;
      }
    }
    pollfd p{fd, POLLIN, 0};
    const int pr = ::poll(&p, 1, running ? 10 : 1000);
    if (pr < 0 && errno != EINTR) return std::nullopt;
    if (pr <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;   // gdb went away
    events.clear();
    reader.feed(std::string_view(buf, size_t(n)), events);
    for (const gdb::FrameEvent& e : events) {
      switch (e.kind) {
        case gdb::FrameEvent::Kind::Ack: break;
        case gdb::FrameEvent::Kind::Nack:
          if (!stub.no_ack() && !last_sent.empty()) send_all(fd, last_sent);
          break;
        case gdb::FrameEvent::Kind::Interrupt:
          if (running) s.pause();
          break;
        case gdb::FrameEvent::Kind::BadChecksum:
          if (!stub.no_ack()) send_all(fd, "-");
          else send_packet("E02");
          break;
        case gdb::FrameEvent::Kind::TooLong:
          if (!stub.no_ack()) send_all(fd, "+");
          send_packet("E03");
          break;
        case gdb::FrameEvent::Kind::Packet: {
          if (!stub.no_ack()) send_all(fd, "+");
          if (running) {   // all-stop: only Ctrl-C is expected while the machine runs
            send_packet("E04");
            break;
          }
          const GdbStub::Reply r = stub.handle(e.data);
          for (const std::string& pk : r.packets) send_packet(pk);
          if (r.kill) return GdbEnd::Killed;
          if (r.detach) return std::nullopt;
          if (r.resume) {
            if (s.ended()) {
              send_packet(stub.stop_reply(s.last_stop()));
              return GdbEnd::Ended;
            }
            s.start(r.mode);
            running = true;
          }
          break;
        }
      }
    }
  }
}

}  // namespace

GdbEnd serve_gdb(Session& s, const GdbOptions& o) {
  std::string err;
  const int lfd = listen_on(o.port, err);
  if (lfd < 0) {
    std::fprintf(stderr, "pvlab: --gdb %d: cannot listen on 127.0.0.1:%d: %s\n", o.port, o.port, err.c_str());
    return GdbEnd::Error;
  }
  s.set_insn_limit(o.max_insns);
  s.set_timing(o.timing);
  if (o.reverse_interval && !s.enable_reverse(o.reverse_interval, err)) {
    ::close(lfd);
    std::fprintf(stderr, "pvlab: --reverse: %s\n", err.c_str());
    return GdbEnd::Error;
  }
  std::fprintf(stderr, "pvlab: %s gdb on 127.0.0.1:%d (target remote :%d)\n",
               o.wait ? "waiting for" : "the machine runs; attach", o.port, o.port);
  if (!o.wait) s.start(RunMode::Continue);
  GdbEnd end = GdbEnd::Ended;
  for (;;) {
    if (s.running()) {
      if (std::optional<StopInfo> st = s.wait(std::chrono::milliseconds(0))) {
        if (st->why == StopInfo::Why::Ended) break;
        s.start(RunMode::Continue);   // nothing else can stop it with no debugger attached
      }
    } else if (s.ended()) {
      break;
    }
    pollfd p{lfd, POLLIN, 0};
    const int pr = ::poll(&p, 1, 20);
    if (pr <= 0) continue;
    const int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (cfd < 0) continue;
    int one = 1;
    ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (s.running()) {
      s.pause();
      while (!s.wait(std::chrono::milliseconds(100))) {
      }
    }
    std::optional<GdbEnd> r = serve_connection(s, cfd);
    ::close(cfd);
    if (r) {
      end = *r;
      break;
    }
    // Detached: the machine runs on without breakpoints or catches.
    if (s.running()) {
      s.pause();
      while (!s.wait(std::chrono::milliseconds(100))) {
      }
    }
    s.clear_breakpoints();
    s.clear_catches();
    if (!s.ended()) s.start(RunMode::Continue);
  }
  ::close(lfd);
  if (s.running()) {
    s.pause();
    while (!s.wait(std::chrono::milliseconds(100))) {
    }
  }
  return end;
}

std::optional<RunResult> run_pc_with_gdb(PcMachine& m, const GdbOptions& o, int& status) {
  auto t = std::make_unique<PcTarget>(m);
  PcTarget& pc = *t;
  Session s(std::move(t));
  const GdbEnd e = serve_gdb(s, o);
  if (e == GdbEnd::Ended) return pc.last();
  status = e == GdbEnd::Killed ? exit_code::kPowerOff : exit_code::kUsage;
  if (e == GdbEnd::Killed) std::fprintf(stderr, "pvlab: the debugger ended the machine\n");
  return std::nullopt;
}

std::optional<hyper::PvRunResult> run_pv_with_gdb(hyper::Hypervisor& hv, PvBackends& back, const GdbOptions& o,
                                                  int& status) {
  auto t = std::make_unique<PvTarget>(hv, &back);
  PvTarget& pv = *t;
  Session s(std::move(t));
  const GdbEnd e = serve_gdb(s, o);
  if (e == GdbEnd::Ended) return pv.last();
  status = e == GdbEnd::Killed ? exit_code::kPowerOff : exit_code::kUsage;
  if (e == GdbEnd::Killed) std::fprintf(stderr, "pvlab: the debugger ended the machine\n");
  return std::nullopt;
}

}  // namespace pvlab
