// Session descriptions as cameras send them.

#include "rtsp/sdp.h"

#include <doctest/doctest.h>

using namespace campus;

TEST_CASE("media and codecs of an IP camera's SDP, including static payload types") {
  const auto media = parse_sdp_media(
      "v=0\r\no=- 1 1 IN IP4 10.20.1.15\r\ns=Media Presentation\r\nt=0 0\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\na=control:trackID=1\r\n"
      "m=audio 0 RTP/AVP 8\r\na=control:trackID=2\r\n"
      "m=application 0 RTP/AVP 107\r\na=rtpmap:107 vnd.onvif.metadata/90000\r\n");
  REQUIRE(media.size() == 3);
  CHECK(media[0].type == "video");
  CHECK(media[0].codecs == std::vector<std::string>{"H265"});
  CHECK(media[1].codecs == std::vector<std::string>{"PCMA"});
  CHECK(media[2].codecs == std::vector<std::string>{"vnd.onvif.metadata"});
  CHECK(parse_sdp_media("<html>not an sdp</html>").empty());
}
