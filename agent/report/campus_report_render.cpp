// The campus report's four renderings: the rule, each site's evidence, every indicator's campus
// status with its status at each site.

#include <cstdio>
#include <sstream>

#include "core/html.h"
#include "report/campus_report.h"

namespace campus {
namespace {

const char* campus_status_zh(IndicatorStatus s) {
  return s == IndicatorStatus::met        ? "达标"
         : s == IndicatorStatus::failing  ? "未达标"
         : s == IndicatorStatus::waived   ? "豁免"
         : s == IndicatorStatus::attested ? "达标（人工确认）"
                                          : "未验证";
}

std::string campus_csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string campus_md_cell(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : " ") + item;
  return out;
}

const IndicatorFindings& at_site(const SiteReport& site, std::size_t n) {
  return site.report.indicators.at(n);
}

constexpr IndicatorStatus kCampusStatuses[] = {
    IndicatorStatus::met, IndicatorStatus::attested, IndicatorStatus::failing,
    IndicatorStatus::unverified, IndicatorStatus::waived};

}  // namespace

nlohmann::json campus_report_json(const CampusReport& r) {
  nlohmann::json sites = nlohmann::json::array();
  for (const auto& site : r.sites) {
    nlohmann::json summary;
    for (const IndicatorStatus s : kCampusStatuses)
      summary[std::string(to_string(s))] = site.report.count(s);
    sites.push_back(
        {{"site", site.site},
         {"evidence_dir", site.evidence_dir},
         {"evidence",
          {{"intact", site.report.evidence_intact}, {"verification", site.report.verification}}},
         {"summary", summary}});
  }
  nlohmann::json indicators = nlohmann::json::array();
  for (std::size_t n = 0; n < r.indicators.size(); ++n) {
    const auto& c = r.indicators[n];
    nlohmann::json per_site = nlohmann::json::object();
    for (const auto& site : r.sites) {
      const auto& f = at_site(site, n);
      per_site[site.site] = {
          {"status", to_string(f.status)},
          {"runs", f.runs},
          {"passes", f.passes},
          {"pass_ratio", f.pass_ratio()},
          {"checks", f.checks},
          {"latest_failure", f.latest_failure ? nlohmann::json{{"seq", f.latest_failure->seq},
                                                               {"hash", f.latest_failure->hash},
                                                               {"time", f.latest_failure->time}}
                                              : nlohmann::json()}};
    }
    indicators.push_back({{"id", c.indicator->id},
                          {"dimension", c.indicator->dimension},
                          {"text", c.indicator->text},
                          {"text_en", c.indicator->text_en},
                          {"status", to_string(c.status)},
                          {"checked_at", c.checked_at},
                          {"failing_sites", c.failing_sites},
                          {"sites", per_site}});
  }
  nlohmann::json summary;
  for (const IndicatorStatus s : kCampusStatuses)
    summary[std::string(to_string(s))] = r.count(s);
  return {{"edition", to_string(r.edition)},
          {"title", r.title},
          {"period", {{"from", r.from}, {"to", r.to}}},
          {"scope", "campus"},
          {"rule", campus_rule_text()},
          {"evidence", {{"intact", r.evidence_intact}}},
          {"summary", summary},
          {"sites", sites},
          {"indicators", indicators}};
}

std::string campus_report_csv(const CampusReport& r) {
  // One row per indicator and scope: the campus first, then each site.
  std::string out = "id,text,text_en,scope,status,runs,passes,pass_ratio,checks,failing_sites\n";
  for (std::size_t n = 0; n < r.indicators.size(); ++n) {
    const auto& c = r.indicators[n];
    const auto row = [&](const std::string& scope, IndicatorStatus status, std::uint64_t runs,
                         std::uint64_t passes, double ratio, const std::string& checks,
                         const std::string& failing) {
      char text[16];
      std::snprintf(text, sizeof text, "%.4f", ratio);
      for (const std::string& field :
           {c.indicator->id, c.indicator->text, c.indicator->text_en, scope,
            std::string(to_string(status)), std::to_string(runs), std::to_string(passes),
            std::string(text), checks, failing}) {
        out += campus_csv_field(field) + ",";
      }
      out.back() = '\n';
    };
    std::uint64_t runs = 0, passes = 0;
    for (const auto& site : r.sites) {
      runs += at_site(site, n).runs;
      passes += at_site(site, n).passes;
    }
    row("campus", c.status, runs, passes, runs ? double(passes) / double(runs) : 0, "",
        joined(c.failing_sites));
    for (const auto& site : r.sites) {
      const auto& f = at_site(site, n);
      row("site:" + site.site, f.status, f.runs, f.passes, f.pass_ratio(),
          joined(std::vector<std::string>(f.checks.begin(), f.checks.end())), "");
    }
  }
  return out;
}

std::string campus_report_markdown(const CampusReport& r) {
  std::ostringstream out;
  out << "# " << r.title << " — 全校监测报告 Campus compliance report\n\n";
  out << "Period: " << r.from << " to " << r.to << "  \n";
  out << "Rule: " << campus_rule_text() << "\n\n";
  out << "| 站点 Site | Evidence | 达标 met | 未达标 failing | 未验证 unverified |\n"
         "|---|---|---|---|---|\n";
  for (const auto& site : r.sites) {
    out << "| " << campus_md_cell(site.site) << " | " << campus_md_cell(site.report.verification)
        << " | " << site.report.count(IndicatorStatus::met) << " | "
        << site.report.count(IndicatorStatus::failing) << " | "
        << site.report.count(IndicatorStatus::unverified) << " |\n";
  }
  out << "| **全校 Campus** | " << (r.evidence_intact ? "all intact" : "**NOT all intact**")
      << " | " << r.count(IndicatorStatus::met) << " | " << r.count(IndicatorStatus::failing)
      << " | " << r.count(IndicatorStatus::unverified) << " |\n\n";
  out << "| ID | 关键指标 Key indicator | 全校 Campus |";
  for (const auto& site : r.sites)
    out << " " << campus_md_cell(site.site) << " |";
  out << "\n|---|---|---|";
  for (std::size_t i = 0; i < r.sites.size(); ++i)
    out << "---|";
  out << "\n";
  for (std::size_t n = 0; n < r.indicators.size(); ++n) {
    const auto& c = r.indicators[n];
    out << "| " << c.indicator->id << " | " << campus_md_cell(c.indicator->text) << " | "
        << campus_status_zh(c.status) << " " << to_string(c.status) << " |";
    for (const auto& site : r.sites) {
      const auto& f = at_site(site, n);
      out << " " << to_string(f.status);
      if (f.runs) out << " (" << f.passes << "/" << f.runs << ")";
      out << " |";
    }
    out << "\n";
  }
  return out.str();
}

std::string campus_report_html(const CampusReport& r) {
  std::ostringstream h;
  h << R"(<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)"
    << html_escape(r.title) << R"( — 全校监测报告</title><style>
body{font-family:system-ui,"Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .3rem;border-bottom:2px solid #ccc}
.meta{color:#555;font-size:.9rem}.bad{color:#b00020;font-weight:bold}.en{color:#666;font-size:.85em}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.3rem 0}th,td{border-bottom:1px solid #ddd;padding:.3rem .35rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.id{font-family:monospace;white-space:nowrap}td{overflow-wrap:anywhere}
.met{color:#176f2c;font-weight:bold}.failing{color:#b00020;font-weight:bold}.unverified{color:#777}
.attested{color:#1a5fb4;font-weight:bold}.waived{color:#8a5a00}
@media print{body{max-width:none;font-size:10pt}@page{size:A4 landscape;margin:12mm}tr{break-inside:avoid}}
</style></head><body>
)";
  h << "<h1>" << html_escape(r.title) << "</h1>\n<p class=meta>全校监测报告 Campus compliance "
    << "report · " << to_string(r.edition) << " edition · " << html_escape(r.from) << " — "
    << html_escape(r.to) << " · " << r.sites.size() << " site(s)</p>\n<p id=rule>"
    << html_escape(campus_rule_text()) << "</p>\n";
  h << "<h2>站点 Sites</h2>\n<table id=sites><tr><th>站点 Site</th><th>证据链 Evidence</th>"
       "<th>达标 met</th><th>未达标 failing</th><th>未验证 unverified</th></tr>\n";
  for (const auto& site : r.sites) {
    h << "<tr data-site=\"" << html_escape(site.site) << "\"><td>" << html_escape(site.site)
      << "<br><span class=en>" << html_escape(site.evidence_dir) << "</span></td><td class=\""
      << (site.report.evidence_intact ? "meta" : "bad") << "\">"
      << html_escape(site.report.verification) << "</td><td class=met>"
      << site.report.count(IndicatorStatus::met) << "</td><td class=failing>"
      << site.report.count(IndicatorStatus::failing) << "</td><td class=unverified>"
      << site.report.count(IndicatorStatus::unverified) << "</td></tr>\n";
  }
  h << "<tr><th>全校 Campus</th><th class=\"" << (r.evidence_intact ? "meta" : "bad") << "\">"
    << (r.evidence_intact ? "every site's evidence is intact"
                          : "NOT every site's evidence is intact")
    << "</th><th>" << r.count(IndicatorStatus::met) << "</th><th>"
    << r.count(IndicatorStatus::failing) << "</th><th>" << r.count(IndicatorStatus::unverified)
    << "</th></tr></table>\n";
  h << "<h2>指标 Indicators</h2>\n<table id=indicators><tr><th>ID</th><th>关键指标 Key "
       "indicator</th><th>全校 Campus</th>";
  for (const auto& site : r.sites)
    h << "<th>" << html_escape(site.site) << "</th>";
  h << "</tr>\n";
  for (std::size_t n = 0; n < r.indicators.size(); ++n) {
    const auto& c = r.indicators[n];
    h << "<tr data-id=\"" << html_escape(c.indicator->id) << "\" data-status=\""
      << to_string(c.status) << "\"><td class=id>" << html_escape(c.indicator->id) << "</td><td>"
      << html_escape(c.indicator->text) << "<br><span class=en>"
      << html_escape(c.indicator->text_en) << "</span></td><td class=" << to_string(c.status) << ">"
      << campus_status_zh(c.status) << "<br>" << to_string(c.status) << "</td>";
    for (const auto& site : r.sites) {
      const auto& f = at_site(site, n);
      h << "<td class=" << to_string(f.status) << " data-site=\"" << html_escape(site.site) << "\">"
        << to_string(f.status);
      if (f.runs) h << "<br><span class=en>" << f.passes << "/" << f.runs << " passed</span>";
      if (f.latest_failure) {
        h << "<br><span class=en>fail #" << f.latest_failure->seq << "</span>";
      }
      h << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</table>\n<p class=meta>Generated by campus-probe from each site's evidence log; each "
       "record can be looked up by its seq and hash in that site's log.</p>\n</body></html>\n";
  return h.str();
}

}  // namespace campus
