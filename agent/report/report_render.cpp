// The compliance report's four renderings: JSON for machines, Markdown and CSV for people and
// spreadsheets, and a self-contained HTML page that prints on A4 and reads on a phone.

#include <cstdio>
#include <sstream>

#include "core/html.h"
#include "report/compliance_report.h"

namespace campus {
namespace {

std::string percent(double ratio) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", ratio * 100);
  return buffer;
}

const char* status_zh(IndicatorStatus s) {
  return s == IndicatorStatus::met        ? "达标"
         : s == IndicatorStatus::failing  ? "未达标"
         : s == IndicatorStatus::waived   ? "豁免"
         : s == IndicatorStatus::attested ? "达标（人工确认）"
                                          : "未验证";
}

const WaiverSeen* waiver_of(const ComplianceReport& r, const IndicatorFindings& f) {
  for (const auto& w : r.waivers) {
    if (w.indicator == f.indicator->id) return &w;
  }
  return nullptr;
}

// What the indicator's status rests on, in one line for people: the checks, the attestation
// (statement, document and its hash, approver, expiry), the waiver, and the failures a
// maintenance window excused.
std::string basis_text(const ComplianceReport& r, const IndicatorFindings& f) {
  std::string out;
  const auto add = [&out](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
  if (f.basis == IndicatorBasis::checks || f.basis == IndicatorBasis::checks_and_attestation)
    add("检测 checks: " + std::to_string(f.runs) + " run(s)");
  if (f.attestation && f.basis != IndicatorBasis::waiver) {
    const auto& a = *f.attestation;
    add(std::string(f.basis == IndicatorBasis::checks ? "另有人工确认 also attested"
                                                      : "人工确认 attested") +
        ": " + a.statement + " — 文件 document " + a.document_ref + " sha256 " + a.document_sha256 +
        "; 负责人 owner " + a.owner + ", 批准 approved by " + a.approver + ", 有效至 expires " +
        a.expires + " (seq " + std::to_string(a.seq) + ")");
  }
  if (f.basis == IndicatorBasis::checks_and_attestation && !f.attestation)
    add("缺少有效的人工确认 no attestation in force");
  if (const auto* w = f.basis == IndicatorBasis::waiver ? waiver_of(r, f) : nullptr)
    add("豁免 waiver: " + w->reason + " (" + w->owner + ", until " + w->until + ")");
  if (f.excused)
    add("维护时段 maintenance: " + std::to_string(f.excused) + " failure(s) not counted");
  return out.empty() ? "—" : out;
}

nlohmann::json attestation_json(const std::optional<AttestationSeen>& a) {
  if (!a) return nullptr;
  return {{"id", a->id},
          {"statement", a->statement},
          {"owner", a->owner},
          {"approver", a->approver},
          {"document",
           {{"ref", a->document_ref}, {"path", a->document_path}, {"sha256", a->document_sha256}}},
          {"valid_from", a->valid_from},
          {"expires", a->expires},
          {"seq", a->seq},
          {"hash", a->hash}};
}

std::string checks_list(const IndicatorFindings& f) {
  std::string out;
  for (const auto& c : f.checks)
    out += (out.empty() ? "" : " ") + c;
  return out;
}

nlohmann::json cited(const std::optional<CitedRun>& run) {
  if (!run) return nullptr;
  return {{"seq", run->seq},
          {"hash", run->hash},
          {"time", run->time},
          {"check", run->check},
          {"reason", run->reason}};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

namespace {

// The maintenance windows of the period, for every format.
nlohmann::json maintenance_json(const ComplianceReport& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : r.maintenance) {
    out.push_back({{"name", m.name},
                   {"reason", m.reason},
                   {"from", m.from},
                   {"to", m.to},
                   {"runs", m.runs},
                   {"failures_not_counted", m.excused}});
  }
  return out;
}

nlohmann::json waivers_json(const ComplianceReport& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : r.waivers) {
    out.push_back({{"indicator", w.indicator},
                   {"reason", w.reason},
                   {"owner", w.owner},
                   {"until", w.until},
                   {"seq", w.seq}});
  }
  return out;
}

}  // namespace

nlohmann::json report_json(const ComplianceReport& r) {
  nlohmann::json dimensions = nlohmann::json::array();
  std::string last;
  for (const auto& f : r.indicators) {
    if (f.indicator->dimension == last) continue;
    last = f.indicator->dimension;
    dimensions.push_back({{"dimension", last},
                          {"dimension_en", f.indicator->dimension_en},
                          {"met", r.count(IndicatorStatus::met, last)},
                          {"failing", r.count(IndicatorStatus::failing, last)},
                          {"unverified", r.count(IndicatorStatus::unverified, last)},
                          {"attested", r.count(IndicatorStatus::attested, last)},
                          {"waived", r.count(IndicatorStatus::waived, last)}});
  }
  nlohmann::json indicators = nlohmann::json::array();
  for (const auto& f : r.indicators) {
    const auto& i = *f.indicator;
    indicators.push_back(
        {{"id", i.id},
         {"dimension", i.dimension},
         {"main_scene", i.main_scene},
         {"sub_scene", i.sub_scene},
         {"text", i.text},
         {"text_en", i.text_en},
         {"status", to_string(f.status)},
         {"basis",
          {{"kind", to_string(f.basis)},
           {"text", basis_text(r, f)},
           {"attestation", attestation_json(f.attestation)},
           {"maintenance_failures_not_counted", f.excused}}},
         {"runs", f.runs},
         {"passes", f.passes},
         {"pass_ratio", f.pass_ratio()},
         {"first_evidence", f.first_time.empty() ? nlohmann::json() : nlohmann::json(f.first_time)},
         {"last_evidence", f.last_time.empty() ? nlohmann::json() : nlohmann::json(f.last_time)},
         {"checks", f.checks},
         {"latest_pass", cited(f.latest_pass)},
         {"latest_failure", cited(f.latest_failure)},
         {"history", f.strip}});
  }
  nlohmann::json sites = nlohmann::json::array();
  for (const auto& [site, labels] : r.sites)
    sites.push_back({{"site", site}, {"labels", labels}});
  return {{"edition", to_string(r.edition)},
          {"title", r.title},
          {"period", {{"from", r.from}, {"to", r.to}}},
          {"sites", sites},
          {"evidence", {{"intact", r.evidence_intact}, {"verification", r.verification}}},
          {"summary",
           {{"met", r.count(IndicatorStatus::met)},
            {"failing", r.count(IndicatorStatus::failing)},
            {"unverified", r.count(IndicatorStatus::unverified)},
            {"waived", r.count(IndicatorStatus::waived)},
            {"attested", r.count(IndicatorStatus::attested)},
            {"dimensions", dimensions}}},
          {"indicators", indicators},
          {"maintenance", maintenance_json(r)},
          {"waivers", waivers_json(r)}};
}

std::string report_csv(const ComplianceReport& r) {
  std::string out =
      "id,dimension,main_scene,sub_scene,text,text_en,status,basis,runs,passes,pass_ratio,first_"
      "evidence,"
      "last_evidence,checks,latest_pass_seq,latest_pass_hash,latest_failure_seq,latest_failure_"
      "hash\n";
  for (const auto& f : r.indicators) {
    const auto& i = *f.indicator;
    char ratio[16];
    std::snprintf(ratio, sizeof ratio, "%.4f", f.pass_ratio());
    for (const std::string& field :
         {i.id, i.dimension, i.main_scene, i.sub_scene, i.text, i.text_en,
          std::string(to_string(f.status)), basis_text(r, f), std::to_string(f.runs),
          std::to_string(f.passes), std::string(ratio), f.first_time, f.last_time, checks_list(f),
          f.latest_pass ? std::to_string(f.latest_pass->seq) : "",
          f.latest_pass ? f.latest_pass->hash : "",
          f.latest_failure ? std::to_string(f.latest_failure->seq) : "",
          f.latest_failure ? f.latest_failure->hash : ""}) {
      out += csv_field(field) + ",";
    }
    out.back() = '\n';
  }
  return out;
}

std::string report_markdown(const ComplianceReport& r) {
  std::ostringstream out;
  out << "# " << r.title << " — 监测报告 Compliance report\n\n";
  out << "Period: " << r.from << " to " << r.to << "  \n";
  if (!r.sites.empty()) out << "Site: " << r.sites_text() << "  \n";
  out << "Evidence: " << r.verification << "\n\n";
  for (const auto& w : r.waivers) {
    out << "豁免 Waived: " << w.indicator << " until " << w.until << " — " << w.reason << " ("
        << w.owner << ", evidence seq " << w.seq << ")  \n";
  }
  if (!r.waivers.empty()) out << "\n";
  if (!r.maintenance.empty()) {
    out << "Maintenance windows (failures inside them are not counted):\n\n";
    for (const auto& m : r.maintenance) {
      out << "- " << m.name << " (" << m.from << " to " << m.to << "): " << m.reason << "; "
          << m.runs << " run(s), " << m.excused << " failure(s) not counted\n";
    }
    out << "\n";
  }
  out << "| 评定维度 Dimension | 达标 met | 人工确认 attested | 未达标 failing | 未验证 unverified "
         "| 豁免 waived |\n|---|---|---|---|---|---|\n";
  std::string last;
  for (const auto& f : r.indicators) {
    if (f.indicator->dimension == last) continue;
    last = f.indicator->dimension;
    out << "| " << last << " " << f.indicator->dimension_en << " | "
        << r.count(IndicatorStatus::met, last) << " | " << r.count(IndicatorStatus::attested, last)
        << " | " << r.count(IndicatorStatus::failing, last) << " | "
        << r.count(IndicatorStatus::unverified, last) << " | "
        << r.count(IndicatorStatus::waived, last) << " |\n";
  }
  out << "| **合计 Total** | " << r.count(IndicatorStatus::met) << " | "
      << r.count(IndicatorStatus::attested) << " | " << r.count(IndicatorStatus::failing) << " | "
      << r.count(IndicatorStatus::unverified) << " | " << r.count(IndicatorStatus::waived)
      << " |\n\n";
  std::string sub;
  for (const auto& f : r.indicators) {
    const auto& i = *f.indicator;
    const std::string here = i.dimension + " › " + i.main_scene + " › " + i.sub_scene;
    if (here != sub) {
      sub = here;
      out << "\n## " << here << "\n\n"
          << i.description << " — " << i.description_en << "\n\n"
          << "| ID | 关键指标 Key indicator | 状态 Status | 依据 Basis | Pass | Runs | Evidence | "
             "Checks |\n"
             "|---|---|---|---|---|---|---|---|\n";
    }
    std::string evidence;
    if (f.latest_failure)
      evidence += "last fail seq " + std::to_string(f.latest_failure->seq) + " `" +
                  f.latest_failure->hash.substr(0, 12) + "` ";
    if (f.latest_pass)
      evidence += "last pass seq " + std::to_string(f.latest_pass->seq) + " `" +
                  f.latest_pass->hash.substr(0, 12) + "`";
    out << "| " << i.id << " | " << md_cell(i.text) << "<br>" << md_cell(i.text_en) << " | "
        << status_zh(f.status) << " " << to_string(f.status) << " | " << md_cell(basis_text(r, f))
        << " | " << (f.runs ? percent(f.pass_ratio()) : "—") << " | " << f.runs << " | " << evidence
        << " | " << md_cell(checks_list(f)) << " |\n";
  }
  return out.str();
}

std::string report_html(const ComplianceReport& r) {
  std::ostringstream h;
  h << R"(<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)"
    << html_escape(r.title) << R"( — 监测报告</title><style>
body{font-family:system-ui,"Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .3rem;border-bottom:2px solid #ccc}h3{font-size:1rem;margin:1rem 0 .2rem}
.meta{color:#555;font-size:.9rem}.bad{color:#b00020;font-weight:bold}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.3rem 0}th,td{border-bottom:1px solid #ddd;padding:.3rem .35rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.en{color:#666;font-size:.85em}.id{font-family:monospace;white-space:nowrap}
.met{color:#176f2c;font-weight:bold}.failing{color:#b00020;font-weight:bold}.unverified{color:#777}
.attested{color:#1a5fb4;font-weight:bold}.waived{color:#8a5a00}tr.basis td{font-size:.8rem;color:#444;border-bottom:1px solid #ddd;padding-top:0}
tr.indicator td{border-bottom:none}
table.ind{table-layout:fixed}.ind th:nth-child(1){width:5.6rem}.ind th:nth-child(3){width:5.5rem}
.ind th:nth-child(4){width:4.5rem}.ind th:nth-child(5){width:9rem}.ind th:nth-child(6){width:7rem}
td{overflow-wrap:anywhere}.strip{display:flex;gap:1px;margin-top:.2rem}.strip span{width:6px;height:12px;background:#ddd;display:inline-block}
.strip .P{background:#2e9d49}.strip .F{background:#d0342c}code{font-size:.8rem}
@media print{body{max-width:none;font-size:10pt}@page{size:A4;margin:15mm}h2{break-after:avoid}tr{break-inside:avoid}}
@media (max-width:40rem){td:nth-child(5),th:nth-child(5),td:nth-child(6),th:nth-child(6){display:none}}
</style></head><body>
)";
  h << "<h1>" << html_escape(r.title) << "</h1>\n<p class=meta>监测报告 Compliance report · "
    << to_string(r.edition) << " edition · " << html_escape(r.from) << " — " << html_escape(r.to)
    << "</p>\n";
  if (!r.sites.empty())
    h << "<p class=meta id=sites>站点 Site: " << html_escape(r.sites_text()) << "</p>\n";
  h << "<p class=\"" << (r.evidence_intact ? "meta" : "bad")
    << "\">证据链 Evidence: " << html_escape(r.verification) << "</p>\n";
  if (!r.waivers.empty()) {
    h << "<p class=meta>豁免 Waivers (never counted as met):</p>\n<ul id=waivers>\n";
    for (const auto& w : r.waivers) {
      h << "<li>" << html_escape(w.indicator) << " · until " << html_escape(w.until) << " · "
        << html_escape(w.reason) << " · " << html_escape(w.owner) << " · seq " << w.seq
        << "</li>\n";
    }
    h << "</ul>\n";
  }
  if (!r.maintenance.empty()) {
    h << "<p class=meta>维护时段 Maintenance windows (failures inside them are not counted):</p>"
         "\n<ul id=maintenance>\n";
    for (const auto& m : r.maintenance) {
      h << "<li>" << html_escape(m.name) << " · " << html_escape(m.from) << " — "
        << html_escape(m.to) << " · " << html_escape(m.reason) << " · " << m.runs << " run(s), "
        << m.excused << " failure(s) not counted</li>\n";
    }
    h << "</ul>\n";
  }
  h << "<table id=summary><tr><th>评定维度 Dimension</th><th>达标 met</th><th>人工确认 "
       "attested</th><th>未达标 failing</th><th>未验证 unverified</th><th>豁免 waived</th></tr>\n";
  std::string last;
  for (const auto& f : r.indicators) {
    if (f.indicator->dimension == last) continue;
    last = f.indicator->dimension;
    h << "<tr><td>" << html_escape(last) << " <span class=en>"
      << html_escape(f.indicator->dimension_en) << "</span></td><td class=met>"
      << r.count(IndicatorStatus::met, last) << "</td><td class=attested>"
      << r.count(IndicatorStatus::attested, last) << "</td><td class=failing>"
      << r.count(IndicatorStatus::failing, last) << "</td><td class=unverified>"
      << r.count(IndicatorStatus::unverified, last) << "</td><td class=waived>"
      << r.count(IndicatorStatus::waived, last) << "</td></tr>\n";
  }
  h << "<tr><th>合计 Total</th><th>" << r.count(IndicatorStatus::met) << "</th><th>"
    << r.count(IndicatorStatus::attested) << "</th><th>" << r.count(IndicatorStatus::failing)
    << "</th><th>" << r.count(IndicatorStatus::unverified) << "</th><th>"
    << r.count(IndicatorStatus::waived) << "</th></tr></table>\n";
  std::string dimension, scene, sub;
  bool open_table = false;
  for (const auto& f : r.indicators) {
    const auto& i = *f.indicator;
    if (i.dimension != dimension) {
      if (open_table) h << "</table>\n";
      open_table = false;
      dimension = i.dimension;
      scene.clear();
      h << "<h2>" << html_escape(i.dimension) << " <span class=en>" << html_escape(i.dimension_en)
        << "</span></h2>\n";
    }
    if (i.main_scene + i.sub_scene != scene + sub || scene.empty()) {
      if (open_table) h << "</table>\n";
      scene = i.main_scene;
      sub = i.sub_scene;
      h << "<h3>" << html_escape(i.main_scene) << " › " << html_escape(i.sub_scene)
        << " <span class=en>" << html_escape(i.sub_scene_en) << "</span></h3>\n<p class=meta>"
        << html_escape(i.description)
        << "</p>\n<table class=ind><tr><th>ID</th><th>关键指标 Key indicator</th><th>状态 "
           "Status</th><th>Pass</th>"
           "<th>Evidence</th><th>Checks</th></tr>\n";
      open_table = true;
    }
    h << "<tr class=indicator data-id=\"" << html_escape(i.id) << "\" data-status=\""
      << to_string(f.status) << "\"><td class=id>" << html_escape(i.id) << "</td><td>"
      << html_escape(i.text) << "<br><span class=en>" << html_escape(i.text_en)
      << "</span><div class=strip title=\"history over the period\">";
    for (char c : f.strip)
      h << "<span class=" << (c == 'P' ? "P" : c == 'F' ? "F" : "N") << "></span>";
    h << "</div></td><td class=" << to_string(f.status) << ">" << status_zh(f.status) << "<br>"
      << to_string(f.status) << "</td><td>" << (f.runs ? percent(f.pass_ratio()) : "—")
      << "<br><span class=en>" << f.runs << " runs</span></td><td>";
    if (f.latest_failure) {
      h << "fail #" << f.latest_failure->seq << " <code>" << f.latest_failure->hash.substr(0, 12)
        << "</code><br>";
    }
    if (f.latest_pass) {
      h << "pass #" << f.latest_pass->seq << " <code>" << f.latest_pass->hash.substr(0, 12)
        << "</code>";
    }
    if (!f.first_time.empty()) {
      h << "<br><span class=en>" << html_escape(f.first_time.substr(0, 16)) << " – "
        << html_escape(f.last_time.substr(0, 16)) << "</span>";
    }
    h << "</td><td>" << html_escape(checks_list(f))
      << "</td></tr>\n<tr class=basis><td></td><td "
         "colspan=5><span class=en>依据 Basis:</span> "
      << html_escape(basis_text(r, f)) << "</td></tr>\n";
  }
  if (open_table) h << "</table>\n";
  h << "<p class=meta>Generated by campus-probe. Each record can be looked up by its seq and hash "
       "in "
       "the evidence log; docs/evidence-format.md explains how to verify it independently.</p>\n"
       "</body></html>\n";
  return h.str();
}

}  // namespace campus
