#include "common/html_forms.h"

#include <cctype>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <memory>

#include "core/strings.h"
#include "core/text_width.h"

namespace campus {
namespace {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using HtmlDoc = std::unique_ptr<xmlDoc, DocDeleter>;

HtmlDoc parse_html(std::string_view html) {
  // NONET: never fetch anything a page refers to; RECOVER: take broken markup as browsers do.
  return HtmlDoc(htmlReadMemory(html.data(), int(html.size()), nullptr, "UTF-8",
                                HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                    HTML_PARSE_NONET | HTML_PARSE_NOBLANKS));
}

std::string attribute(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (!value) return {};
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

bool is_element(xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE &&
         xmlStrcasecmp(node->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

struct FormWalker {
  std::vector<HtmlForm> forms;
  std::vector<std::pair<std::string, HtmlInput>> by_form_attribute;  // form="id" inputs

  void walk(xmlNode* node, std::optional<std::size_t> enclosing) {
    for (xmlNode* n = node; n; n = n->next) {
      std::optional<std::size_t> current = enclosing;
      if (is_element(n, "form")) {
        HtmlForm form;
        form.id = attribute(n, "id");
        form.name = attribute(n, "name");
        form.action = attribute(n, "action");
        form.method = lower(attribute(n, "method"));
        if (form.method.empty()) form.method = "get";
        forms.push_back(std::move(form));
        current = forms.size() - 1;
      } else if (is_element(n, "input") || is_element(n, "textarea") || is_element(n, "select")) {
        HtmlInput input;
        input.type = is_element(n, "input")
                         ? lower(attribute(n, "type"))
                         : lower(std::string(reinterpret_cast<const char*>(n->name)));
        if (input.type.empty()) input.type = "text";
        input.name = attribute(n, "name");
        input.id = attribute(n, "id");
        input.value = attribute(n, "value");
        const std::string owner = attribute(n, "form");
        if (!owner.empty()) {
          by_form_attribute.emplace_back(owner, std::move(input));
        } else {
          // Outside any form element: the form opened last, as a browser's form pointer does.
          const auto target =
              current ? current : (forms.empty() ? std::nullopt : std::optional(forms.size() - 1));
          if (target) forms[*target].inputs.push_back(std::move(input));
        }
      }
      if (n->children) walk(n->children, current);
    }
  }
};

void collect_text(xmlNode* node, std::string& out) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type == XML_TEXT_NODE && n->content) out += reinterpret_cast<const char*>(n->content);
    if (n->type == XML_ELEMENT_NODE && (is_element(n, "script") || is_element(n, "style")))
      continue;
    if (n->children) collect_text(n->children, out);
    out += ' ';
  }
}

std::string collapse_space(std::string_view text) {
  std::string out;
  bool space = true;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!space) out += ' ';
      space = true;
    } else {
      out += c;
      space = false;
    }
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

// How strongly an element looks like a login error: role="alert" first, then an error-ish
// class or id, then any alert or message box.
int message_score(xmlNode* n) {
  if (n->type != XML_ELEMENT_NODE || is_element(n, "input") || is_element(n, "form") ||
      is_element(n, "script") || is_element(n, "body") || is_element(n, "html")) {
    return 0;
  }
  const std::string marks = lower(attribute(n, "class") + " " + attribute(n, "id"));
  const auto has = [&](const char* word) { return marks.find(word) != std::string::npos; };
  if (lower(attribute(n, "role")) == "alert") return 3;
  if (has("error") || has("danger") || has("negative") || has("fail")) return 2;
  return has("alert") || has("msg") || has("message") ? 1 : 0;
}

// The text of an element; LemonLDAP::NG pages leave it to JavaScript to fill in a message by its
// code (<span trmsg="5">), so a code stands in for missing text.
std::string message_text(xmlNode* node) {
  std::string text;
  collect_text(node->children, text);
  text = collapse_space(text);
  if (!text.empty()) return text;
  for (xmlNode* n = node->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    const std::string code = attribute(n, "trmsg");
    if (!code.empty()) return "message " + code;
    if (auto inner = message_text(n); !inner.empty()) return inner;
  }
  return {};
}

void find_messages(xmlNode* node, std::string found[4]) {
  for (xmlNode* n = node; n; n = n->next) {
    if (const int score = message_score(n); score > 0 && found[score].empty()) {
      found[score] = message_text(n);
    }
    if (n->children) find_messages(n->children, found);
  }
}
}  // namespace

std::vector<const HtmlInput*> HtmlForm::hidden() const {
  std::vector<const HtmlInput*> out;
  for (const auto& input : inputs) {
    if (input.type == "hidden") out.push_back(&input);
  }
  return out;
}

const HtmlInput* HtmlForm::first_of_type(std::string_view type) const {
  for (const auto& input : inputs) {
    if (input.type == type) return &input;
  }
  return nullptr;
}

const HtmlInput* HtmlForm::captcha() const {
  for (const auto& input : inputs) {
    if (input.type == "hidden" || input.type == "submit" || input.type == "button") continue;
    if (lower(input.name).find("captcha") != std::string::npos ||
        lower(input.id).find("captcha") != std::string::npos) {
      return &input;
    }
  }
  return nullptr;
}

std::vector<HtmlForm> parse_html_forms(std::string_view html) {
  const HtmlDoc doc = parse_html(html);
  if (!doc) return {};
  FormWalker walker;
  walker.walk(xmlDocGetRootElement(doc.get()), std::nullopt);
  for (auto& [owner, input] : walker.by_form_attribute) {
    for (auto& form : walker.forms) {
      if (form.id == owner) {
        form.inputs.push_back(std::move(input));
        break;
      }
    }
  }
  return std::move(walker.forms);
}

std::string FormSelector::describe() const {
  if (id) return "form with id \"" + *id + "\"";
  if (name) return "form named \"" + *name + "\"";
  if (action) return "form whose action contains \"" + *action + "\"";
  if (index) return "form #" + std::to_string(*index + 1);
  return "a form";
}

const HtmlForm* select_form(const std::vector<HtmlForm>& forms, const FormSelector& selector) {
  for (std::size_t i = 0; i < forms.size(); ++i) {
    const HtmlForm& f = forms[i];
    if (selector.id && f.id != *selector.id) continue;
    if (selector.name && f.name != *selector.name) continue;
    if (selector.action && f.action.find(*selector.action) == std::string::npos) continue;
    if (selector.index && i != *selector.index) continue;
    return &f;
  }
  return nullptr;
}

std::string html_error_message(std::string_view html, std::size_t max_chars) {
  const HtmlDoc doc = parse_html(html);
  if (!doc) return {};
  std::string found[4];
  find_messages(xmlDocGetRootElement(doc.get()), found);
  for (int score = 3; score > 0; --score) {
    if (!found[score].empty()) return utf8_excerpt(found[score], max_chars);
  }
  return {};
}

}  // namespace campus
