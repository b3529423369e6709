// Templates, transforms, HTML forms and URLs: the pieces multi-step web logins are made of.

#include <doctest/doctest.h>

#include "common/html_forms.h"
#include "common/login_form.h"
#include "common/template.h"
#include "common/transforms.h"
#include "common/url.h"

using namespace campus;

namespace {

std::string expand(const std::string& text, const Variables& vars) {
  std::string error;
  auto t = Template::parse(text, error);
  REQUIRE_MESSAGE(t, error);
  auto v = t->expand(vars, error);
  REQUIRE_MESSAGE(v, error);
  return v->text;
}

std::string parse_error(const std::string& text) {
  std::string error;
  CHECK_FALSE(Template::parse(text, error));
  return error;
}

}  // namespace

TEST_CASE("templates expand variables, literals and transforms") {
  Variables vars;
  vars.set("service", "https://portal.example.edu.cn/a b", false);
  vars.set("secret.sso.password", "pw", true);
  CHECK(expand("/login?service=${urlencode(service)}", vars) ==
        "/login?service=https%3A%2F%2Fportal.example.edu.cn%2Fa%20b");
  CHECK(expand("${base64('campus')}", vars) == "Y2FtcHVz");
  CHECK(expand("${md5('abc')}", vars) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(expand("${sha1('abc')}", vars) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(expand("${sha256('abc')}", vars) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  CHECK(expand("${hmac_sha256('Jefe', 'what do ya want for nothing?')}", vars) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(expand("${upper(concat('a', \"b\", 1))}", vars) == "AB1");
  CHECK(expand("cost $$5", vars) == "cost $5");
  CHECK(expand("${random(12)}", vars).size() == 12);
  CHECK(expand("${random(12)}", vars) != expand("${random(12)}", vars));
}

TEST_CASE("template sensitivity follows secrets through transforms") {
  Variables vars;
  vars.set("user", "student1", false);
  vars.set("secret.sso.password", "pw-123", true);
  std::string error;
  auto t = Template::parse("u=${user}&p=${md5(secret.sso.password)}", error);
  REQUIRE(t);
  auto v = t->expand(vars, error);
  REQUIRE(v);
  CHECK(v->sensitive);
  REQUIRE(v->sensitive_parts.size() == 1);
  CHECK(v->sensitive_parts[0] == *digest_hex("md5", "pw-123"));
  CHECK(t->references() == std::vector<std::string>{"user", "secret.sso.password"});
}

TEST_CASE("template errors say what is wrong") {
  CHECK(parse_error("${nope(x)}").find("unknown function nope()") != std::string::npos);
  CHECK(parse_error("${md5(a, b)}") == "md5() takes 1 argument(s), got 2");
  CHECK(parse_error("${service") == "unterminated ${ in \"${service\"");
  CHECK(parse_error("${'open}") == "unterminated ${ in \"${'open}\"");
  Variables vars;
  std::string error;
  auto t = Template::parse("${missing}", error);
  REQUIRE(t);
  CHECK_FALSE(t->expand(vars, error));
  CHECK(error == "${missing} is not set");
}

TEST_CASE("AES-CBC with PKCS#7 matches OpenSSL's command line and checks key sizes") {
  std::string error;
  // printf password | openssl enc -aes-128-cbc -base64 -K 3031…6566 -iv 4141…4141
  auto out = aes_cbc_base64("password", "0123456789abcdef", "AAAAAAAAAAAAAAAA", error);
  REQUIRE(out);
  CHECK(*out == "i5lQqIEzq1pnqV91T3oUgw==");
  CHECK_FALSE(aes_cbc_base64("x", "short", "AAAAAAAAAAAAAAAA", error));
  CHECK(error == "AES key must be 16, 24 or 32 bytes, got 5");
}

TEST_CASE("base64 round trips in both alphabets") {
  CHECK(base64_decode(base64_encode("\xff\xfe campus")) == "\xff\xfe campus");
  CHECK(base64_decode("_-8") == std::string("\xff\xef", 2));
  CHECK_FALSE(base64_decode("a*b"));
}

TEST_CASE("forms are found with their hidden inputs, even when a table breaks them up") {
  const std::string page = R"(<html><body>
<form id="search" action="/search"><input name="q"></form>
<div class="auth"><table><tr><td>
<form id="pwdFromId" method="POST" action="/authserver/login?service=x">
<input id="username" name="username" type="text">
<input id="password" type="password">
<input type="hidden" id="saltPassword" name="password" value="">
<input type="hidden" id="pwdEncryptSalt" value="rjBFAaHsNkKAhpoi">
</td></tr><tr><td>
<input type="hidden" name="execution" value="e1s1">
<input type="hidden" name="_eventId" value="submit">
</form></td></tr></table></div>
<input type="hidden" name="lt" form="pwdFromId" value="LT-1">
</body></html>)";
  const auto forms = parse_html_forms(page);
  REQUIRE(forms.size() == 2);
  const HtmlForm& login = forms[1];
  CHECK(login.id == "pwdFromId");
  CHECK(login.method == "post");
  std::vector<std::string> hidden;
  for (const auto* input : login.hidden())
    hidden.push_back(input->name.empty() ? input->id : input->name);
  CHECK(hidden ==
        std::vector<std::string>{"password", "pwdEncryptSalt", "execution", "_eventId", "lt"});
  CHECK(find_login_form(forms, {}) == &login);
  FormSelector by_action;
  by_action.action = "/search";
  CHECK(select_form(forms, by_action) == &forms[0]);
  const auto fields = login_form_fields(login, {}, "student1", "ENC");
  const std::vector<std::pair<std::string, std::string>> expected = {{"password", "ENC"},
                                                                     {"execution", "e1s1"},
                                                                     {"_eventId", "submit"},
                                                                     {"lt", "LT-1"},
                                                                     {"username", "student1"}};
  CHECK(fields == expected);
}

TEST_CASE("a captcha field and a page's error message are recognised") {
  const std::string page = R"(<form><input name="user"><input type="password" name="pw">
<input id="captchaResponse" name="captchaResponse" type="text"></form>
<span id="showErrorTip" class="form-error">  您提供的用户名或者密码有误 </span>)";
  const auto forms = parse_html_forms(page);
  REQUIRE(forms.size() == 1);
  REQUIRE(forms[0].captcha());
  CHECK(forms[0].captcha()->name == "captchaResponse");
  CHECK(html_error_message(page) == "您提供的用户名或者密码有误");
}

TEST_CASE("URLs resolve, and query parameters are read and added") {
  CHECK(resolve_url("https://a.edu.cn/cas/login?service=x", "#") ==
        "https://a.edu.cn/cas/login?service=x");
  CHECK(resolve_url("https://a.edu.cn/cas/login", "/authserver/x?y=1") ==
        "https://a.edu.cn/authserver/x?y=1");
  CHECK(resolve_url("https://a.edu.cn/cas/login", "validate") == "https://a.edu.cn/cas/validate");
  CHECK(query_parameter("http://app/?ticket=ST-1-abc&x=%2F", "ticket") == "ST-1-abc");
  CHECK(query_parameter("http://app/?ticket=ST-1-abc&x=%2F", "x") == "/");
  CHECK_FALSE(query_parameter("http://app/?ticket=1", "code"));
  CHECK(with_query_parameter("https://a/cas/login", "service", "https://p/?a=1") ==
        "https://a/cas/login?service=https%3A%2F%2Fp%2F%3Fa%3D1");
}
