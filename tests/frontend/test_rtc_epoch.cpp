// --rtc-epoch values: seconds, UTC dates (checked against the calendar), and bad input.
#include <doctest/doctest.h>

#include "frontend/rtc_epoch.h"

using namespace pvlab;

namespace {

bool parses(const std::string& text, int64_t want) {
  int64_t got = -1;
  std::string err;
  bool ok = parse_rtc_epoch(text, got, err);
  INFO(text, " -> ", got, " ", err);
  return ok && got == want;
}

std::string refusal(const std::string& text) {
  int64_t got = 0;
  std::string err;
  if (parse_rtc_epoch(text, got, err)) return "accepted";
  return err;
}

}  // namespace

TEST_CASE("rtc epoch: seconds since 1970 and UTC dates") {
  // Reference values from Python's calendar.timegm.
  CHECK(parses("0", 0));
  CHECK(parses("981173106", 981173106));
  CHECK(parses("2001-02-03T04:05:06", 981173106));
  CHECK(parses("2001-02-03 04:05:06", 981173106));
  CHECK(parses("1970-01-01T00:00:00", 0));
  CHECK(parses("2000-02-29T12:00:00", 951825600));
  CHECK(parses("9999-12-31T23:59:59", 253402300799));
  CHECK(parses("253402300799", 253402300799));
}

TEST_CASE("rtc epoch: bad values are refused with a message naming them") {
  CHECK(refusal("2001-02-29T00:00:00").find("no such date") != std::string::npos);
  CHECK(refusal("1900-02-28T00:00:00").find("1970") != std::string::npos);
  CHECK(refusal("2001-13-01T00:00:00").find("no such date") != std::string::npos);
  CHECK(refusal("2001-01-01T24:00:00").find("no such date") != std::string::npos);
  CHECK(refusal("2001-01-01T00:60:00").find("no such date") != std::string::npos);
  CHECK(refusal("2001-1-1T00:00:00").find("YYYY-MM-DDTHH:MM:SS") != std::string::npos);
  CHECK(refusal("2001-01-01").find("YYYY-MM-DDTHH:MM:SS") != std::string::npos);
  CHECK(refusal("12ab").find("--rtc-epoch 12ab") != std::string::npos);
  CHECK(refusal("").find("expected") != std::string::npos);
  CHECK(refusal("253402300800").find("range") != std::string::npos);
  CHECK(refusal("99999999999999999999999").find("range") != std::string::npos);
}
