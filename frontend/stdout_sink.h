// Guest output to pvlab's standard output: a character at a time, flushed at each newline so
// a guest's lines appear as it writes them.
#pragma once
#include <cstdio>

namespace pvlab {

inline void put_guest_char(char c) {
  std::fputc(c, stdout);
  if (c == '\n') std::fflush(stdout);
}

}  // namespace pvlab
