"""Demo leads: an inbox of the front-end team with new, flagged, merged,
converted and discarded leads.

The leads go through the same screening, duplicate checks, merge and
conversion services as leads typed in by a rep, so the flags in the demo are
the ones the app would raise. Three stay flagged for review: one has the phone
of an existing demo customer, one names a school like another lead, and one
repeats another lead's e-mail address. A parent who filled in two forms is
merged, one lead is converted and one discarded.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.duplicates import DuplicateIndex
from crmdesk.services.lead_conversion import ConvertOptions, convert_lead
from crmdesk.services.lead_merge import merge_leads
from crmdesk.services.leads import NewLead, discard_lead, screen_lead, store_lead
from crmdesk.storage.models import Customer, Lead

# company, person, job title, phone, e-mail, source, campaign, notes
_LEADS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("", "陈晓燕", "家长", "13911862045", "", "官网", "春季试听课",
     "孩子五年级，想补数学"),
    ("", "刘建国", "家长", "+86 186-1034-7721", "", "抖音", "暑期班预售", ""),
    ("北京海淀区育才小学", "孙丽", "教务主任", "010-6255 8831", "sunli@yucai.edu.cn",
     "展会", "2026 教育装备展", "询问课后服务合作"),
    ("上海徐汇区外国语学校", "Grace Zhou", "国际部主任", "021 6438 2210",
     "grace.zhou@xhfls.cn", "转介绍", "", "李娜老师介绍"),
    ("", "黄伟", "家长", "0086 13588204417", "huangwei@163.com", "官网", "春季试听课",
     ""),
    ("广州天河区启航教育咨询有限公司", "郑凯", "总经理", "+86 20 3886 1024",
     "zhengkai@qihang-edu.cn", "展会", "2026 教育装备展", "想做区域代理"),
    ("", "王敏", "家长", "13760231188", "", "抖音", "暑期班预售", "只在周末有空"),
    ("深圳南山区星辰科技有限公司", "Kevin Lin", "HR 经理", "0755-8663 2050",
     "kevin.lin@xingchen-tech.cn", "官网", "企业员工子女课程", ""),
    ("", "赵雪", "家长", "15013567742", "zhaoxue@qq.com", "转介绍", "", ""),
    ("北京海淀育才小学", "孙老师", "", "", "sunli.yc@126.com", "官网", "",
     "重复提交了表单"),
    ("", "马丽", "家长", "", "huangwei@163.com", "官网", "春季试听课",
     "与黄伟同一个邮箱，可能是夫妻"),
    ("杭州西湖区博远实业有限公司", "吴强", "行政主管", "0571-8702 3391", "", "展会",
     "2026 教育装备展", ""),
    ("", "周婷", "家长", "13622198730", "", "抖音", "暑期班预售", "留言要求退订短信"),
    ("成都第二中学", "何静", "英语教研组长", "028-8554 1230", "hejing@cd2z.cn",
     "转介绍", "", "需要教师培训方案"),
    ("", "刘建国", "家长", "", "liujg@sina.com", "官网", "暑期班预售",
     "官网表单又留了一次"),
)  # fmt: skip

_DISCARD = 12
_CONVERT = 13
_MERGE = (1, 14)  # the same parent, who filled in two forms


def add_demo_leads(
    session: Session,
    user_ids: list[uuid.UUID],
    end: datetime,
) -> int:
    """Add the demo leads, owned in turn by ``user_ids``; return how many.

    ``end`` is the demo's "now": leads arrive over the ten days before it. One
    lead is given the phone of the first demo customer of the first owner, so
    it is flagged against that customer.
    """
    customer = session.scalars(
        select(Customer)
        .where(Customer.owner_id.in_(user_ids), Customer.phone != "")
        .order_by(Customer.created_at, Customer.id)
        .limit(1)
    ).first()
    index = DuplicateIndex.load(
        session, customer_ids=[customer.id] if customer is not None else []
    )
    leads: list[Lead] = []
    rows = list(_LEADS)
    if customer is not None:
        rows.append(
            ("", customer.name, "家长", customer.phone, "", "抖音", "暑期班预售",
             "说是老学员家长，再次咨询")
        )  # fmt: skip
    for position, row in enumerate(rows):
        company, person, job_title, phone, email, source, campaign, notes = row
        owner = user_ids[position % len(user_ids)]
        at = end - timedelta(hours=(len(rows) - position) * 17)
        actor = Actor(owner, ChangeSource.DEMO, at)
        screened = screen_lead(
            NewLead(
                company=company,
                person=person,
                job_title=job_title,
                phone=phone,
                email=email,
                source=source,
                campaign=campaign,
                notes=notes,
            )
        )
        lead, _matches = store_lead(session, screened, actor, index, owner_id=owner)
        leads.append(lead)
    closing = Actor(user_ids[0], ChangeSource.DEMO, end - timedelta(hours=2))
    discard_lead(session, leads[_DISCARD].id, closing, "家长要求不再联系")
    convert_lead(session, leads[_CONVERT].id, ConvertOptions(), closing)
    # The older lead is kept and takes the newer one's e-mail, which it lacks.
    keep, other = (leads[position] for position in _MERGE)
    merge_leads(session, keep.id, other.id, {"email"}, closing)
    return len(leads)
