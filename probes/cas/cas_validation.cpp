#include "cas_validation.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <memory>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/strings.h"

namespace campus {
namespace {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

bool named(const xmlNode* node, const char* local_name) {
  return node->type == XML_ELEMENT_NODE &&
         xmlStrcmp(node->name, reinterpret_cast<const xmlChar*>(local_name)) == 0;
}

const xmlNode* child(const xmlNode* parent, const char* local_name) {
  for (const xmlNode* n = parent->children; n; n = n->next) {
    if (named(n, local_name)) return n;
  }
  return nullptr;
}

std::string text_of(const xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  if (!content) return {};
  std::string out = trim(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return out;
}

std::string attribute(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (!value) return {};
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

std::string json_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::optional<CasValidation> parse_cas_xml(std::string_view body) {
  // NONET and no entity substitution: a hostile answer cannot make the probe fetch or expand
  // anything.
  std::unique_ptr<xmlDoc, DocDeleter> doc(
      xmlReadMemory(body.data(), int(body.size()), nullptr, nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) return std::nullopt;
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !named(root, "serviceResponse")) return std::nullopt;
  CasValidation out;
  if (const xmlNode* ok = child(root, "authenticationSuccess")) {
    out.success = true;
    if (const xmlNode* user = child(ok, "user")) out.user = text_of(user);
    if (const xmlNode* attributes = child(ok, "attributes")) {
      for (const xmlNode* a = attributes->children; a; a = a->next) {
        if (a->type == XML_ELEMENT_NODE) {
          out.attributes[reinterpret_cast<const char*>(a->name)].push_back(text_of(a));
        }
      }
    }
    return out;
  }
  if (const xmlNode* failure = child(root, "authenticationFailure")) {
    out.failure_code = attribute(failure, "code");
    out.failure_message = text_of(failure);
    return out;
  }
  return std::nullopt;
}

std::optional<CasValidation> parse_cas_json(std::string_view body) {
  const auto doc = parse_json_bounded(body);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("serviceResponse")) {
    return std::nullopt;
  }
  const auto& response = doc["serviceResponse"];
  CasValidation out;
  if (response.contains("authenticationSuccess")) {
    const auto& ok = response["authenticationSuccess"];
    out.success = true;
    if (ok.contains("user")) out.user = json_text(ok["user"]);
    if (ok.contains("attributes") && ok["attributes"].is_object()) {
      for (const auto& [name, value] : ok["attributes"].items()) {
        auto& values = out.attributes[name];
        if (value.is_array()) {
          for (const auto& item : value)
            values.push_back(json_text(item));
        } else {
          values.push_back(json_text(value));
        }
      }
    }
    return out;
  }
  if (response.contains("authenticationFailure")) {
    const auto& failure = response["authenticationFailure"];
    if (failure.contains("code")) out.failure_code = json_text(failure["code"]);
    if (failure.contains("description")) out.failure_message = json_text(failure["description"]);
    return out;
  }
  return std::nullopt;
}

}  // namespace campus
