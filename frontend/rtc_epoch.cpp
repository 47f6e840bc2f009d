// --rtc-epoch parsing. Dates go through the RTC's own calendar (devices/pc/cmos.h), and a
// date is valid when it survives the round trip through seconds unchanged.
#include "frontend/rtc_epoch.h"

#include <cctype>

#include "devices/pc/cmos.h"

namespace pvlab {

namespace {

// The clock's range: 1970-01-01T00:00:00 to 9999-12-31T23:59:59.
constexpr int64_t kLastSecond = 253402300799;

// `n` decimal digits at text[pos]; false if any is not a digit.
bool digits(const std::string& text, size_t pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t k = pos; k < pos + n; ++k) {
    if (!std::isdigit(static_cast<unsigned char>(text[k]))) return false;
    out = out * 10 + (text[k] - '0');
  }
  return true;
}

}  // namespace

bool parse_rtc_epoch(const std::string& text, int64_t& seconds, std::string& error) {
  const std::string what = "--rtc-epoch " + text + ": ";
  if (text.empty()) {
    error = what + "expected SECONDS or YYYY-MM-DDTHH:MM:SS";
    return false;
  }
  if (text.find('-') == std::string::npos) {
    // Seconds since 1970.
    int64_t v = 0;
    for (char ch : text) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) {
        error = what + "expected SECONDS (digits only) or YYYY-MM-DDTHH:MM:SS";
        return false;
      }
      v = v * 10 + (ch - '0');
      if (v > kLastSecond) {
        error = what + "beyond the RTC's range (at most 9999-12-31T23:59:59, " +
                std::to_string(kLastSecond) + " seconds)";
        return false;
      }
    }
    seconds = v;
    return true;
  }
  // YYYY-MM-DDTHH:MM:SS (a space may stand for the T).
  RtcTime t;
  const bool shape = text.size() == 19 && text[4] == '-' && text[7] == '-' &&
                     (text[10] == 'T' || text[10] == ' ') && text[13] == ':' && text[16] == ':';
  if (!shape || !digits(text, 0, 4, t.year) || !digits(text, 5, 2, t.month) ||
      !digits(text, 8, 2, t.day) || !digits(text, 11, 2, t.hour) || !digits(text, 14, 2, t.minute) ||
      !digits(text, 17, 2, t.second)) {
    error = what + "expected YYYY-MM-DDTHH:MM:SS (UTC), e.g. 2024-01-01T00:00:00";
    return false;
  }
  if (t.year < 1970) {
    error = what + "the year must be 1970 or later";
    return false;
  }
  const int64_t secs = rtc_to_seconds(t);
  const RtcTime back = rtc_from_seconds(secs);
  if (t.month < 1 || t.month > 12 || t.hour > 23 || t.minute > 59 || t.second > 59 ||
      back.year != t.year || back.month != t.month || back.day != t.day) {
    error = what + "no such date or time";
    return false;
  }
  seconds = secs;
  return true;
}

}  // namespace pvlab
