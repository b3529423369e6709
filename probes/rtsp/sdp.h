#pragma once
// The media a session description (SDP, RFC 8866) offers: each m= line's media type and the
// encodings its a=rtpmap lines (or static payload types) name.

#include <string>
#include <string_view>
#include <vector>

namespace campus {

struct SdpMedia {
  std::string type;                 ///< video, audio, application, ...
  std::vector<std::string> codecs;  ///< H264, H265, PCMA, ...
};

std::vector<SdpMedia> parse_sdp_media(std::string_view sdp);

}  // namespace campus
