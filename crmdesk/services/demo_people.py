"""Names, courses and notes that the demo workspace generator draws from.

Everything here is invented sample data for an after-school education business in
China: the teams and reps of the three education series, family and organisation
customers, and the course products with list prices in yuan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTeam:
    """A sales team of the demo: the series team key it serves and its people.

    ``members`` are (login, display name) pairs; the first member is the team lead.
    """

    key: str
    name: str
    region: str
    members: tuple[tuple[str, str], ...]


TEAMS = (
    DemoTeam(
        "front-end",
        "新客户开发组",
        "北京",
        (
            ("wang.fang", "王芳"),
            ("li.wei", "李伟"),
            ("zhang.min", "张敏"),
            ("liu.yang", "刘洋"),
            ("chen.jing", "陈静"),
            ("yang.lei", "杨磊"),
            ("zhao.li", "赵丽"),
            ("huang.ting", "黄婷"),
            ("zhou.jie", "周杰"),
            ("emily.chen", "Emily Chen"),
            ("wu.hao", "吴昊"),
            ("xu.qian", "徐倩"),
        ),
    ),
    DemoTeam(
        "teaching",
        "教学服务组",
        "上海",
        (
            ("li.na", "李娜"),
            ("sun.hui", "孙慧"),
            ("ma.chao", "马超"),
            ("david.liu", "David Liu"),
            ("zhu.lin", "朱琳"),
            ("hu.bin", "胡斌"),
            ("guo.xin", "郭欣"),
            ("he.yu", "何宇"),
        ),
    ),
    DemoTeam(
        "back-end",
        "续费与转介绍组",
        "广州",
        (
            ("zhang.wei", "张伟"),
            ("lin.xiaoyu", "林晓雨"),
            ("sophie.wang", "Sophie Wang"),
            ("luo.jun", "罗军"),
            ("zheng.shuang", "郑爽"),
            ("michael.zhao", "Michael Zhao"),
        ),
    ),
)

ADMIN = ("admin", "系统管理员")
CURRENT_USER_LOGIN = "wang.fang"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙"
)
PARENT_GIVEN = (
    "芳",
    "伟",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "建华",
    "海燕",
    "志强",
    "晓红",
    "丽华",
    "国庆",
    "春梅",
    "建军",
    "秀英",
    "红梅",
    "文博",
    "雪梅",
)
LEARNER_GIVEN = (
    "子涵",
    "梓萱",
    "一诺",
    "浩宇",
    "欣怡",
    "宇轩",
    "诗涵",
    "雨桐",
    "子轩",
    "思彤",
    "俊熙",
    "若曦",
    "皓轩",
    "可馨",
    "沐阳",
    "语嫣",
    "嘉怡",
    "铭泽",
    "佳琪",
    "天佑",
    "梦瑶",
    "博文",
    "安琪",
    "睿泽",
    "乐乐",
    "一鸣",
    "晨曦",
)
CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "南京", "武汉")
DISTRICTS = ("海淀区", "朝阳区", "浦东新区", "徐汇区", "天河区", "南山区", "西湖区")
SCHOOL_KINDS = ("第一实验小学", "外国语学校", "第二中学", "育才小学", "国际学校")
COMPANY_WORDS = ("星辰", "博远", "华信", "启航", "恒通", "智联", "鼎盛", "蓝海")
COMPANY_KINDS = ("科技有限公司", "教育咨询有限公司", "实业有限公司", "信息技术有限公司")


@dataclass(frozen=True)
class DemoCourse:
    """A course product; ``price_yuan`` is its list price for one term."""

    name: str
    family: str
    price_yuan: int


COURSES = (
    DemoCourse("少儿英语 一对一", "英语", 12800),
    DemoCourse("少儿英语 小班课", "英语", 6800),
    DemoCourse("雅思冲刺班 (IELTS)", "英语", 19800),
    DemoCourse("小学奥数", "数学", 7800),
    DemoCourse("初中数学 同步提高", "数学", 9600),
    DemoCourse("高中物理 一对一", "理科", 15600),
    DemoCourse("少儿编程 Scratch", "编程", 8800),
    DemoCourse("Python 编程进阶", "编程", 11800),
    DemoCourse("钢琴启蒙", "艺术", 9800),
    DemoCourse("美术素描", "艺术", 5800),
    DemoCourse("围棋入门", "棋类", 4800),
    DemoCourse("书法练字", "艺术", 3600),
)

WON_NOTES = ("家长非常认可试听效果", "一次性报名两期课程", "老学员家长介绍")
LOST_NOTES = (
    "家长工作调动，暂不考虑",
    "孩子课业太多，明年再说",
    "预算有限，改报线上课",
)
REVISION_NOTES = (
    "家长已确认预算",
    "决策人出差一个月，暂缓",
    "竞品机构在低价促销",
    "孩子主动要求报名",
    "校区排课已满，需等下一期",
)


def parent_name(rng: random.Random) -> str:
    """Draw a parent's full name, such as 王芳."""
    return rng.choice(SURNAMES) + rng.choice(PARENT_GIVEN)


def learner_name(rng: random.Random, surname: str) -> str:
    """Draw a learner's full name; most learners share the parent's surname."""
    if rng.random() < 0.15:
        surname = rng.choice(SURNAMES)
    return surname + rng.choice(LEARNER_GIVEN)


def organisation_name(rng: random.Random) -> str:
    """Draw the name of a school or a company that buys group courses."""
    city = rng.choice(CITIES)
    if rng.random() < 0.5:
        return f"{city}市{rng.choice(DISTRICTS)}{rng.choice(SCHOOL_KINDS)}"
    return f"{city}{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}"


def mobile_number(rng: random.Random) -> str:
    """Draw an 11-digit mainland mobile number with a real carrier prefix."""
    prefix = rng.choice(("135", "138", "139", "150", "186", "187", "177", "199"))
    return prefix + f"{rng.randrange(100_000_000):08d}"
