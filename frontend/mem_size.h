// Guest RAM sizes as users write them on the command line: "64M", "1G", "512K", "64MiB";
// a bare number is MiB. Throws std::invalid_argument (or what std::stoull throws) on
// anything else.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace pvlab {

inline size_t parse_mem_size(const std::string& s) {
  size_t pos = 0;
  const unsigned long long v = std::stoull(s, &pos);
  const std::string unit = s.substr(pos);
  if (unit.empty() || unit == "M" || unit == "m" || unit == "MiB") return size_t(v) << 20;
  if (unit == "G" || unit == "g" || unit == "GiB") return size_t(v) << 30;
  if (unit == "K" || unit == "k" || unit == "KiB") return size_t(v) << 10;
  throw std::invalid_argument("unknown memory unit '" + unit + "'");
}

}  // namespace pvlab
