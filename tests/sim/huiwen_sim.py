#!/usr/bin/env python3
"""A 汇文 Libsys OPAC simulator: the catalogue search page and the meta-local patron API, for the
recipes huiwen-opac-search and huiwen-loan-history, after the campus-systems notes (§3d).

  huiwen_sim.py [--port N]    prints SIM_HUIWEN_PORT=N once listening, serves until killed
  huiwen_sim.py --self-test   runs tests/sim/test_huiwen_sim.py's checks against itself

Endpoints:
  GET /opac/openlink.php?strSearchType=title&strText=<q>   (or title=<q>&doctype=ALL&
      match_flag=forward&displaypg=20&...): an HTML page of hits, each linking
      item.php?marc_no=<10 digits> (the link's form: [I]); no hit -> the page says
      「本馆没有您检索的馆藏书目」 (the notes: the marker 本馆没有 means no hits)
  GET /opac/item.php?marc_no=...   a title's detail page with its holdings
  GET /opac/search.php             the search form
  POST /meta-local/api/v1/patron/loan_histories   form id, type (0 证件号, 1 条码号),
      currentPage, pageSize; header X-Hw-ApiAuth: JSON {"appId", "noncestr", "timestamp",
      "sign"} with sign = md5("appId=<appId>&noncestr=<noncestr>&timestamp=<timestamp>&key=<appKey>")
      -> {"code": 0, "data": {"items": [{"callNo", "title", "loanDate", "returnDate", ...}],
          "total": N}} (the notes give code, data.items[].callNo and total; the other item keys,
          the error answers and the timestamp's unit [I]: seconds or milliseconds are accepted
          within 5 minutes, the sign's hex in either case)
      a bad or missing sign -> {"code": 401, "msg": "签名验证失败"}; an unknown reader ->
      {"code": 404, "msg": "读者不存在"}
App: appId campus-probe, appKey Hw-app-key-2024. Reader: 证件号 2024010101 / 条码号 R0001
(three loan histories).
Catalogue: titles containing 计算机网络, Python, 数据库 (match_flag=forward: titles starting
with the text; the default and strSearchType=title: titles containing it).

Faults (POST /__control with JSON, see simlib.py; {"reset": true} restores all):
  {"offline": "503"|"close"|false}        maintenance (503) or nothing answers
  {"catalogue": "normal"|"empty"}         every search finds nothing (an empty or unreachable
                                          catalogue database behind a working web server)
  {"loans": "normal"|"empty"}             the reader has no loan history
  {"key_rotated": true}                   the appKey changed: every sign is refused
"""
import hashlib
import html
import json
import sys
import time

import simlib

BOOKS = [
    ("0000351270", "计算机网络技术基础", "谢希仁", "TP393/112", 3),
    ("0000351271", "计算机网络（第8版）", "谢希仁", "TP393/113", 5),
    ("0000402214", "Python程序设计基础", "董付国", "TP311.561/45", 4),
    ("0000402290", "数据库原理及应用", "王珊", "TP311.13/88", 2),
]

APPS = {"campus-probe": "Hw-app-key-2024"}
READERS = {("0", "2024010101"): "R0001", ("1", "R0001"): "R0001"}
LOANS = [("TP393/112", "计算机网络技术基础", 20), ("TP311.561/45", "Python程序设计基础", 45),
         ("I247.5/1023", "平凡的世界", 120)]


def sign(app_id, noncestr, timestamp, key):
    return hashlib.md5(f"appId={app_id}&noncestr={noncestr}&timestamp={timestamp}&key={key}"
                       .encode()).hexdigest()


def page(title, body):
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><div id=\"container\">{body}</div></body></html>")


class Handler(simlib.SimHandler):
    NAME = "huiwen_sim"
    DEFAULTS = {"offline": False, "catalogue": "normal", "loans": "normal", "key_rotated": False}

    def route(self, method, path, query):
        if path == "/meta-local/api/v1/patron/loan_histories" and method == "POST":
            return self.loan_histories()
        if path == "/opac/openlink.php":
            return self.search(query)
        if path == "/opac/item.php":
            return self.item(query.get("marc_no", ""))
        if path in ("/opac/search.php", "/opac/", "/"):
            return self.reply(200, page("书目检索", '<form action="openlink.php" method="get">'
                                        '<input name="strText"/><input type="hidden" '
                                        'name="strSearchType" value="title"/></form>'),
                              "text/html; charset=utf-8")
        return self.reply(404, page("404", "not found"), "text/html; charset=utf-8")

    def search(self, query):
        text = query.get("strText", query.get("title", "")).strip()
        forward = query.get("match_flag") == "forward"
        hits = [] if self.state["catalogue"] == "empty" or not text else [
            b for b in BOOKS if (b[1].startswith(text) if forward else text in b[1])]
        if not hits:
            return self.reply(200, page("书目检索结果", '<div id="search_content"><h3>'
                                        '本馆没有您检索的馆藏书目</h3></div>'),
                              "text/html; charset=utf-8")
        items = "".join(
            f'<li class="book_list_info"><h3><span>中文图书</span>'
            f'<a href="item.php?marc_no={m}">{i + 1}.{html.escape(t)}</a> {call}</h3>'
            f'<p><span>馆藏复本：{n} <br>可借复本：{n - 1}</span>{html.escape(a)} </p></li>'
            for i, (m, t, a, call, n) in enumerate(hits))
        return self.reply(200, page("书目检索结果",
                                    f'<p id="titlenav">检索到 <strong class="red">{len(hits)}</strong> '
                                    f'条 题名={html.escape(text)} 的结果</p>'
                                    f'<ol id="search_book_list">{items}</ol>'),
                          "text/html; charset=utf-8")

    def loan_histories(self):
        try:
            auth = json.loads(self.headers.get("X-Hw-ApiAuth") or "")
            app_id, noncestr, ts, got = (str(auth[k]) for k in ("appId", "noncestr", "timestamp",
                                                                 "sign"))
            stamp = int(ts) / (1000 if int(ts) > 10**12 else 1)
        except (ValueError, KeyError, TypeError):
            return self.reply_json(200, {"code": 401, "msg": "签名验证失败"})
        key = APPS.get(app_id)
        if (self.state["key_rotated"] or not key or abs(time.time() - stamp) > 300
                or got.lower() != sign(app_id, noncestr, ts, key) or not noncestr):
            return self.reply_json(200, {"code": 401, "msg": "签名验证失败"})
        f = self.form()
        reader = READERS.get((f.get("type", "0"), f.get("id", "")))
        if not reader:
            return self.reply_json(200, {"code": 404, "msg": "读者不存在"})
        loans = [] if self.state["loans"] == "empty" else LOANS
        page_no, size = int(f.get("currentPage") or 1), int(f.get("pageSize") or 10)
        day = 86400
        items = [{"callNo": call, "title": title, "barcode": f"0{i:06d}",
                  "loanDate": simlib.local_str(simlib.now_local()
                                               - simlib.timedelta(seconds=ago * day)),
                  "returnDate": simlib.local_str(simlib.now_local()
                                                 - simlib.timedelta(seconds=(ago - 14) * day))}
                 for i, (call, title, ago) in enumerate(loans)]
        return self.reply_json(200, {"code": 0, "msg": "success", "data": {
            "items": items[(page_no - 1) * size:page_no * size], "total": len(items)}})

    def item(self, marc_no):
        book = next((b for b in BOOKS if b[0] == marc_no), None)
        if not book or self.state["catalogue"] == "empty":
            return self.reply(200, page("书目信息", "<p>没有该书目</p>"), "text/html; charset=utf-8")
        rows = "".join(f"<tr><td>{book[3]}</td><td>0{i:06d}</td><td>中文书库</td><td>可借</td></tr>"
                       for i in range(book[4]))
        return self.reply(200, page("书目信息", f"<dl><dt>题名/责任者:</dt><dd>{html.escape(book[1])}/"
                                    f"{html.escape(book[2])}</dd></dl><table id=\"item\">{rows}</table>"),
                          "text/html; charset=utf-8")


def main():
    server, args = simlib.serve(Handler, "SIM_HUIWEN_PORT", __doc__.split("\n")[0])
    if args.self_test:
        import test_huiwen_sim
        test_huiwen_sim.run(f"http://127.0.0.1:{server.server_address[1]}")


if __name__ == "__main__":
    sys.exit(main())
