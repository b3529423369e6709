// Templates, transforms, HTML forms and URLs: the pieces multi-step web logins are made of.

#include <memory>

#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

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

std::string expand_error(const std::string& text, const Variables& vars) {
  std::string error;
  auto t = Template::parse(text, error);
  REQUIRE_MESSAGE(t, error);
  CHECK_FALSE(t->expand(vars, error));
  return error;
}

// 2026-02-28T16:30:05.123Z, a Saturday; at +08:00 already 2026-03-01 00:30:05, a Sunday.
Variables at_fixed_time() {
  using namespace std::chrono;
  Variables vars;
  vars.set_now(system_clock::time_point(sys_days(year(2026) / February / 28) + hours(16) +
                                        minutes(30) + seconds(5) + milliseconds(123)));
  return vars;
}

// A throwaway RSA key pair, to decrypt what the templates encrypt.
struct TestKey {
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
    void operator()(BIO* b) const { BIO_free(b); }
    void operator()(BIGNUM* n) const { BN_free(n); }
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  };
  std::unique_ptr<EVP_PKEY, Free> key{EVP_RSA_gen(1024)};

  std::string number(const char* name) const {
    BIGNUM* raw = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key.get(), name, &raw) == 1);
    std::unique_ptr<BIGNUM, Free> n(raw);
    std::string out(std::size_t(BN_num_bytes(n.get())), '\0');
    BN_bn2bin(n.get(), reinterpret_cast<unsigned char*>(out.data()));
    return out;
  }
  std::string modulus() const { return number(OSSL_PKEY_PARAM_RSA_N); }
  std::string exponent() const { return number(OSSL_PKEY_PARAM_RSA_E); }
  std::string pem() const {
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    REQUIRE(PEM_write_bio_PUBKEY(bio.get(), key.get()) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, std::size_t(size));
  }
  // PKCS#1 RSAPublicKey, as "-----BEGIN RSA PUBLIC KEY-----" holds it.
  std::string pkcs1_pem() const {
    unsigned char* der = nullptr;
    const int size = i2d_PublicKey(key.get(), &der);
    REQUIRE(size > 0);
    const std::string b64 =
        base64_encode(std::string(reinterpret_cast<char*>(der), std::size_t(size)));
    OPENSSL_free(der);
    return "-----BEGIN RSA PUBLIC KEY-----\n" + b64 + "\n-----END RSA PUBLIC KEY-----\n";
  }
  std::string decrypt(const std::string& ciphertext) const {
    std::unique_ptr<EVP_PKEY_CTX, Free> ctx(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    REQUIRE(EVP_PKEY_decrypt_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
    std::size_t size = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
    REQUIRE(EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in, ciphertext.size()) == 1);
    std::string out(size, '\0');
    REQUIRE(EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, in,
                             ciphertext.size()) == 1);
    out.resize(size);
    return out;
  }
};

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

TEST_CASE("time functions format the run's instant at a fixed UTC offset") {
  const Variables vars = at_fixed_time();
  CHECK(expand("${now('%Y-%m-%d %H:%M:%S')}", vars) == "2026-03-01 00:30:05");
  CHECK(expand("${now('%Y-%m-%dT%H:%M:%S%:z', 'Z')}", vars) == "2026-02-28T16:30:05+00:00");
  CHECK(expand("${now('%F %T.%L %z', '-0530')}", vars) == "2026-02-28 11:00:05.123 -0530");
  CHECK(expand("${now('%a, %d %b %Y %H:%M:%S GMT', 'UTC')}", vars) ==
        "Sat, 28 Feb 2026 16:30:05 GMT");
  CHECK(expand("${now('%A %B %e %I:%M %p, day %j, %D %R 100%%')}", vars) ==
        "Sunday March  1 12:30 AM, day 060, 03/01/26 00:30 100%");
  CHECK(expand("${now('%s')}", vars) == "1772296205");
  CHECK(expand("${now('%y%m%d', '+08')}", vars) == "260301");
  // today(): midnight of the date DAYS away, at the offset.
  CHECK(expand("${today(0, '%F')}", vars) == "2026-03-01");
  CHECK(expand("${today(-1, '%F')}", vars) == "2026-02-28");
  CHECK(expand("${today(+1, '%F %T %:z')}", vars) == "2026-03-02 00:00:00 +08:00");
  CHECK(expand("${today('-1', '%s')}", vars) == "1772208000");
  CHECK(expand("${today(0, '%F', 'Z')}", vars) == "2026-02-28");
  CHECK(expand("${today(-365, '%F')}", vars) == "2025-03-01");
  CHECK(expand("${epoch_seconds()}", vars) == "1772296205");
  CHECK(expand("${epoch_millis( )}", vars) == "1772296205123");
  // Without a fixed instant, one expansion reads the clock once.
  const std::string twice = expand("${epoch_millis()} ${epoch_millis()}", Variables());
  CHECK(twice.substr(0, twice.find(' ')) == twice.substr(twice.find(' ') + 1));
  Variables offsets = at_fixed_time();
  offsets.set("zone", "+09:00", false);
  offsets.set("bad_zone", "Mars/Olympus", false);
  CHECK(expand("${now('%H:%M', zone)}", offsets) == "01:30");
  CHECK(expand_error("${now('%H:%M', bad_zone)}", offsets) ==
        "now(): expected a UTC offset like +08:00, +0800, Z or UTC, got 'Mars/Olympus'");
}

TEST_CASE("time functions reject a bad format, offset or day count when the config loads") {
  CHECK(parse_error("${now('%F', '+25:00')}") ==
        "now(): expected a UTC offset like +08:00, +0800, Z or UTC, got '+25:00'");
  CHECK(parse_error("${now('%Y-%Q')}").find("now(): unknown conversion %Q in the time format") ==
        0);
  CHECK(parse_error("${now('%F %')}") == "now(): the time format \"%F %\" ends in a lone %");
  CHECK(parse_error("${today('yesterday', '%F')}") ==
        "today(): expected a number of days like 0, -1 or +7 (at most 36600), got 'yesterday'");
  CHECK(parse_error("${today(1, '%F', 'CST')}") ==
        "today(): expected a UTC offset like +08:00, +0800, Z or UTC, got 'CST'");
  CHECK(parse_error("${now()}") == "now() takes 1 to 3 argument(s), got 0");
  CHECK(parse_error("${epoch_seconds(1)}") == "epoch_seconds() takes 0 argument(s), got 1");
  CHECK(parse_error("${today(+x, '%F')}") == "unexpected '+' in ${today(+x, '%F')}");
  // Arguments that are variables are checked when the template expands.
  Variables vars = at_fixed_time();
  vars.set("format", "%q", false);
  CHECK(expand_error("${now(format)}", vars).find("now(): unknown conversion %q") == 0);
}

TEST_CASE("HMACs in base64, hex and base64 decoding") {
  Variables vars;
  vars.set("secret.api.secret", "Jefe", true);
  // RFC 2202 and RFC 4231 test case 2, in base64.
  CHECK(expand("${hmac_md5_base64('Jefe', 'what do ya want for nothing?')}", vars) ==
        "dQx4PmqwtQPqqG4xCl23OA==");
  CHECK(expand("${hmac_sha1_base64('Jefe', 'what do ya want for nothing?')}", vars) ==
        "7/zfauXrL6LSdBbV8YTfnCWafHk=");
  CHECK(expand("${hmac_sha256_base64(secret.api.secret, 'what do ya want for nothing?')}", vars) ==
        "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
  std::string error;
  auto t = Template::parse("${hmac_sha256_base64(secret.api.secret, 'x')}", error);
  REQUIRE(t);
  CHECK(t->expand(vars, error)->sensitive);
  // A Content-MD5 header: the digest's bytes in base64.
  CHECK(expand("${base64(hex_decode(md5('abc')))}", vars) == "kAFQmDzST7DWlj99KOF/cg==");
  CHECK(expand("${hex('ab')}", vars) == "6162");
  CHECK(expand("${hex_decode('6A6b')}", vars) == "jk");
  CHECK(expand("${base64_decode('Y2FtcHVz')}", vars) == "campus");
  CHECK(expand_error("${hex_decode('abc')}", vars) ==
        "hex_decode(): not an even number of hex digits");
  CHECK(expand_error("${base64_decode('a*b')}", vars) == "base64_decode(): not base64");
  CHECK(parse_error("${hmac_sha1_base64('k')}") == "hmac_sha1_base64() takes 2 argument(s), got 1");
}

TEST_CASE("RSA PKCS#1 v1.5 encryption decrypts with the private key") {
  const TestKey key;
  Variables vars;
  vars.set("secret.jw.password", "pw-正方-123", true);
  // 正方 教务: modulus and exponent in base64, as getPublicKey gives them; Java's BigInteger
  // writes a leading zero byte.
  vars.set("key.modulus", base64_encode(std::string(1, '\0') + key.modulus()), false);
  vars.set("key.exponent", base64_encode(key.exponent()), false);
  const std::string b64 =
      expand("${rsa_pkcs1_base64(secret.jw.password, key.modulus, key.exponent)}", vars);
  CHECK(b64.size() == 172);  // 128 bytes
  CHECK(key.decrypt(*base64_decode(b64)) == "pw-正方-123");
  CHECK(expand("${rsa_pkcs1_base64(secret.jw.password, key.modulus, key.exponent)}", vars) != b64);
  // Hex, as JavaScript RSA libraries take them; 65537 written "10001".
  vars.set("modulus_hex", hex_encode(key.modulus()), false);
  const std::string hex = expand("${rsa_pkcs1_hex('secret', modulus_hex, '10001')}", vars);
  CHECK(hex.size() == 256);
  CHECK(key.decrypt(*hex_decode(hex)) == "secret");
  // PEM: as written, on one line, with JavaScript's \n escapes, bare base64, and PKCS#1.
  std::string pem = key.pem();
  std::string one_line = pem;
  std::string escaped = pem;
  for (auto& c : one_line)
    if (c == '\n') c = ' ';
  for (std::size_t i = 0; (i = escaped.find('\n', i)) != std::string::npos; i += 2)
    escaped.replace(i, 1, "\\n");
  const auto body_start = pem.find('\n') + 1;
  const std::string bare = pem.substr(body_start, pem.find("-----END") - body_start);
  for (const std::string& form : {pem, one_line, escaped, bare, key.pkcs1_pem()}) {
    CAPTURE(form);
    vars.set("pem", form, false);
    const std::string out = expand("${rsa_pkcs1_base64_pem(secret.jw.password, pem)}", vars);
    CHECK(key.decrypt(*base64_decode(out)) == "pw-正方-123");
  }
  std::string error;
  auto t = Template::parse("${rsa_pkcs1_base64_pem(secret.jw.password, pem)}", error);
  REQUIRE(t);
  auto v = t->expand(vars, error);
  REQUIRE(v);
  CHECK(v->sensitive);
}

TEST_CASE("RSA refuses bad keys and texts too long for the key") {
  const TestKey key;
  Variables vars;
  vars.set("n", base64_encode(key.modulus()), false);
  vars.set("e", base64_encode(key.exponent()), false);
  vars.set("long", std::string(118, 'x'), false);
  vars.set("pem", "-----BEGIN PUBLIC KEY-----\nnot a key!\n-----END PUBLIC KEY-----", false);
  vars.set("cert", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", false);
  CHECK(expand_error("${rsa_pkcs1_base64(long, n, e)}", vars) ==
        "rsa_pkcs1_base64(): the text is 118 bytes; a 1024-bit key with PKCS#1 v1.5 padding takes "
        "at most 117");
  CHECK(expand_error("${rsa_pkcs1_base64_pem('x', pem)}", vars) ==
        "rsa_pkcs1_base64_pem(): the PEM's body is not base64");
  CHECK(expand_error("${rsa_pkcs1_base64_pem('x', cert)}", vars) ==
        "rsa_pkcs1_base64_pem(): expected a PUBLIC KEY or RSA PUBLIC KEY PEM, got CERTIFICATE");
  // Keys written as literals are tried when the config loads.
  CHECK(parse_error("${rsa_pkcs1_base64('x', 'a*b', 'AQAB')}") ==
        "rsa_pkcs1_base64(): the RSA modulus is not base64");
  CHECK(parse_error("${rsa_pkcs1_hex('x', 'c0ffee', '10001')}") ==
        "rsa_pkcs1_hex(): the RSA modulus must be an odd number (is it the right field?)");
  CHECK(parse_error("${rsa_pkcs1_hex('x', 'c0ffef', '10001')}") ==
        "rsa_pkcs1_hex(): the RSA modulus has 24 bits; expected at least 256 (is it the right "
        "field?)");
  CHECK(parse_error("${rsa_pkcs1_base64_pem('x', 'AAAA')}") ==
        "rsa_pkcs1_base64_pem(): the PEM does not hold a public key OpenSSL can read");
  CHECK(parse_error("${rsa_pkcs1_hex('x', 'zz', '3')}") ==
        "rsa_pkcs1_hex(): the RSA modulus is not hex");
  CHECK(parse_error("${rsa_pkcs1_base64_pem('x')}") ==
        "rsa_pkcs1_base64_pem() takes 2 argument(s), got 1");
  vars.set("even_e", hex_encode(std::string(1, '\x02')), false);
  vars.set("n_hex", hex_encode(key.modulus()), false);
  CHECK(expand_error("${rsa_pkcs1_hex('x', n_hex, even_e)}", vars) ==
        "rsa_pkcs1_hex(): the RSA exponent must be an odd number above 1 and below the modulus");
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

TEST_CASE("srun_xencode, base64_alphabet and json_string build a Srun portal's info field") {
  // Vectors from the portal simulator's independent implementation (tests/sim/netportal_sim.py).
  CHECK(hex_encode(srun_xencode("abc", "key")) == "7ff1f5a34c685b5c");
  CHECK(srun_xencode("", "key").empty());
  std::string error;
  Variables variables;
  variables.set("challenge", "8a1cbe2f4b7d39e06f5a2c1d9e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f",
                false);
  variables.set("password", "Srun-pass1", true);
  auto info = Template::parse(
      "{SRBX1}${base64_alphabet(srun_xencode(concat('{\"username\":\"srun-probe\",\"password\":\"',"
      " "
      "json_string(password), '\",\"ip\":\"127.0.0.1\",\"acid\":\"1\",\"enc_ver\":\"srun_bx1\"}'), "
      "challenge), 'LVoJPiCN2R8G90yg+hmFHuacZ1OWMnrsSTXkYpUq/3dlbfKwv6xztjI7DeBE45QA')}",
      error);
  REQUIRE_MESSAGE(info, error);
  const auto value = info->expand(variables, error);
  REQUIRE_MESSAGE(value, error);
  CHECK(
      value->text ==
      "{SRBX1}sOmFEgiY1ksL8Sv9DsJf5FGLKvZ8ROs7kHrrt6/jHTE2CcvPVKQs73kwR/IQ9HSWeegn+4I0niuphGUFaVvP+"
      "VTwUOb2mzD96yinuZSy50KIRdVFcAMOErXELUcN8WDcW6bLOmd2bnP=");
  CHECK(value->sensitive);  // computed from the password
  CHECK(json_string_body("a\"b\\c\n") == "a\\\"b\\\\c\\n");
  // Bytes that are not UTF-8 (a target's hidden field) become U+FFFD instead of an exception.
  CHECK(json_string_body("ab\xfftc") == "ab\xef\xbf\xbdtc");
  CHECK_FALSE(base64_alphabet("x", "short", error));
  CHECK(error == "the alphabet must have 64 characters, it has 5");
}

TEST_CASE("now() takes a shift from the present, checked when the config loads") {
  Variables variables;
  // 2026-11-28 10:30:00 UTC = 18:30 at +08:00.
  variables.set_now(std::chrono::system_clock::time_point(std::chrono::seconds(1795861800)));
  std::string error;
  auto hour_ago = Template::parse("${now('%Y-%m-%dT%H:%M:%S%:z', '+08:00', '-1h')}", error);
  REQUIRE_MESSAGE(hour_ago, error);
  CHECK(hour_ago->expand(variables, error)->text == "2026-11-28T17:30:00+08:00");
  auto later = Template::parse("${now('%H:%M', '+08:00', '+90m')}", error);
  REQUIRE(later);
  CHECK(later->expand(variables, error)->text == "20:00");
  CHECK_FALSE(Template::parse("${now('%H', '+08:00', 'an hour ago')}", error));
  CHECK(error.find("expected a shift like -1h, +30m or -7d") != std::string::npos);
}
