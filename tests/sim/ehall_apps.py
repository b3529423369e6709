"""The EMAP apps of a simulated Wisedu 一站式服务大厅 (ehall), for the demo campus: each app answers
its *.do endpoint as EMAP does ({"code": "0", "datas": {<name>: {"totalSize", "rows": [...]}}},
campus-systems notes §1f), with the logged-in user's records and dates relative to today, so that
a check can ask for "this term's", "this month's" or "still open" rows.

tests/servers/cas-app.py (the CAS client app behind LemonLDAP::NG) imports this module when it
finds it and serves these endpoints behind the same SSO as its timetable: a request without the
app's session goes to the CAS login, and the app sees only the user CAS validated.

  ENDPOINTS   path -> (app name, function(user, form) -> the EMAP answer)
  /getLoginUserAndGuest  the portal's "who is logged in" (data.userAccount, userName, deptName)

The app ids the demo opens (appShow?appId=) are listed in APP_IDS; any id opens an app here.
Teacher-side apps answer for any user: the demo's teacher account is rtyler, the student msmith.
"""
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))


def _now():
    return datetime.now(CST)


def _day(offset_days=0):
    return (_now() + timedelta(days=offset_days)).strftime("%Y-%m-%d")


def _time(offset_minutes=0):
    return (_now() + timedelta(minutes=offset_minutes)).strftime("%Y-%m-%d %H:%M:%S")


def _emap(name, rows):
    return {"code": "0", "datas": {name: {"totalSize": len(rows), "pageSize": 10, "pageNumber": 1,
                                          "rows": rows}}}


def _term():
    """The current term as EMAP writes it: 2026-2027-1 from September to February."""
    n = _now()
    start = n.year if n.month >= 8 else n.year - 1
    return f"{start}-{start + 1}-{1 if n.month >= 8 or n.month <= 1 else 2}"


NAMES = {"msmith": "测试学生", "rtyler": "测试教师", "dwho": "测试督导"}

ENDPOINTS = {
    # 学生发展
    "/jwapp/sys/pyfa/modules/pyfacx/cxwdpyfa.do": ("培养方案", lambda u, f: _emap("cxwdpyfa", [
        {"PYFAMC": "2026级计算机网络技术专业人才培养方案", "ZYMC": "计算机网络技术", "ZDXF": 142.0,
         "BXXF": 98.0, "XXXF": 36.0, "SJXF": 8.0, "NJ": "2026", "FBRQ": _day(-60)}])),
    "/jwapp/sys/xywccx/modules/xywccx/cxxywcqk.do": ("学业完成情况", lambda u, f: _emap("cxxywcqk", [
        {"KCLBMC": "公共基础课", "YQXF": 40.0, "YHXF": 22.0, "WCBL": 0.55, "TJSJ": _time(-90)},
        {"KCLBMC": "专业核心课", "YQXF": 58.0, "YHXF": 18.0, "WCBL": 0.31, "TJSJ": _time(-90)},
        {"KCLBMC": "实践教学", "YQXF": 8.0, "YHXF": 2.0, "WCBL": 0.25, "TJSJ": _time(-90)}])),
    "/jyapp/sys/jyxx/modules/zpxx/cxwdzpxx.do": ("就业信息", lambda u, f: _emap("cxwdzpxx", [
        {"ZPBT": "网络运维工程师（实习转正）", "DWMC": "某某数字科技有限公司", "PPZY": "计算机网络技术",
         "FBSJ": _time(-600), "JZRQ": _day(20)},
        {"ZPBT": "2027届校园双选会", "DWMC": "学校就业指导中心", "PPZY": "全部专业",
         "FBSJ": _time(-2000), "JZRQ": _day(30)}])),
    "/xsfw/sys/xshx/modules/xshx/cxxshx.do": ("学生画像", lambda u, f: _emap("cxxshx", [
        {"XH": u, "XM": NAMES.get(u, u), "XYDF": 86.5, "HDCYCS": 7, "JYCS": 3, "YKTXFJE": 1234.5,
         "GXSJ": _time(-300)}])),
    # 教师发展
    "/rsapp/sys/djhd/modules/wddjhd/cxwddjhd.do": ("党建活动", lambda u, f: _emap("cxwddjhd", [
        {"HDMC": "主题党日：学习二十届三中全会精神", "HDRQ": _day(-6), "CYZT": "已参加"},
        {"HDMC": "支部组织生活会", "HDRQ": _day(8), "CYZT": "已报名"}])),
    "/rsapp/sys/jypx/modules/wdpx/cxwdpx.do": ("教研培训", lambda u, f: _emap("cxwdpx", [
        {"PXMC": "职业院校教师数字素养提升培训", "XS": 16, "PXRQ": _day(-12), "ZT": "已结业"}])),
    "/kyapp/sys/kyxm/modules/wdxm/cxwdxm.do": ("科研项目", lambda u, f: _emap("cxwdxm", [
        {"XMMC": "高职网络专业岗课赛证融通教学改革研究", "XMLB": "教研", "XMZT": "在研",
         "LXRQ": _day(-200), "JTRQ": _day(300)}])),
    "/rsapp/sys/dwjl/modules/wdjl/cxwdjl.do": ("对外交流", lambda u, f: _emap("cxwdjl", [
        {"JLMC": "赴德国双元制职业教育研修", "JLRQ": _day(-40), "ZT": "已完成"}])),
    "/rsapp/sys/qyjz/modules/jzxx/cxwdjz.do": ("企业兼职", lambda u, f: _emap("cxwdjz", [
        {"JZDW": "某某网络工程有限公司", "JZGW": "技术顾问", "KSRQ": _day(-100), "KBJ": "1",
         "GXSJ": _time(-4000)}])),
    "/xqhz/sys/hzxm/modules/wdxm/cxwdhzxm.do": ("校企合作项目", lambda u, f: _emap("cxwdhzxm", [
        {"XMMC": "5G专网运维订单班", "HZQY": "某某通信公司", "JS": "项目负责人", "XMZT": "执行中"}])),
    "/rsapp/sys/qysj/modules/wdsj/cxwdqysj.do": ("企业实践", lambda u, f: _emap("cxwdqysj", [
        {"SJDW": "某某数据中心", "SJNR": "机房运维实践", "KSRQ": _day(-30), "JSRQ": _day(-2), "TS": 20}])),
    "/rsapp/sys/jshx/modules/jshx/cxjshx.do": ("教师画像", lambda u, f: _emap("cxjshx", [
        {"GH": u, "XM": NAMES.get(u, u), "JXGZL": 312, "KYXMS": 2, "PXXS": 48, "GXSJ": _time(-300)}])),
    # 学生学习
    "/xsfw/sys/szjy/modules/wdhd/cxwdszhd.do": ("思政活动", lambda u, f: _emap("cxwdszhd", [
        {"HDMC": "开学第一课：大国工匠进校园", "HDRQ": _day(-9), "XS": 2, "ZT": "已参加"},
        {"HDMC": "青年大学习", "HDRQ": _day(3), "XS": 1, "ZT": "待参加"}])),
    "/zhjs/sys/ktxx/modules/wdkt/cxwdkt.do": ("智慧教室课堂", lambda u, f: _emap("cxwdkt", [
        {"KCM": "计算机网络", "JSMC": "B201 智慧教室", "SKRQ": _day(0), "HDCS": 4, "QDZT": "已签到"}])),
    "/fzsx/sys/sxxm/modules/wdsy/cxwdsy.do": ("仿真实训", lambda u, f: _emap("cxwdsy", [
        {"SYMC": "企业网络规划与部署虚拟仿真实训", "KCM": "网络工程实训", "WCZT": "进行中",
         "ZJDL": _time(-200)}])),
    "/sxapp/sys/gwsx/modules/wdsx/cxwdsxxx.do": ("岗位实习", lambda u, f: _emap("cxwdsxxx", [
        {"SXDW": "某某数字科技有限公司", "SXGW": "网络运维助理", "KSRQ": _day(-20), "JSRQ": _day(160),
         "ZDJS": "测试教师"}])),
    "/sxapp/sys/gwsx/modules/sxjl/cxsxjl.do": ("实习交流", lambda u, f: _emap("cxsxjl", [
        {"BT": "第三周实习心得：交换机批量配置", "FBR": "测试学生", "FBSJ": _time(-1500), "HFS": 5}])),
    "/sxapp/sys/gwsx/modules/sxzj/cxwdsxzj.do": ("实习总结", lambda u, f: _emap("cxwdsxzj", [
        {"ZJLX": "周记", "TJJZRQ": _day(4), "ZT": "可填写", "KTX": "1"},
        {"ZJLX": "实习总结报告", "TJJZRQ": _day(160), "ZT": "可填写", "KTX": "1"}])),
    "/xsfw/sys/ssgl/modules/ssxx/cxssxx.do": ("赛事活动", lambda u, f: _emap("cxssxx", [
        {"SSMC": "校级职业技能大赛·网络系统管理赛项", "BMJZRQ": _day(10), "ZT": "报名中"},
        {"SSMC": "创新创业大赛校赛", "BMJZRQ": _day(25), "ZT": "报名中"}])),
    "/xsfw/sys/zsgl/modules/wdzs/cxwdzs.do": ("技能证书", lambda u, f: _emap("cxwdzs", [
        {"ZSMC": "网络系统建设与运维（中级）职业技能等级证书", "ZSBH": "1+X-2026-000123",
         "HDRQ": _day(-45), "DZZSURL": "/xsfw/sys/zsgl/zs/1+X-2026-000123.pdf"}])),
    "/jwapp/sys/xsxkapp/modules/xsxk/cxkxkc.do": ("自主选课", lambda u, f: _emap("cxkxkc", [
        {"KCM": "Linux 服务器运维", "XF": 2.0, "KRL": 60, "YXRS": 41, "XKLC": "第一轮"},
        {"KCM": "云计算技术应用", "XF": 2.0, "KRL": 60, "YXRS": 57, "XKLC": "第一轮"}])),
    "/jwapp/sys/cjzzdy/modules/cjd/cxwdcjd.do": ("成绩单自助打印", lambda u, f: _emap("cxwdcjd", [
        {"CJDLX": "中文成绩单", "KCS": 21, "SCSJ": _time(-5), "DYZT": "可打印",
         "PDFURL": "/jwapp/sys/cjzzdy/cjd/" + u + ".pdf"}])),
    # 教师教学
    "/szjx/sys/szhd/modules/wdhd/cxwdszjx.do": ("课程思政教学", lambda u, f: _emap("cxwdszjx", [
        {"HDMC": "课程思政示范课观摩：网络安全与国家安全", "HDRQ": _day(-5), "JS": "主讲"}])),
    "/zhjs/sys/jskt/modules/wdkt/cxjskt.do": ("数字化教室授课", lambda u, f: _emap("cxjskt", [
        {"KCM": "网络设备配置", "JSMC": "C105 数字化教室", "SKRQ": _day(0), "ZKZT": "中控在线"}])),
    "/fzsx/sys/sxjx/modules/wdjx/cxwdsxjx.do": ("虚拟仿真实训教学", lambda u, f: _emap("cxwdsxjx", [
        {"SYMC": "企业网络规划与部署虚拟仿真实训", "BJ": "网络2401", "BZRQ": _day(-3), "WCRS": 37, "ZRS": 42}])),
    "/szzy/sys/szjc/modules/wdjc/cxwdjc.do": ("数字教材与资源", lambda u, f: _emap("cxwdjc", [
        {"JCMC": "《网络设备配置与管理》新形态数字教材", "ZYS": 86, "SYKC": "网络设备配置",
         "ZJSY": _time(-700)}])),
    "/szzy/sys/zygx/modules/gxjl/cxgxjl.do": ("国家平台资源共享", lambda u, f: _emap("cxgxjl", [
        {"ZYMC": "交换机VLAN配置微课", "PT": "国家职业教育智慧教育平台", "GXSJ": _time(-2880),
         "ZT": "已上线"}])),
    "/jwapp/sys/pjapp/modules/pjjg/cxwdpjjg.do": ("评教结果", lambda u, f: _emap("cxwdpjjg", [
        {"KCM": "网络设备配置", "XNXQ": _term(), "PJRS": 42, "PJF": 93.6, "FBSJ": _time(-10000)}])),
    "/ddapp/sys/xkxx/modules/xkjl/cxxkjl.do": ("课堂巡课", lambda u, f: _emap("cxxkjl", [
        {"JSMC": "B201", "KCM": "计算机网络", "XKSJ": _time(-40), "XKR": "测试督导", "PJ": "良好"}])),
    # 管理服务
    "/xsfw/sys/lxgl/modules/lxbl/cxlxhj.do": ("离校手续", lambda u, f: _emap("cxlxhj", [
        {"HJMC": "图书归还", "BLZT": "可办理"}, {"HJMC": "宿舍退宿", "BLZT": "可办理"},
        {"HJMC": "一卡通注销", "BLZT": "可办理"}])),
    "/xsfw/sys/xlzx/modules/yyzx/cxkyysd.do": ("心理咨询预约", lambda u, f: _emap("cxkyysd", [
        {"ZXS": "心理中心 张老师", "RQ": _day(1), "SJD": "14:00-15:00", "SYWZ": 1},
        {"ZXS": "心理中心 陈老师", "RQ": _day(2), "SJD": "10:00-11:00", "SYWZ": 1}])),
    "/xsfw/sys/jzxm/modules/xmsq/cxkzxm.do": ("奖助贷补", lambda u, f: _emap("cxkzxm", [
        {"XMMC": "国家助学金", "SQJZRQ": _day(14), "ZT": "申请中"},
        {"XMMC": "生源地信用助学贷款回执", "SQJZRQ": _day(30), "ZT": "申请中"}])),
    "/rsapp/sys/ndkh/modules/wdkh/cxwdkh.do": ("年度考核", lambda u, f: _emap("cxwdkh", [
        {"KHND": str(_now().year), "KHJD": "个人述职填报", "JZRQ": _day(15), "ZT": "可填报"}])),
    "/cwapp/sys/kyjf/modules/wdjf/cxwdjf.do": ("科研经费", lambda u, f: _emap("cxwdjf", [
        {"XMMC": "高职网络专业岗课赛证融通教学改革研究", "ZJF": 50000.0, "YZC": 18230.5,
         "YE": 31769.5, "GXSJ": _time(-1440)}])),
    "/zcapp/sys/zcgl/modules/wdzc/cxwdzc.do": ("资产信息", lambda u, f: _emap("cxwdzc", [
        {"ZCBH": "2024-JSJ-00871", "ZCMC": "台式计算机", "CFDD": "实训楼 C105", "ZT": "在用"}])),
    "/zmapp/sys/zmkj/modules/zmlx/cxkkjzm.do": ("证明开具", lambda u, f: _emap("cxkkjzm", [
        {"ZMMC": "在读证明", "KJFS": "在线开具，电子签章", "ZT": "可申请"},
        {"ZMMC": "成绩证明", "KJFS": "在线开具，电子签章", "ZT": "可申请"}])),
    "/cwapp/sys/wsbx/modules/bxd/cxwdbxd.do": ("网上报销", lambda u, f: _emap("cxwdbxd", [
        {"BXDH": "BX" + _now().strftime("%Y%m") + "0042", "JE": 356.0, "FPS": 2, "ZT": "财务审核中",
         "TJSJ": _time(-1300)}])),
    "/cgyy/sys/cgyy/modules/kyysd/cxkyysd.do": ("场馆预约", lambda u, f: _emap("cxkyysd", [
        {"CGMC": "体育馆羽毛球场 3 号", "RQ": _day(1), "SJD": "18:00-19:00", "KYY": 1},
        {"CGMC": "图书馆研讨间 A", "RQ": _day(1), "SJD": "14:00-16:00", "KYY": 1}])),
}

# The app ids the demo opens, by app name (16 digits, as the ehall's appShow?appId= takes them).
APP_IDS = {name: str(4770397878132300 + i) for i, (name, _) in enumerate(ENDPOINTS.values())}


def login_user(user, form):
    return {"hasLogin": True, "data": {"userAccount": user, "userName": NAMES.get(user, user),
                                       "deptName": "信息工程学院"}}


def pages():
    """Entries for cas-app.py's PAGES: path -> function(user, form)."""
    out = {path: (lambda fn: lambda user, form: fn(user, form))(fn)
           for path, (_, fn) in ENDPOINTS.items()}
    out["/getLoginUserAndGuest"] = login_user
    return out


if __name__ == "__main__":
    for path, (name, fn) in ENDPOINTS.items():
        print(APP_IDS[name], name, path, len(fn("msmith", {})["datas"]))
