// Plugin output and performance data exactly as the Nagios plugin development guidelines write
// them.

#include "exec/nagios_output.h"

#include <doctest/doctest.h>

#include "sinks/check_metrics.h"

using namespace campus;

TEST_CASE("the guidelines' disk example: perfdata on the first line and after the long text") {
  const auto out = parse_plugin_output(
      "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n"
      "/ 15272 MB (77%);\n"
      "/boot 68 MB (69%);\n"
      "/home 69357 MB (27%); | /boot=68MB;88;93;0;98\n"
      "/home=69357MB;253404;253409;0;253414\n");
  CHECK(out.text == "DISK OK - free space: / 3326 MB (56%);");
  CHECK(out.long_text == "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);");
  REQUIRE(out.perfdata.size() == 3);
  CHECK(out.perfdata[0].label == "/");
  CHECK(out.perfdata[0].base_value == 2643.0 * 1024 * 1024);
  CHECK(out.perfdata[0].max == "5968");
  CHECK(out.perfdata[2].label == "/home");
  CHECK(out.malformed.empty());
}

TEST_CASE("quoted labels, units and malformed items") {
  const auto out = parse_plugin_output(
      "OK | 'rta time'=1.5ms;;;0 'it''s'=3c pl=0% up=12us load=0.5 'x=y'=2s bad=1zz =3 novalue=");
  REQUIRE(out.perfdata.size() == 6);
  CHECK(out.perfdata[0].label == "rta time");
  CHECK(out.perfdata[0].base_value == doctest::Approx(0.0015));
  CHECK(out.perfdata[1].label == "it's");
  CHECK(out.perfdata[3].base_value == doctest::Approx(12e-6));
  CHECK(out.perfdata[4].uom.empty());
  CHECK(out.perfdata[5].label == "x=y");
  CHECK(out.malformed == std::vector<std::string>{"bad=1zz", "=3", "novalue="});
  CHECK(parse_plugin_output("").text.empty());
  CHECK(parse_plugin_output("just text").perfdata.empty());
}

TEST_CASE("perfdata becomes campus_probe_plugin_perfdata with a label per item") {
  CheckSpec check;
  check.id = "one-card";
  check.probe_type = "exec";
  ProbeResult result = ProbeResult::pass("OK");
  result.labelled_measurements.push_back({"plugin_perfdata", "time \"fast\"", 0.25});
  CheckMetrics metrics;
  metrics.record(check, result, 1);
  std::string text;
  metrics.write_text(text);
  CHECK(text.find("# HELP campus_probe_plugin_perfdata ") != std::string::npos);
  CHECK(text.find(
            "campus_probe_plugin_perfdata{check=\"one-card\",label=\"time \\\"fast\\\"\"} 0.25") !=
        std::string::npos);
}
