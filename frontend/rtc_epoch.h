// The value of `pvlab run --rtc-epoch`: the RTC's time at cycle 0, given as seconds since
// 1970-01-01 00:00:00 UTC or as a UTC date and time YYYY-MM-DDTHH:MM:SS.
#pragma once
#include <cstdint>
#include <string>

namespace pvlab {

// Parse `text` into seconds since 1970 (UTC). False with a message saying what is wrong.
bool parse_rtc_epoch(const std::string& text, int64_t& seconds, std::string& error);

}  // namespace pvlab
