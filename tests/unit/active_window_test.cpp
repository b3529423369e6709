// Active windows: weekdays, hours (also past midnight), fixed UTC offsets and calendar dates,
// and the config errors for windows that are wrong or never open.

#include "core/active_window.h"

#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"

using namespace campus;

namespace {

// A UTC instant from a date and a UTC time.
std::chrono::system_clock::time_point utc(const char* date, int hour, int minute = 0) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(
      *parse_civil_date(date) * 86400 + std::int64_t(hour) * 3600 + std::int64_t(minute) * 60));
}

std::string config_errors(const std::string& check_tail, const std::string& calendars = "") {
  static const Catalog catalog = Catalog::builtin();
  static const ProbeRegistry probes = ProbeRegistry::builtin();
  Diagnostics d;
  const std::string text = calendars +
                           "checks:\n  - id: door\n    probe: tcp\n    target: "
                           "127.0.0.1:80\n" +
                           check_tail;
  auto plan = load_plan_text("campus.yaml", text, {catalog}, probes, d);
  return plan ? std::string() : d.str();
}

}  // namespace

TEST_CASE("a window is read in its own offset: weekdays and opening hours in Beijing time") {
  ActiveWindow w;  // +08:00 by default
  w.days = 0x1f;   // mon-fri
  w.from_minute = 7 * 60 + 30;
  w.to_minute = 22 * 60;
  // 2026-11-30 is a Monday. 07:30 Beijing = 23:30 UTC the day before.
  CHECK(w.contains(utc("2026-11-29", 23, 30)));
  CHECK_FALSE(w.contains(utc("2026-11-29", 23, 29)));
  CHECK(w.contains(utc("2026-11-30", 13, 59)));       // 21:59 Beijing
  CHECK_FALSE(w.contains(utc("2026-11-30", 14, 0)));  // 22:00 Beijing: closed
  // Saturday 2026-12-05, 10:00 Beijing: not a weekday.
  CHECK_FALSE(w.contains(utc("2026-12-05", 2, 0)));
  w.offset_minutes = 0;
  CHECK_FALSE(w.contains(utc("2026-11-30", 7, 0)));
  CHECK(w.contains(utc("2026-11-30", 8, 0)));
  CHECK(w.describe() == "mon,tue,wed,thu,fri 07:30-22:00 +00:00");
}

TEST_CASE("a window past midnight belongs to the day it opened") {
  ActiveWindow night;
  night.days = 1u << 4;  // Friday only
  night.from_minute = 22 * 60;
  night.to_minute = 6 * 60;
  night.offset_minutes = 0;
  CHECK(night.contains(utc("2026-12-04", 23, 0)));        // Friday 23:00
  CHECK(night.contains(utc("2026-12-05", 5, 59)));        // Saturday 05:59, opened on Friday
  CHECK_FALSE(night.contains(utc("2026-12-05", 6, 0)));   // closed
  CHECK_FALSE(night.contains(utc("2026-12-05", 23, 0)));  // Saturday night: not Friday
  CHECK_FALSE(night.contains(utc("2026-12-04", 21, 59)));
}

TEST_CASE("a calendar limits the window to its dates, local dates in the window's offset") {
  ActiveWindow selection;
  selection.calendar = "course-selection";
  selection.dates = {{*parse_civil_date("2026-12-01"), *parse_civil_date("2026-12-10")}};
  CHECK(selection.contains(utc("2026-11-30", 16, 0)));  // 2026-12-01 00:00 Beijing
  CHECK_FALSE(selection.contains(utc("2026-11-30", 15, 59)));
  CHECK(selection.contains(utc("2026-12-10", 15, 59)));  // 23:59 Beijing on the last day
  CHECK_FALSE(selection.contains(utc("2026-12-10", 16, 0)));
  CHECK(selection.describe() == "every day 00:00-24:00 +08:00 course-selection");
}

TEST_CASE("dates, clock times and offsets parse strictly") {
  CHECK(parse_civil_date("1970-01-02") == 1);
  CHECK(parse_civil_date("2026-02-29") == std::nullopt);
  CHECK(parse_civil_date("2026-1-05") == std::nullopt);
  CHECK(parse_clock_time("24:00") == 1440);
  CHECK(parse_clock_time("24:01") == std::nullopt);
  CHECK(parse_clock_time("7:30") == std::nullopt);
  CHECK(parse_fixed_utc_offset("+08:00") == 480);
  CHECK(parse_fixed_utc_offset("-0530") == -330);
  CHECK(parse_fixed_utc_offset("Asia/Shanghai") == 480);
  CHECK(parse_fixed_utc_offset("Z") == 0);
  CHECK(parse_fixed_utc_offset("Europe/Berlin") == std::nullopt);
  CHECK(parse_fixed_utc_offset("+8") == std::nullopt);
}

TEST_CASE("a window and calendars load, and their mistakes are named with their place") {
  const std::string calendars =
      "calendars:\n  term: [\"2026-09-01..2027-01-20\"]\n  selection: [\"2026-12-01\", "
      "\"2027-06-01..2027-06-07\"]\n";
  CHECK(config_errors("    active: {days: [mon, fri], hours: \"07:30-22:00\", timezone: "
                      "\"+08:00\", calendar: term}\n",
                      calendars) == "");
  CHECK(config_errors("    active: {days: [mon, fry]}\n") ==
        "campus.yaml:5:20: checks[0].active.days: expected mon, tue, wed, thu, fri, sat or sun, "
        "got 'fry'\n");
  CHECK(config_errors("    active: {days: []}\n") ==
        "campus.yaml:5:20: checks[0].active.days: the window never opens: no days\n");
  CHECK(config_errors("    active: {hours: \"7-22\"}\n") ==
        "campus.yaml:5:21: checks[0].active.hours: expected HH:MM-HH:MM, e.g. 07:30-22:00, got "
        "'7-22'\n");
  CHECK(config_errors("    active: {hours: \"08:00-08:00\"}\n") ==
        "campus.yaml:5:21: checks[0].active.hours: the window never opens: '08:00-08:00' is "
        "empty\n");
  CHECK(config_errors("    active: {timezone: Europe/Berlin}\n") ==
        "campus.yaml:5:24: checks[0].active.timezone: expected a fixed UTC offset such as "
        "+08:00 (or Asia/Shanghai), got 'Europe/Berlin'\n");
  CHECK(config_errors("    active: {calendar: exams}\n", calendars) ==
        "campus.yaml:8:24: checks[0].active.calendar: unknown calendar 'exams' (known: "
        "selection, term)\n");
  CHECK(config_errors("    active: {calendar: exams}\n") ==
        "campus.yaml:5:24: checks[0].active.calendar: unknown calendar 'exams' (the config has "
        "no calendars:)\n");
  CHECK(config_errors("", "calendars:\n  term: [\"2027-01-20..2026-09-01\"]\n") ==
        "campus.yaml:2:10: calendars.term[0]: the range '2027-01-20..2026-09-01' ends before it "
        "starts\n");
  CHECK(config_errors("", "calendars:\n  term: [\"autumn\"]\n") ==
        "campus.yaml:2:10: calendars.term[0]: expected a date YYYY-MM-DD or a range "
        "YYYY-MM-DD..YYYY-MM-DD, got 'autumn'\n");
  CHECK(config_errors("    active: {weekdays: [mon]}\n").find("unknown key") != std::string::npos);
}
