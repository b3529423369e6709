#include "sdp.h"

#include <algorithm>
#include <sstream>

namespace campus {
namespace {

// RFC 3551's static payload types that cameras use without an rtpmap line.
std::string static_payload(const std::string& pt) {
  if (pt == "0") return "PCMU";
  if (pt == "8") return "PCMA";
  if (pt == "14") return "MPA";
  if (pt == "26") return "JPEG";
  if (pt == "32") return "MPV";
  if (pt == "33") return "MP2T";
  if (pt == "34") return "H263";
  return {};
}

}  // namespace

std::vector<SdpMedia> parse_sdp_media(std::string_view sdp) {
  std::vector<SdpMedia> media;
  std::vector<std::vector<std::string>> payloads;  // per media, the formats on its m= line
  std::istringstream in{std::string(sdp)};
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("m=", 0) == 0) {
      std::istringstream words(line.substr(2));
      SdpMedia m;
      std::string port;
      std::string proto;
      words >> m.type >> port >> proto;
      std::vector<std::string> formats;
      for (std::string f; words >> f;)
        formats.push_back(f);
      media.push_back(std::move(m));
      payloads.push_back(std::move(formats));
    } else if (line.rfind("a=rtpmap:", 0) == 0 && !media.empty()) {
      const auto space = line.find(' ');
      if (space == std::string::npos) continue;
      const std::string pt = line.substr(9, space - 9);
      const std::string encoding = line.substr(space + 1, line.find('/', space) - space - 1);
      auto& formats = payloads.back();
      if (std::find(formats.begin(), formats.end(), pt) != formats.end()) {
        media.back().codecs.push_back(encoding);
        formats.erase(std::find(formats.begin(), formats.end(), pt));
      }
    }
  }
  for (std::size_t i = 0; i < media.size(); ++i) {
    for (const auto& pt : payloads[i]) {
      if (auto name = static_payload(pt); !name.empty()) media[i].codecs.push_back(name);
    }
  }
  return media;
}

}  // namespace campus
