// `pvlab trace diff A B` and `pvlab trace show FILE`. Instruction traces compare record by
// record (text and binary mix freely); the first record that differs is named with the field
// that differs (vcpu, EIP, bytes, a register, a memory access, the count or the cycle) and a
// few records of context. Event logs (JSON lines) compare event by event.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "frontend/trace_format.h"

namespace pvlab {

struct TraceDifference {
  size_t index = 0;      // record (or event line) where the traces part
  std::string field;     // "eip", "bytes", "register eax", "memory access 2", "end", ...
  std::string detail;    // "a: ..., b: ..."
};

// The first difference between two instruction traces; nullopt when they are identical.
std::optional<TraceDifference> first_difference(const std::vector<InsnRecord>& a, const std::vector<InsnRecord>& b);

// Exit status: 0 identical, 1 different, 2 bad input (message on `err`).
int trace_diff_main(const std::string& a, const std::string& b, unsigned context, FILE* out, FILE* err);
// Print a trace (either format) as text; 0, or 2 on bad input.
int trace_show_main(const std::string& path, FILE* out, FILE* err);

}  // namespace pvlab
