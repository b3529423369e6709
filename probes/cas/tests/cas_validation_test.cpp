// CAS serviceValidate answers as the protocol specification writes them.

#include "cas/cas_validation.h"

#include <doctest/doctest.h>

#include "ldap/ldap_session.h"

using namespace campus;

TEST_CASE("a CAS 3 success names the user and the attributes") {
  const auto v = parse_cas_xml(R"(<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>
  <cas:authenticationSuccess>
    <cas:user>dwho</cas:user>
    <cas:attributes>
      <cas:cn>Doctor Who</cas:cn>
      <cas:memberOf>timelords</cas:memberOf>
      <cas:memberOf>staff</cas:memberOf>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>)");
  REQUIRE(v);
  CHECK(v->success);
  CHECK(v->user == "dwho");
  CHECK(v->attributes.at("cn") == std::vector<std::string>{"Doctor Who"});
  CHECK(v->attributes.at("memberOf") == std::vector<std::string>{"timelords", "staff"});
}

TEST_CASE("a CAS failure carries its code and message") {
  const auto v = parse_cas_xml(
      "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">"
      "<cas:authenticationFailure code=\"INVALID_TICKET\">\n Ticket ST-1 not recognized\n"
      "</cas:authenticationFailure></cas:serviceResponse>");
  REQUIRE(v);
  CHECK_FALSE(v->success);
  CHECK(v->failure_code == "INVALID_TICKET");
  CHECK(v->failure_message == "Ticket ST-1 not recognized");
}

TEST_CASE("JSON answers read the same") {
  const auto ok = parse_cas_json(
      R"({"serviceResponse":{"authenticationSuccess":{"user":"student1","attributes":{"mail":["s@campus.test"],"cn":"Student One"}}}})");
  REQUIRE(ok);
  CHECK(ok->user == "student1");
  CHECK(ok->attributes.at("mail") == std::vector<std::string>{"s@campus.test"});
  CHECK(ok->attributes.at("cn") == std::vector<std::string>{"Student One"});
  const auto bad = parse_cas_json(
      R"({"serviceResponse":{"authenticationFailure":{"code":"INVALID_SERVICE","description":"other service"}}})");
  REQUIRE(bad);
  CHECK(bad->failure_code == "INVALID_SERVICE");
}

TEST_CASE("anything else is not a CAS answer") {
  CHECK_FALSE(parse_cas_xml("<!DOCTYPE html><html><body>login</body></html>"));
  CHECK_FALSE(parse_cas_xml("not xml at all"));
  CHECK_FALSE(parse_cas_json("{\"ok\":true}"));
  // An external entity is neither fetched nor expanded.
  const auto v =
      parse_cas_xml(R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>&x;</cas:user></cas:authenticationSuccess></cas:serviceResponse>)");
  REQUIRE(v);
  CHECK(v->user.find("root") == std::string::npos);
}

TEST_CASE("LDAP values are escaped for filters and DNs") {
  CHECK(ldap_filter_escape("a*b(c)\\d") == "a\\2ab\\28c\\29\\5cd");
  CHECK(ldap_dn_escape("Wang, Li+") == "Wang\\, Li\\+");
  CHECK(ldap_dn_escape(" #x ") == "\\ #x\\ ");
}
