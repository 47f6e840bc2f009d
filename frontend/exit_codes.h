// pvlab's exit status, for scripts and CI. Odd values come from the guest through the
// isa-debug-exit device ((value << 1) | 1); pvlab's own are even, so the two never collide.
#pragma once

namespace pvlab::exit_code {
constexpr int kPowerOff = 0;       // the guest powered the machine off
constexpr int kUsage = 2;          // bad command line or unusable image
constexpr int kHaltIfOff = 4;      // HLT with interrupts disabled
constexpr int kIdle = 6;           // halted with interrupts enabled and nothing to wake it
constexpr int kTripleFault = 8;    // triple fault (shutdown)
constexpr int kLimit = 10;         // --max-insns or --max-cycles reached
constexpr int kInternal = 12;      // pvlab itself failed (a bug: please report it)
constexpr int kReset = 14;         // the guest reset the machine (PV: SHUTDOWN_reboot)
constexpr int kCrash = 16;         // PV: the domain crashed (SHUTDOWN_crash, or the hypervisor killed it)
constexpr int kSuspend = 18;       // PV: the domain suspended itself (SHUTDOWN_suspend)
constexpr int kWatchdog = 20;      // PV: the domain's watchdog expired (SHUTDOWN_watchdog)
constexpr int kDiverged = 22;      // pvlab replay: the run did not reproduce the recording
}  // namespace pvlab::exit_code
