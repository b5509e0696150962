<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ActivityDialog</name>
    <message>
        <source>Log activity</source>
        <translation>记录活动</translation>
    </message>
    <message>
        <source>Plan activity</source>
        <translation>计划活动</translation>
    </message>
    <message>
        <source>Mark activity done</source>
        <translation>标记活动已完成</translation>
    </message>
    <message>
        <source>Reschedule activity</source>
        <translation>改期活动</translation>
    </message>
    <message>
        <source>Deal: {title}</source>
        <translation>商机：{title}</translation>
    </message>
    <message>
        <source>Customer: {name}</source>
        <translation>客户：{name}</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>类型(&amp;K)：</translation>
    </message>
    <message>
        <source>&amp;Subject:</source>
        <translation>主题(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;When:</source>
        <translation>时间(&amp;W)：</translation>
    </message>
    <message>
        <source>&amp;Duration:</source>
        <translation>时长(&amp;D)：</translation>
    </message>
    <message>
        <source>D&amp;ue:</source>
        <translation>截止(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Result:</source>
        <translation>结果(&amp;R)：</translation>
    </message>
    <message>
        <source>&amp;Notes:</source>
        <translation>备注(&amp;N)：</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Not recorded</source>
        <translation>未记录</translation>
    </message>
    <message>
        <source>at</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Without a time the activity is due at 23:59 that day.</source>
        <translation>不填时间时，活动截止于当天 23:59。</translation>
    </message>
    <message>
        <source>What it is about</source>
        <translation>活动内容</translation>
    </message>
    <message>
        <source>What came of it</source>
        <translation>活动结果</translation>
    </message>
    <message>
        <source>Times are in the business time zone, {zone}.</source>
        <translation>时间按业务时区 {zone} 计算。</translation>
    </message>
    <message>
        <source>Saving ticks the checklist action “{action}”.</source>
        <translation>保存后将勾选检查项“{action}”。</translation>
    </message>
    <message>
        <source>Saving failed: {error}</source>
        <translation>保存失败：{error}</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>The activity could not be opened: {error}</source>
        <translation>无法打开活动：{error}</translation>
    </message>
</context>
<context>
    <name>ActivityTexts</name>
    <message>
        <source>Call</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>拜访</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>邮件</translation>
    </message>
    <message>
        <source>Trial</source>
        <translation>试用</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>Approvals</name>
    <message>
        <source>Pending</source>
        <translation>待审批</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已批准</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <source>Reopened (amount changed)</source>
        <translation>已重开（金额已变更）</translation>
    </message>
    <message>
        <source>approved</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>驳回</translation>
    </message>
    <message>
        <source>reopened</source>
        <translation>重开</translation>
    </message>
    <message>
        <source>{when}: reopened, the amount changed to {amount}</source>
        <translation>{when}：金额改为 {amount}，审批已重开</translation>
    </message>
    <message>
        <source>{when}: {decision} by {who}</source>
        <translation>{when}：{who} {decision}</translation>
    </message>
    <message>
        <source>at {amount}</source>
        <translation>，金额 {amount}</translation>
    </message>
</context>
<context>
    <name>ApprovalsInbox</name>
    <message>
        <source>Approvals inbox</source>
        <translation>审批收件箱</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待审批</translation>
    </message>
    <message>
        <source>Decided</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>&amp;Approve…</source>
        <translation>批准(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Reject…</source>
        <translation>驳回(&amp;R)…</translation>
    </message>
    <message>
        <source>Open deal</source>
        <translation>打开商机</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>The requests could not be loaded: {error}</source>
        <translation>无法读取审批申请：{error}</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n 个申请</numerusform>
        </translation>
    </message>
    <message>
        <source>no approver (the team has no lead)</source>
        <translation>无审批人（团队没有组长）</translation>
    </message>
    <message>
        <source>Requested {when} by {who}; approver: {approver}</source>
        <translation>{who} 于 {when} 提交；审批人：{approver}</translation>
    </message>
    <message>
        <source>Only the lead of the deal&apos;s team or an admin decides this request.</source>
        <translation>只有商机所属团队的组长或管理员可以审批此申请。</translation>
    </message>
</context>
<context>
    <name>ApprovalsTableModel</name>
    <message>
        <source>Deal</source>
        <translation>商机</translation>
    </message>
    <message>
        <source>Approval</source>
        <translation>审批</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Approved amount</source>
        <translation>批准金额</translation>
    </message>
    <message>
        <source>Rep</source>
        <translation>销售</translation>
    </message>
    <message>
        <source>Requested</source>
        <translation>申请时间</translation>
    </message>
    <message>
        <source>The team has no lead: an admin decides this request.</source>
        <translation>团队没有组长：由管理员审批此申请。</translation>
    </message>
    <message>
        <source>Approver: {name}</source>
        <translation>审批人：{name}</translation>
    </message>
    <message>
        <source>{name} (blocks moving on)</source>
        <translation>{name}（需审批后推进）</translation>
    </message>
    <message>
        <source>{status}, no approver</source>
        <translation>{status}，无审批人</translation>
    </message>
</context>
<context>
    <name>BoardExport</name>
    <message>
        <source>{count} deals · totals in {currency} · {day}</source>
        <translation>{count} 个商机 · 合计币种 {currency} · {day}</translation>
    </message>
    <message>
        <source>and {count} more</source>
        <translation>另有 {count} 个</translation>
    </message>
</context>
<context>
    <name>BoardModel</name>
    <message>
        <source>Expected close date has passed.</source>
        <translation>已过预计成交日期。</translation>
    </message>
    <message>
        <source>In this stage for {days} days.</source>
        <translation>已在此阶段停留 {days} 天。</translation>
    </message>
    <message>
        <source>The next planned activity is overdue.</source>
        <translation>下一项计划活动已逾期。</translation>
    </message>
</context>
<context>
    <name>BoardWidget</name>
    <message>
        <source>Deal board</source>
        <translation>商机看板</translation>
    </message>
    <message>
        <source>The board could not be loaded: {error}</source>
        <translation>看板加载失败：{error}</translation>
    </message>
    <message>
        <source>Move won deals one at a time: each needs its own actual amount and date.</source>
        <translation>赢单商机请逐个移动：每个商机都需要填写各自的实际金额和日期。</translation>
    </message>
    <message>
        <source>{count} deals</source>
        <translation>{count} 个商机</translation>
    </message>
    <message>
        <source>This series has no stage for that result.</source>
        <translation>此商机系列没有对应该结果的阶段。</translation>
    </message>
    <message>
        <source>The move failed: {error}</source>
        <translation>移动失败：{error}</translation>
    </message>
    <message>
        <source>“{deal}” cannot move to “{stage}”:</source>
        <translation>“{deal}”无法移动到“{stage}”：</translation>
    </message>
</context>
<context>
    <name>CardDelegate</name>
    <message>
        <source>No amount</source>
        <translation>无金额</translation>
    </message>
    <message>
        <source>Approval pending</source>
        <translation>待审批</translation>
    </message>
    <message>
        <source>Approval rejected</source>
        <translation>审批驳回</translation>
    </message>
    <message>
        <source>Close {date}</source>
        <translation>预计成交 {date}</translation>
    </message>
    <message>
        <source>Closed {date}</source>
        <translation>成交 {date}</translation>
    </message>
    <message>
        <source>{percent}% ✎</source>
        <translation>{percent}% ✎</translation>
    </message>
    <message>
        <source>{percent}%</source>
        <translation>{percent}%</translation>
    </message>
    <message>
        <source>✓ {done}/{total}</source>
        <translation>✓ {done}/{total}</translation>
    </message>
    <message>
        <source>No activity planned</source>
        <translation>无计划活动</translation>
    </message>
    <message>
        <source>Overdue: {kind} {when}</source>
        <translation>逾期：{kind} {when}</translation>
    </message>
    <message>
        <source>Next: {kind} {when}</source>
        <translation>下一步：{kind} {when}</translation>
    </message>
    <message>
        <source>New in stage today</source>
        <translation>今天进入此阶段</translation>
    </message>
    <message>
        <source>1 day in stage</source>
        <translation>在此阶段 1 天</translation>
    </message>
    <message>
        <source>{days} days in stage</source>
        <translation>在此阶段 {days} 天</translation>
    </message>
</context>
<context>
    <name>ChecklistView</name>
    <message>
        <source>{action} (required)</source>
        <translation>{action}（必做）</translation>
    </message>
    <message>
        <source>This stage has no checklist.</source>
        <translation>此阶段没有检查清单。</translation>
    </message>
    <message>
        <source>{done} of {total} done.</source>
        <translation>已完成 {done}/{total} 项。</translation>
    </message>
    <message numerus="yes">
        <source>%n required action(s) still open.</source>
        <translation>
            <numerusform>还有 %n 项必做动作未完成。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ColumnView</name>
    <message>
        <source>Deals in {stage}</source>
        <translation>“{stage}”阶段的商机</translation>
    </message>
    <message>
        <source>No deals</source>
        <translation>暂无商机</translation>
    </message>
</context>
<context>
    <name>ConvertDialog</name>
    <message>
        <source>Convert lead</source>
        <translation>转化线索</translation>
    </message>
    <message>
        <source>Convert</source>
        <translation>转化</translation>
    </message>
    <message>
        <source>New customer “{name}”</source>
        <translation>新建客户“{name}”</translation>
    </message>
    <message>
        <source>Add to an existing customer</source>
        <translation>加入已有客户</translation>
    </message>
    <message>
        <source>It is not a duplicate: create a new customer anyway</source>
        <translation>不是重复：仍然新建客户</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Open a deal</source>
        <translation>创建商机</translation>
    </message>
    <message>
        <source>optional, e.g. 12000.00</source>
        <translation>可选，例如 12000.00</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>系列</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Pick the customer to add the lead to.</source>
        <translation>请选择要加入的客户。</translation>
    </message>
    <message>
        <source>The lead may be a duplicate. Add it to the existing customer, or confirm that it is not a duplicate.</source>
        <translation>该线索可能重复。请加入已有客户，或确认它不是重复。</translation>
    </message>
    <message>
        <source>The lead was not converted: {error}</source>
        <translation>线索未转化：{error}</translation>
    </message>
</context>
<context>
    <name>CustomerBoardModel</name>
    <message>
        <source>Primary contact: {name}</source>
        <translation>主要联系人：{name}</translation>
    </message>
    <message>
        <source>Owner: {name}</source>
        <translation>负责人：{name}</translation>
    </message>
    <message numerus="yes">
        <source>%n open deal(s)</source>
        <translation>
            <numerusform>%n 个进行中的商机</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) in this state</source>
        <translation>
            <numerusform>在此状态 %n 天</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CustomerBoardWidget</name>
    <message>
        <source>Customer board</source>
        <translation>客户看板</translation>
    </message>
    <message>
        <source>No state</source>
        <translation>未设状态</translation>
    </message>
    <message>
        <source>Customers of {playbook}</source>
        <translation>{playbook}的客户</translation>
    </message>
    <message>
        <source>The customer board could not be loaded: {error}</source>
        <translation>客户看板加载失败：{error}</translation>
    </message>
    <message>
        <source>A customer&apos;s state cannot be cleared: drop the card on one of the lifecycle states.</source>
        <translation>客户状态不能清空：请把卡片拖到某个生命周期状态上。</translation>
    </message>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n 个客户</numerusform>
        </translation>
    </message>
    <message>
        <source>“{customer}” cannot move to “{state}”:</source>
        <translation>“{customer}”无法移动到“{state}”：</translation>
    </message>
</context>
<context>
    <name>CustomerCardDelegate</name>
    <message numerus="yes">
        <source>%n open deal(s)</source>
        <translation>
            <numerusform>%n 个进行中的商机</numerusform>
        </translation>
    </message>
    <message>
        <source>No open deals</source>
        <translation>无进行中的商机</translation>
    </message>
    <message>
        <source>In this state since today</source>
        <translation>今天进入此状态</translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) in state</source>
        <translation>
            <numerusform>在此状态 %n 天</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CustomerColumnView</name>
    <message>
        <source>Customers in {state}</source>
        <translation>“{state}”状态的客户</translation>
    </message>
    <message>
        <source>No customers</source>
        <translation>暂无客户</translation>
    </message>
</context>
<context>
    <name>CustomerDetailPanel</name>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>State history</source>
        <translation>状态历史</translation>
    </message>
    <message>
        <source>Deals</source>
        <translation>商机</translation>
    </message>
    <message>
        <source>Activities</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Sector</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Country</source>
        <translation>国家/地区</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>市场活动</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Change state</source>
        <translation>更改状态</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>更改</translation>
    </message>
    <message>
        <source>Note (required when moving back to an earlier state)</source>
        <translation>备注（退回到较早状态时必填）</translation>
    </message>
    <message>
        <source>New state</source>
        <translation>新状态</translation>
    </message>
    <message>
        <source>Note on the state change</source>
        <translation>状态变更备注</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Job title</source>
        <translation>职务</translation>
    </message>
    <message>
        <source>Primary</source>
        <translation>主要</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Won deal</source>
        <translation>赢单商机</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>商机系列</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Double-click a customer card to see it here.</source>
        <translation>双击客户卡片，即可在此查看客户详情。</translation>
    </message>
    <message>
        <source>The customer could not be loaded: {error}</source>
        <translation>客户加载失败：{error}</translation>
    </message>
    <message>
        <source>No lifecycle state yet</source>
        <translation>尚未设置生命周期状态</translation>
    </message>
    <message>
        <source>State: {state}, since {date}</source>
        <translation>状态：{state}，自 {date} 起</translation>
    </message>
    <message>
        <source>Moving a customer back to an earlier state needs a note: say why in the note field.</source>
        <translation>把客户退回到较早的状态需要备注：请在备注栏说明原因。</translation>
    </message>
    <message>
        <source>Saving failed: {error}</source>
        <translation>保存失败：{error}</translation>
    </message>
</context>
<context>
    <name>CustomerNotice</name>
    <message>
        <source>“{customer}” moved to the state “{state}”.</source>
        <translation>“{customer}”已进入“{state}”状态。</translation>
    </message>
    <message>
        <source>“{customer}” stays in the state “{state}”: reopening a won deal does not move the customer back. Change the state by hand if the win no longer holds.</source>
        <translation>“{customer}”保持在“{state}”状态：重新打开已赢单的商机不会让客户退回。如果这次赢单已不成立，请手动更改状态。</translation>
    </message>
</context>
<context>
    <name>DealApprovalsView</name>
    <message>
        <source>No approval was requested for this deal. Stages with approvals ask the team lead when the deal enters them.</source>
        <translation>此商机尚无审批申请。商机进入设有审批的阶段时，会自动向组长提交申请。</translation>
    </message>
</context>
<context>
    <name>DealFieldsForm</name>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交日期</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <source>ISO 4217 currency code, e.g. CNY</source>
        <translation>ISO 4217 币种代码，例如 CNY</translation>
    </message>
    <message>
        <source>No customer</source>
        <translation>无客户</translation>
    </message>
    <message>
        <source>No owner</source>
        <translation>无负责人</translation>
    </message>
</context>
<context>
    <name>DealListDialog</name>
    <message>
        <source>Deals behind the figure</source>
        <translation>数字背后的商机</translation>
    </message>
    <message numerus="yes">
        <source>%n deal(s)</source>
        <translation>
            <numerusform>%n 个商机</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n deleted deal(s) not listed)</source>
        <translation>
            <numerusform>（%n 个已删除商机未列出）</numerusform>
        </translation>
    </message>
    <message>
        <source>The rate could not be saved: {error}</source>
        <translation>赢率未能保存：{error}</translation>
    </message>
    <message>
        <source>The deals could not be loaded: {error}</source>
        <translation>商机加载失败：{error}</translation>
    </message>
</context>
<context>
    <name>DealListModel</name>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交日期</translation>
    </message>
    <message>
        <source>Win probability</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>{rate} % (set by hand)</source>
        <translation>{rate} %（手动设置）</translation>
    </message>
</context>
<context>
    <name>DealRecords</name>
    <message>
        <source>Stage history</source>
        <translation>阶段历史</translation>
    </message>
    <message>
        <source>Outcomes</source>
        <translation>结果记录</translation>
    </message>
    <message>
        <source>Win probability revisions</source>
        <translation>赢率调整记录</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>Via</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation>记录时间</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Actual amount</source>
        <translation>实际金额</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>cleared</source>
        <translation>已清除</translation>
    </message>
    <message>
        <source>Won</source>
        <translation>赢单</translation>
    </message>
    <message>
        <source>Lost</source>
        <translation>丢单</translation>
    </message>
    <message>
        <source>board</source>
        <translation>看板</translation>
    </message>
    <message>
        <source>form</source>
        <translation>表单</translation>
    </message>
    <message>
        <source>bulk move</source>
        <translation>批量移动</translation>
    </message>
    <message>
        <source>import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>command line</source>
        <translation>命令行</translation>
    </message>
    <message>
        <source>demo</source>
        <translation>演示</translation>
    </message>
    <message>
        <source>report</source>
        <translation>报表</translation>
    </message>
</context>
<context>
    <name>DecisionDialog</name>
    <message>
        <source>Approve request</source>
        <translation>批准申请</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Reject request</source>
        <translation>驳回申请</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <source>no amount</source>
        <translation>无金额</translation>
    </message>
    <message>
        <source>{approval} for “{deal}” ({owner}), requested at {amount}.</source>
        <translation>“{deal}”（{owner}）的{approval}，申请金额 {amount}。</translation>
    </message>
    <message>
        <source>no owner</source>
        <translation>无负责人</translation>
    </message>
    <message>
        <source>Comment:</source>
        <translation>意见：</translation>
    </message>
    <message>
        <source>Reason (required):</source>
        <translation>驳回理由（必填）：</translation>
    </message>
    <message>
        <source>Approved amount:</source>
        <translation>批准金额：</translation>
    </message>
    <message>
        <source>Change it to approve another amount; it becomes the deal&apos;s amount.</source>
        <translation>修改后按新金额批准，该金额会成为商机金额。</translation>
    </message>
    <message>
        <source>Write why you reject it, so the rep knows what to change.</source>
        <translation>请填写驳回理由，让销售知道需要修改什么。</translation>
    </message>
</context>
<context>
    <name>DetailPanel</name>
    <message>
        <source>Deal</source>
        <translation>商机</translation>
    </message>
    <message>
        <source>Checklist</source>
        <translation>检查清单</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Activities</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Double-click a card to see its deal here.</source>
        <translation>双击看板上的卡片，即可在此查看商机详情。</translation>
    </message>
    <message>
        <source>The deal could not be loaded: {error}</source>
        <translation>商机加载失败：{error}</translation>
    </message>
    <message>
        <source>Saving failed: {error}</source>
        <translation>保存失败：{error}</translation>
    </message>
    <message numerus="yes">
        <source>Approvals (%n pending)</source>
        <translation>
            <numerusform>审批（%n 个待审批）</numerusform>
        </translation>
    </message>
    <message>
        <source>Approvals</source>
        <translation>审批</translation>
    </message>
</context>
<context>
    <name>ErrorDialog</name>
    <message>
        <source>crmdesk: unexpected error</source>
        <translation>crmdesk：意外错误</translation>
    </message>
    <message>
        <source>&lt;b&gt;Something went wrong in crmdesk.&lt;/b&gt;&lt;br&gt;The last action did not finish and its change may not have been saved. You can keep working; if the problem comes back, restart crmdesk.</source>
        <translation>&lt;b&gt;crmdesk 出了问题。&lt;/b&gt;&lt;br&gt;刚才的操作没有完成，所做的更改可能没有保存。您可以继续工作；如果问题再次出现，请重新启动 crmdesk。</translation>
    </message>
    <message>
        <source>Error: {error}</source>
        <translation>错误：{error}</translation>
    </message>
    <message>
        <source>The full details were written to the log file {path}. Send that file, or the copied details, to whoever supports crmdesk for you.</source>
        <translation>完整的错误信息已写入日志文件 {path}。请把这个文件或复制的详细信息发给为您提供 crmdesk 支持的人员。</translation>
    </message>
    <message>
        <source>Error details</source>
        <translation>错误详情</translation>
    </message>
    <message>
        <source>&amp;Open log folder</source>
        <translation>打开日志文件夹(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Copy details</source>
        <translation>复制详细信息(&amp;C)</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
    <message numerus="yes">
        <source>%n more error(s) happened since; see the log file.</source>
        <translation>
            <numerusform>此后又发生了 %n 个错误，请查看日志文件。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FieldCheck</name>
    <message>
        <source>The title is empty: say what is being sold.</source>
        <translation>标题为空：请填写要销售的内容。</translation>
    </message>
    <message>
        <source>Invalid currency “{code}”: use an ISO 4217 code such as CNY.</source>
        <translation>无效的币种“{code}”：请使用 ISO 4217 代码，例如 CNY。</translation>
    </message>
    <message>
        <source>Invalid amount “{amount}”: write a number such as 1234.50, with no more decimals than {currency} allows.</source>
        <translation>无效的金额“{amount}”：请输入数字，例如 1234.50，小数位数不能超过 {currency} 允许的位数。</translation>
    </message>
    <message>
        <source>Invalid amount “{amount}”: enter zero or more.</source>
        <translation>无效的金额“{amount}”：请输入零或正数。</translation>
    </message>
    <message>
        <source>Invalid phone number “{phone}”: write it with its area code, or start with + and the country code if it is not a {region} number.</source>
        <translation>电话号码“{phone}”无效：请连同区号一起填写；如果不是 {region} 的号码，请以 + 和国家代码开头。</translation>
    </message>
    <message>
        <source>Invalid e-mail address “{email}”: write it as name@example.com, one address per field.</source>
        <translation>无效的邮箱地址“{email}”：请写成 name@example.com 的形式，每栏一个地址。</translation>
    </message>
    <message>
        <source>Invalid phone region “{region}”: use a two-letter region code such as CN, HK or US.</source>
        <translation>电话地区“{region}”无效：请使用两个字母的地区代码，例如 CN、HK 或 US。</translation>
    </message>
    <message>
        <source>Unknown time zone “{zone}”: pick a name from the list, such as Asia/Shanghai.</source>
        <translation>未知时区“{zone}”：请从列表中选择一个名称，例如 Asia/Shanghai。</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>All owners</source>
        <translation>全部负责人</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交日期</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Search title, customer or owner (Ctrl+F)</source>
        <translation>搜索标题、客户或负责人（Ctrl+F）</translation>
    </message>
    <message>
        <source>Deal filters</source>
        <translation>商机筛选</translation>
    </message>
    <message>
        <source>Owner filter</source>
        <translation>负责人筛选</translation>
    </message>
    <message>
        <source>Show only the deals of this owner.</source>
        <translation>只显示此负责人的商机。</translation>
    </message>
    <message>
        <source>Expected close from</source>
        <translation>预计成交日期起</translation>
    </message>
    <message>
        <source>Expected close to</source>
        <translation>预计成交日期止</translation>
    </message>
    <message>
        <source>Search deals</source>
        <translation>搜索商机</translation>
    </message>
    <message>
        <source>Shows the deals whose title, customer or owner contain the text.</source>
        <translation>显示标题、客户或负责人包含此文本的商机。</translation>
    </message>
</context>
<context>
    <name>FirstStartDialog</name>
    <message>
        <source>Welcome to crmdesk</source>
        <translation>欢迎使用 crmdesk</translation>
    </message>
    <message>
        <source>This store has no sales pipeline yet. Choose how to start.</source>
        <translation>当前数据库还没有销售管道。请选择开始方式。</translation>
    </message>
    <message>
        <source>Demo workspace</source>
        <translation>演示工作区</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Empty workspace</source>
        <translation>空白工作区</translation>
    </message>
    <message>
        <source>A Maven CRM export folder or a playbook file (.toml)</source>
        <translation>Maven CRM 导出文件夹或销售手册文件（.toml）</translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <source>Your name, as colleagues see it</source>
        <translation>同事看到的您的姓名</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>An education business with generated teams, customers and deals, to try crmdesk out.</source>
        <translation>一家教育培训机构，附带自动生成的团队、客户和商机，便于试用 crmdesk。</translation>
    </message>
    <message>
        <source>Deals</source>
        <translation>商机数量</translation>
    </message>
    <message>
        <source>Deals, accounts and sales teams from a Maven CRM export folder, or the series of a playbook file.</source>
        <translation>从 Maven CRM 导出文件夹导入商机、客户和销售团队，或导入销售手册文件中的商机系列。</translation>
    </message>
    <message>
        <source>A shipped playbook, with you as the only user.</source>
        <translation>使用内置的销售手册，您是唯一的用户。</translation>
    </message>
    <message>
        <source>Playbook</source>
        <translation>销售手册</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>您的姓名</translation>
    </message>
    <message>
        <source>Choose a Maven CRM export folder</source>
        <translation>选择 Maven CRM 导出文件夹</translation>
    </message>
    <message>
        <source>Choose a file to import</source>
        <translation>选择要导入的文件</translation>
    </message>
    <message>
        <source>Playbooks (*.toml);;Maven CRM deal file (sales_pipeline.csv)</source>
        <translation>销售手册 (*.toml);;Maven CRM 商机文件 (sales_pipeline.csv)</translation>
    </message>
    <message>
        <source>Working… this can take a minute.</source>
        <translation>正在处理…可能需要一分钟。</translation>
    </message>
    <message>
        <source>Generated a demo workspace with {count} deals.</source>
        <translation>已生成包含 {count} 个商机的演示工作区。</translation>
    </message>
    <message>
        <source>Choose a folder or a file to import, or pick another option.</source>
        <translation>请选择要导入的文件夹或文件，或选择其他方式。</translation>
    </message>
    <message>
        <source>“{path}” does not exist: choose an existing folder or file.</source>
        <translation>“{path}”不存在：请选择已存在的文件夹或文件。</translation>
    </message>
    <message>
        <source>Installed the playbook “{key}”.</source>
        <translation>已安装销售手册“{key}”。</translation>
    </message>
    <message>
        <source>Importing Maven CRM exports is not available.</source>
        <translation>暂不支持导入 Maven CRM 导出数据。</translation>
    </message>
    <message>
        <source>Imported {imported} deals; {rejected} rows were rejected.</source>
        <translation>已导入 {imported} 个商机；{rejected} 行被拒绝。</translation>
    </message>
    <message>
        <source>Report: {path}</source>
        <translation>报告：{path}</translation>
    </message>
    <message>
        <source>Your name is empty: enter the name colleagues know you by.</source>
        <translation>姓名为空：请输入同事熟悉的姓名。</translation>
    </message>
    <message>
        <source>Started an empty workspace with the playbook “{name}”.</source>
        <translation>已使用销售手册“{name}”创建空白工作区。</translation>
    </message>
    <message>
        <source>Starting the workspace failed: {error}</source>
        <translation>创建工作区失败：{error}</translation>
    </message>
</context>
<context>
    <name>ImportLeadsDialog</name>
    <message>
        <source>Import leads</source>
        <translation>导入线索</translation>
    </message>
    <message>
        <source>A .csv or .xlsx file</source>
        <translation>.csv 或 .xlsx 文件</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Optional: without one, columns are found by their names</source>
        <translation>可选：不提供时按列名识别各列</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Column mapping</source>
        <translation>列映射</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>行号</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Lead files (*.csv *.xlsx);;All files (*)</source>
        <translation>线索文件 (*.csv *.xlsx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Mapping files (*.toml)</source>
        <translation>映射文件 (*.toml)</translation>
    </message>
    <message>
        <source>Choose the file to import first.</source>
        <translation>请先选择要导入的文件。</translation>
    </message>
    <message>
        <source>Importing {file}…</source>
        <translation>正在导入 {file}…</translation>
    </message>
    <message>
        <source>{rows} rows: {imported} imported, {flagged} flagged as possible duplicates, {rejected} rejected.</source>
        <translation>共 {rows} 行：导入 {imported} 行，{flagged} 行标记为可能重复，拒绝 {rejected} 行。</translation>
    </message>
    <message>
        <source>{updated} updated and {unchanged} unchanged from an earlier import.</source>
        <translation>之前导入过的行中，更新 {updated} 行，未变 {unchanged} 行。</translation>
    </message>
    <message>
        <source>Report: {path}</source>
        <translation>报告：{path}</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Flagged</source>
        <translation>已标记</translation>
    </message>
    <message>
        <source>Nothing was imported: {error}</source>
        <translation>未导入任何数据：{error}</translation>
    </message>
</context>
<context>
    <name>LeadDialog</name>
    <message>
        <source>Add lead</source>
        <translation>添加线索</translation>
    </message>
    <message>
        <source>e.g. 138 0013 8000, or +852 … outside {region}</source>
        <translation>例如 138 0013 8000；{region} 以外的号码写 +852 …</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <source>Where the lead came from: website, trade fair, referral</source>
        <translation>线索来源：官网、展会、转介绍</translation>
    </message>
    <message>
        <source>Enter a company or a person: a lead needs a name.</source>
        <translation>请输入公司或联系人：线索需要名称。</translation>
    </message>
    <message>
        <source>Enter a phone number or an e-mail address to reach the lead.</source>
        <translation>请输入电话或邮箱，以便联系该线索。</translation>
    </message>
    <message>
        <source>The lead was not saved: {error}</source>
        <translation>线索未保存：{error}</translation>
    </message>
</context>
<context>
    <name>LeadTableModel</name>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Flag</source>
        <translation>标记原因</translation>
    </message>
</context>
<context>
    <name>LeadTexts</name>
    <message>
        <source>New</source>
        <translation>新线索</translation>
    </message>
    <message>
        <source>Flagged</source>
        <translation>已标记</translation>
    </message>
    <message>
        <source>Converted</source>
        <translation>已转化</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <source>Discarded</source>
        <translation>已放弃</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>公司</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Job title</source>
        <translation>职位</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>市场活动</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>lead “{name}”</source>
        <translation>线索“{name}”</translation>
    </message>
    <message>
        <source>customer “{name}” (contact {contact})</source>
        <translation>客户“{name}”（联系人 {contact}）</translation>
    </message>
    <message>
        <source>customer “{name}”</source>
        <translation>客户“{name}”</translation>
    </message>
    <message>
        <source>Same phone {value} as {target}</source>
        <translation>电话 {value} 与{target}相同</translation>
    </message>
    <message>
        <source>Same e-mail {value} as {target}</source>
        <translation>邮箱 {value} 与{target}相同</translation>
    </message>
    <message>
        <source>Company name similar to {target} ({score}%)</source>
        <translation>公司名称与{target}相似（{score}%）</translation>
    </message>
    <message>
        <source>Person similar to {target} ({score}%)</source>
        <translation>联系人与{target}相似（{score}%）</translation>
    </message>
</context>
<context>
    <name>LeadsWindow</name>
    <message>
        <source>Leads</source>
        <translation>线索</translation>
    </message>
    <message>
        <source>Inbox (new and flagged)</source>
        <translation>收件箱（新线索和已标记）</translation>
    </message>
    <message>
        <source>All leads</source>
        <translation>全部线索</translation>
    </message>
    <message>
        <source>Search name, phone, e-mail, source</source>
        <translation>搜索名称、电话、邮箱、来源</translation>
    </message>
    <message>
        <source>Add lead…</source>
        <translation>添加线索…</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Merge…</source>
        <translation>合并…</translation>
    </message>
    <message>
        <source>Convert…</source>
        <translation>转化…</translation>
    </message>
    <message>
        <source>Not a duplicate</source>
        <translation>不是重复</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message numerus="yes">
        <source>%n lead(s)</source>
        <translation>
            <numerusform>%n 条线索</numerusform>
        </translation>
    </message>
    <message>
        <source>, {flagged} flagged</source>
        <translation>，{flagged} 条已标记</translation>
    </message>
    <message>
        <source>Possible duplicate:</source>
        <translation>可能重复：</translation>
    </message>
    <message>
        <source>Merged into another lead.</source>
        <translation>已合并到另一条线索。</translation>
    </message>
    <message>
        <source>Lead saved and flagged: {reason}</source>
        <translation>线索已保存并标记：{reason}</translation>
    </message>
    <message>
        <source>Lead saved.</source>
        <translation>线索已保存。</translation>
    </message>
    <message>
        <source>Leads merged.</source>
        <translation>线索已合并。</translation>
    </message>
    <message>
        <source>Lead converted.</source>
        <translation>线索已转化。</translation>
    </message>
    <message>
        <source>Discard leads</source>
        <translation>放弃线索</translation>
    </message>
    <message numerus="yes">
        <source>Discard %n lead(s)? They stay stored with status Discarded.</source>
        <translation>
            <numerusform>放弃 %n 条线索？它们仍会保存，状态为“已放弃”。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>crmdesk</source>
        <translation>crmdesk</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>筛选</translation>
    </message>
    <message>
        <source>The store could not be read: {error}</source>
        <translation>无法读取数据库：{error}</translation>
    </message>
    <message numerus="yes">
        <source>%n deal(s)</source>
        <translation>
            <numerusform>%n 个商机</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{shown} of %n deal(s) shown</source>
        <translation>
            <numerusform>显示 {shown} 个，共 %n 个商机</numerusform>
        </translation>
    </message>
    <message>
        <source>Base currency: {code}</source>
        <translation>本位币：{code}</translation>
    </message>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n 个客户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{shown} of %n customer(s) shown</source>
        <translation>
            <numerusform>显示 {shown} 个，共 %n 个客户</numerusform>
        </translation>
    </message>
    <message>
        <source>No sync server is set: enter one under File &gt; Settings, Sync.</source>
        <translation>尚未设置同步服务器：请在“文件 &gt; 设置”的“同步服务器”中填写。</translation>
    </message>
    <message>
        <source>No system keyring is available: the password is kept until crmdesk quits.</source>
        <translation>系统密钥环不可用：密码只保留到 crmdesk 退出为止。</translation>
    </message>
    <message>
        <source>Select cards on the board first</source>
        <translation>请先在看板上选择卡片</translation>
    </message>
    <message>
        <source>Select one card on the board first</source>
        <translation>请先在看板上选择一张卡片</translation>
    </message>
    <message>
        <source>Open deal</source>
        <translation>打开商机</translation>
    </message>
    <message>
        <source>Log activity…</source>
        <translation>记录活动…</translation>
    </message>
    <message>
        <source>Plan activity…</source>
        <translation>计划活动…</translation>
    </message>
    <message>
        <source>Customer saved.</source>
        <translation>客户已保存。</translation>
    </message>
    <message>
        <source>Export board as PNG</source>
        <translation>将看板导出为 PNG</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>Board saved to {path}</source>
        <translation>看板已保存到 {path}</translation>
    </message>
    <message>
        <source>The image could not be written to {path}: choose a folder you can write to.</source>
        <translation>无法将图片写入 {path}：请选择有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>About crmdesk</source>
        <translation>关于 crmdesk</translation>
    </message>
    <message>
        <source>&lt;h3&gt;crmdesk {version}&lt;/h3&gt;&lt;p&gt;An offline-first desktop CRM for field sales teams: opportunities on kanban boards, one per series.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;crmdesk {version}&lt;/h3&gt;&lt;p&gt;面向外勤销售团队的离线优先桌面 CRM：商机以看板呈现，每个商机系列一个看板。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>Merge leads</source>
        <translation>合并线索</translation>
    </message>
    <message>
        <source>Notes of both leads are kept. Values you do not pick are added to the kept lead&apos;s notes, and the other lead is marked merged.</source>
        <translation>两条线索的备注都会保留。未选中的值会写入保留线索的备注，另一条线索标记为已合并。</translation>
    </message>
    <message>
        <source>Swap sides</source>
        <translation>交换左右</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>&lt;b&gt;Keep:&lt;/b&gt; {name}</source>
        <translation>&lt;b&gt;保留：&lt;/b&gt;{name}</translation>
    </message>
    <message>
        <source>&lt;b&gt;Fold in:&lt;/b&gt; {name}</source>
        <translation>&lt;b&gt;并入：&lt;/b&gt;{name}</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>The leads were not merged: {error}</source>
        <translation>线索未合并：{error}</translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <source>Dismiss the message</source>
        <translation>关闭此消息</translation>
    </message>
</context>
<context>
    <name>MoveRejection</name>
    <message>
        <source>“{name}”</source>
        <translation>“{name}”</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>The deal is already in stage “{stage}”.</source>
        <translation>该商机已处于“{stage}”阶段。</translation>
    </message>
    <message>
        <source>That stage belongs to another series.</source>
        <translation>该阶段属于另一个商机系列。</translation>
    </message>
    <message>
        <source>This series does not allow skipping stages: move the deal through {stages} first.</source>
        <translation>此系列不允许跳过阶段：请先将商机推进到 {stages}。</translation>
    </message>
    <message>
        <source>This series does not allow moving a deal back from “{source}” to “{target}”.</source>
        <translation>此系列不允许将商机从“{source}”退回到“{target}”。</translation>
    </message>
    <message>
        <source>This series does not allow reopening a won deal.</source>
        <translation>此系列不允许重新打开已赢单的商机。</translation>
    </message>
    <message>
        <source>This series does not allow reopening a lost deal.</source>
        <translation>此系列不允许重新打开已丢单的商机。</translation>
    </message>
    <message>
        <source>Required actions of “{stage}” are not done yet: {actions}. Tick them in the deal&apos;s checklist first.</source>
        <translation>“{stage}”阶段的必做动作尚未完成：{actions}。请先在商机的检查清单中勾选。</translation>
    </message>
    <message>
        <source>Moving a deal to “{stage}” needs an outcome: record whether it was won or lost.</source>
        <translation>将商机移到“{stage}”需要填写结果：请记录赢单还是丢单。</translation>
    </message>
    <message>
        <source>Stage “{stage}” does not match the chosen result.</source>
        <translation>“{stage}”阶段与所选结果不符。</translation>
    </message>
    <message>
        <source>“{stage}” is an open stage: won or lost is recorded only when a deal enters a result stage.</source>
        <translation>“{stage}”是进行中的阶段：只有商机进入结果阶段时才记录赢单或丢单。</translation>
    </message>
    <message>
        <source>The close date {date} is in the future: a won deal closes on or before today.</source>
        <translation>成交日期 {date} 在未来：赢单的成交日期不能晚于今天。</translation>
    </message>
    <message>
        <source>A lost deal needs a reason: choose one from the list.</source>
        <translation>丢单需要填写原因：请从列表中选择。</translation>
    </message>
    <message>
        <source>The chosen reason is not a lost reason of this series: choose another one.</source>
        <translation>所选原因不是此系列的丢单原因：请另选一个。</translation>
    </message>
    <message>
        <source>The reason “{reason}” needs a note that says more.</source>
        <translation>原因“{reason}”需要填写补充说明。</translation>
    </message>
    <message>
        <source>A won deal needs its actual amount (zero or more).</source>
        <translation>赢单需要填写实际金额（零或以上）。</translation>
    </message>
    <message>
        <source>The approval “{approval}” of stage “{stage}” was rejected: change the deal as the team lead asked, then ask for approval again.</source>
        <translation>阶段“{stage}”的审批“{approval}”已被驳回：请按组长的意见修改商机，然后重新申请审批。</translation>
    </message>
    <message>
        <source>The approval “{approval}” of stage “{stage}” is pending: the deal moves on once the team lead approves it.</source>
        <translation>阶段“{stage}”的审批“{approval}”尚待审批：组长批准后商机才能继续推进。</translation>
    </message>
    <message>
        <source>A won deal needs the date it closed.</source>
        <translation>赢单需要填写成交日期。</translation>
    </message>
</context>
<context>
    <name>NewCustomerDialog</name>
    <message>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Sector</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Country</source>
        <translation>国家/地区</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Company or person</source>
        <translation>公司或个人</translation>
    </message>
    <message>
        <source>The person you deal with (optional)</source>
        <translation>对接人（可选）</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Job title</source>
        <translation>职位</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>The name is empty: enter the company or person&apos;s name.</source>
        <translation>名称为空：请输入公司或个人的名称。</translation>
    </message>
    <message>
        <source>Enter the contact&apos;s name, or clear the contact fields.</source>
        <translation>请输入联系人姓名，或清空联系人各栏。</translation>
    </message>
    <message>
        <source>Possible duplicate:</source>
        <translation>可能重复：</translation>
    </message>
    <message>
        <source>Check before saving, or click Save anyway.</source>
        <translation>请核对后再保存，或点击“仍然保存”。</translation>
    </message>
    <message>
        <source>Save anyway</source>
        <translation>仍然保存</translation>
    </message>
    <message>
        <source>The customer was not saved: {error}</source>
        <translation>客户未保存：{error}</translation>
    </message>
</context>
<context>
    <name>NewDealDialog</name>
    <message>
        <source>New deal</source>
        <translation>新建商机</translation>
    </message>
    <message>
        <source>What is being sold, to whom</source>
        <translation>向谁销售什么</translation>
    </message>
    <message>
        <source>New customer…</source>
        <translation>新建客户…</translation>
    </message>
    <message>
        <source>e.g. 12000.00</source>
        <translation>例如 12000.00</translation>
    </message>
    <message>
        <source>No customer</source>
        <translation>无客户</translation>
    </message>
    <message>
        <source>Me</source>
        <translation>我</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>商机系列</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交日期</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>No series is installed: start a workspace first.</source>
        <translation>尚未安装商机系列：请先创建工作区。</translation>
    </message>
    <message>
        <source>The deal was not saved: {error}</source>
        <translation>商机未保存：{error}</translation>
    </message>
</context>
<context>
    <name>OptionalDateEdit</name>
    <message>
        <source>No date</source>
        <translation>无日期</translation>
    </message>
    <message>
        <source>Clear the date</source>
        <translation>清除日期</translation>
    </message>
    <message>
        <source>Clear {field}</source>
        <translation>清除{field}</translation>
    </message>
</context>
<context>
    <name>OutcomeDialog</name>
    <message>
        <source>Record the outcome</source>
        <translation>记录结果</translation>
    </message>
    <message>
        <source>How did “{title}” end?</source>
        <translation>“{title}”的结果如何？</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Actual amount</source>
        <translation>实际金额</translation>
    </message>
    <message>
        <source>Actual date</source>
        <translation>实际日期</translation>
    </message>
    <message>
        <source>Won</source>
        <translation>赢单</translation>
    </message>
    <message>
        <source>Lost</source>
        <translation>丢单</translation>
    </message>
    <message>
        <source>No reason given</source>
        <translation>未填写原因</translation>
    </message>
    <message>
        <source>Choose a reason…</source>
        <translation>请选择原因…</translation>
    </message>
    <message>
        <source>This reason needs a note that says more.</source>
        <translation>此原因需要填写备注说明。</translation>
    </message>
    <message>
        <source>Enter an amount such as 1234.50 in {currency}.</source>
        <translation>请输入以 {currency} 计的金额，例如 1234.50。</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>Sync server password</source>
        <translation>同步服务器密码</translation>
    </message>
    <message>
        <source>The sync server {server} asks for the password of {login}.</source>
        <translation>同步服务器 {server} 需要 {login} 的密码。</translation>
    </message>
    <message>
        <source>&amp;Remember the password in the system keyring</source>
        <translation>在系统密钥环中记住密码(&amp;R)</translation>
    </message>
    <message>
        <source>The password is saved once the server accepts it. Without this, crmdesk asks again after it restarts.</source>
        <translation>服务器接受密码后才会保存。不勾选此项时，crmdesk 重新启动后会再次询问。</translation>
    </message>
</context>
<context>
    <name>RateEditor</name>
    <message>
        <source>Win probability</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Clear (use the stage default)</source>
        <translation>清除（使用阶段默认赢率）</translation>
    </message>
    <message>
        <source>Why the rate changes, e.g. the customer froze the budget</source>
        <translation>赢率调整原因，例如客户冻结了预算</translation>
    </message>
    <message>
        <source>Set rate</source>
        <translation>设置赢率</translation>
    </message>
    <message>
        <source>New rate</source>
        <translation>新赢率</translation>
    </message>
    <message>
        <source>Select a deal to see and set its rate.</source>
        <translation>选择一个商机以查看并设置其赢率。</translation>
    </message>
    <message>
        <source>“{title}” is closed, so its result fixes the rate; reopen the deal to set a rate by hand.</source>
        <translation>“{title}”已结束，其结果决定了赢率；如需手动设置赢率，请先重新打开该商机。</translation>
    </message>
    <message>
        <source>“{title}”: {rate} %, the stage default.</source>
        <translation>“{title}”：{rate} %，阶段默认赢率。</translation>
    </message>
    <message>
        <source>“{title}”: {rate} %, set by hand.</source>
        <translation>“{title}”：{rate} %，手动设置。</translation>
    </message>
    <message>
        <source>cleared</source>
        <translation>已清除</translation>
    </message>
    <message>
        <source>Enter a reason for the change: every rate revision keeps one.</source>
        <translation>请输入调整原因：每次赢率调整都会记录原因。</translation>
    </message>
</context>
<context>
    <name>ReportTableModel</name>
    <message>
        <source>Double-click to list the deals behind this figure</source>
        <translation>双击列出此数字背后的商机</translation>
    </message>
</context>
<context>
    <name>ReportTables</name>
    <message>
        <source>{series} · {stage}</source>
        <translation>{series} · {stage}</translation>
    </message>
    <message>
        <source>Amount ({currency})</source>
        <translation>金额（{currency}）</translation>
    </message>
    <message>
        <source>Open deals in {stage}</source>
        <translation>“{stage}”阶段的进行中商机</translation>
    </message>
    <message>
        <source>All open deals</source>
        <translation>全部进行中商机</translation>
    </message>
    <message>
        <source>Open deals</source>
        <translation>进行中商机</translation>
    </message>
    <message>
        <source>Deals won in the close window</source>
        <translation>成交时间段内赢单的商机</translation>
    </message>
    <message>
        <source>Deals lost in the close window</source>
        <translation>成交时间段内丢单的商机</translation>
    </message>
    <message>
        <source>Won in the close window</source>
        <translation>时间段内赢单</translation>
    </message>
    <message>
        <source>Lost in the close window</source>
        <translation>时间段内丢单</translation>
    </message>
    <message>
        <source>Pipeline funnel</source>
        <translation>销售漏斗</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Deals</source>
        <translation>商机数量</translation>
    </message>
    <message>
        <source>Open deals count their expected amount, won deals their actual amount, lost deals their expected amount.</source>
        <translation>进行中商机按预计金额计，赢单商机按实际金额计，丢单商机按预计金额计。</translation>
    </message>
    <message>
        <source>Open deals in {stage} on {date}</source>
        <translation>{date} 时“{stage}”阶段的进行中商机</translation>
    </message>
    <message>
        <source>Distribution over stages</source>
        <translation>阶段分布</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Share of deals</source>
        <translation>商机数占比</translation>
    </message>
    <message>
        <source>Share of amount</source>
        <translation>金额占比</translation>
    </message>
    <message>
        <source>Open deals as they stood at the end of each date: the chosen date, a month earlier and a year earlier.</source>
        <translation>各日期结束时的进行中商机：所选日期、一个月前和一年前。</translation>
    </message>
    <message>
        <source>moved to a later stage or won</source>
        <translation>推进到后续阶段或赢单</translation>
    </message>
    <message>
        <source>cohort</source>
        <translation>期初商机</translation>
    </message>
    <message>
        <source>stayed</source>
        <translation>停留</translation>
    </message>
    <message>
        <source>moved back</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>dropped</source>
        <translation>流失</translation>
    </message>
    <message>
        <source>Stage conversion</source>
        <translation>阶段转化</translation>
    </message>
    <message>
        <source>Cohort</source>
        <translation>期初商机</translation>
    </message>
    <message>
        <source>Moved</source>
        <translation>推进</translation>
    </message>
    <message>
        <source>Stayed</source>
        <translation>停留</translation>
    </message>
    <message>
        <source>Moved back</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Dropped</source>
        <translation>流失</translation>
    </message>
    <message>
        <source>Conversion rate</source>
        <translation>转化率</translation>
    </message>
    <message>
        <source>Deals in each stage on {start}, counted by where they stood on {end}: moved to a later stage or won, stayed, moved back to an earlier stage, or dropped (lost or deleted).</source>
        <translation>{start} 时各阶段的商机，按其在 {end} 时所处位置统计：推进到后续阶段或赢单、停留、退回到之前的阶段，或流失（丢单或已删除）。</translation>
    </message>
    <message>
        <source>Stage reached</source>
        <translation>到达阶段</translation>
    </message>
    <message>
        <source>Rep</source>
        <translation>销售代表</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Won</source>
        <translation>赢单</translation>
    </message>
    <message>
        <source>Lost</source>
        <translation>丢单</translation>
    </message>
    <message>
        <source>Closed (sample)</source>
        <translation>已结束（样本）</translation>
    </message>
    <message>
        <source>Win rate</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>样本</translation>
    </message>
    <message>
        <source>Stage default rate</source>
        <translation>阶段默认赢率</translation>
    </message>
    <message>
        <source>{group}: won</source>
        <translation>{group}：赢单</translation>
    </message>
    <message>
        <source>{group}: lost</source>
        <translation>{group}：丢单</translation>
    </message>
    <message>
        <source>{group}: closed</source>
        <translation>{group}：已结束</translation>
    </message>
    <message>
        <source>Small sample</source>
        <translation>样本较小</translation>
    </message>
    <message>
        <source>small sample</source>
        <translation>样本较小</translation>
    </message>
    <message>
        <source>Historical win rates</source>
        <translation>历史赢率</translation>
    </message>
    <message>
        <source>Won divided by closed (won plus lost) among deals closed in the close window. Fewer than 30 closed deals make a small sample.</source>
        <translation>在成交时间段内结束的商机中，赢单数除以结束数（赢单加丢单）。结束的商机少于 30 个时视为样本较小。</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Forecast</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>Expected rate</source>
        <translation>预计赢率</translation>
    </message>
    <message>
        <source>Weighted ({currency})</source>
        <translation>加权金额（{currency}）</translation>
    </message>
    <message>
        <source>Open deals expected to close in the window count their amount times their win probability; deals won in the window count their actual amount; lost deals never count.</source>
        <translation>预计在时间段内成交的进行中商机按金额乘以赢率计；时间段内赢单的商机按实际金额计；丢单商机不计入。</translation>
    </message>
</context>
<context>
    <name>ReviewCharts</name>
    <message>
        <source>Open</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Won</source>
        <translation>赢单</translation>
    </message>
    <message>
        <source>Lost</source>
        <translation>丢单</translation>
    </message>
    <message>
        <source>Deals per stage</source>
        <translation>各阶段商机数</translation>
    </message>
    <message>
        <source>Amount per stage ({currency})</source>
        <translation>各阶段金额（{currency}）</translation>
    </message>
    <message>
        <source>Share of deals per stage</source>
        <translation>各阶段商机数占比</translation>
    </message>
    <message>
        <source>Share of amount per stage</source>
        <translation>各阶段金额占比</translation>
    </message>
    <message>
        <source>Amount and weighted amount per stage ({currency})</source>
        <translation>各阶段金额与加权金额（{currency}）</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Weighted</source>
        <translation>加权</translation>
    </message>
</context>
<context>
    <name>ReviewFilters</name>
    <message>
        <source>Series</source>
        <translation>商机系列</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Rep</source>
        <translation>销售代表</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交日期</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Conversion period</source>
        <translation>转化期间</translation>
    </message>
    <message>
        <source>Distribution on</source>
        <translation>分布日期</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Compute every report again (F5)</source>
        <translation>重新计算全部报表（F5）</translation>
    </message>
    <message>
        <source>Expected close from</source>
        <translation>预计成交日期起</translation>
    </message>
    <message>
        <source>Expected close to</source>
        <translation>预计成交日期止</translation>
    </message>
    <message>
        <source>Conversion period from</source>
        <translation>转化期间起</translation>
    </message>
    <message>
        <source>Conversion period to</source>
        <translation>转化期间止</translation>
    </message>
    <message>
        <source>All series</source>
        <translation>全部商机系列</translation>
    </message>
    <message>
        <source>All teams</source>
        <translation>全部团队</translation>
    </message>
    <message>
        <source>All reps</source>
        <translation>全部销售代表</translation>
    </message>
    <message>
        <source>The expected close window ends on {end}, before it starts on {start}: choose an end date on or after the start.</source>
        <translation>预计成交时间段的结束日期 {end} 早于开始日期 {start}：请选择不早于开始日期的结束日期。</translation>
    </message>
    <message>
        <source>The conversion period ends on {end}, before it starts on {start}: choose an end date on or after the start.</source>
        <translation>转化期间的结束日期 {end} 早于开始日期 {start}：请选择不早于开始日期的结束日期。</translation>
    </message>
</context>
<context>
    <name>ReviewWindow</name>
    <message>
        <source>Pipeline review</source>
        <translation>管道复盘</translation>
    </message>
    <message>
        <source>Review actions</source>
        <translation>复盘操作</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Export table as CSV…</source>
        <translation>将表格导出为 CSV…</translation>
    </message>
    <message>
        <source>Export chart as PNG…</source>
        <translation>将图表导出为 PNG…</translation>
    </message>
    <message>
        <source>Save PDF summary…</source>
        <translation>保存 PDF 摘要…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Group by</source>
        <translation>分组依据</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Rep</source>
        <translation>销售代表</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Funnel</source>
        <translation>漏斗</translation>
    </message>
    <message>
        <source>Distribution</source>
        <translation>分布</translation>
    </message>
    <message>
        <source>Conversion</source>
        <translation>转化</translation>
    </message>
    <message>
        <source>Win rates</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>Forecast</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>The store could not be read: {error}</source>
        <translation>无法读取数据库：{error}</translation>
    </message>
    <message>
        <source>Computing the reports…</source>
        <translation>正在计算报表…</translation>
    </message>
    <message>
        <source>This report could not be computed: {error}</source>
        <translation>此报表无法计算：{error}</translation>
    </message>
    <message>
        <source>Reports computed at {time}</source>
        <translation>报表计算于 {time}</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;font-size: 15pt&apos;&gt;&lt;b&gt;Forecast {total} {currency}&lt;/b&gt;&lt;/span&gt; = weighted open deals {weighted} + won in the window {won}</source>
        <translation>&lt;span style=&apos;font-size: 15pt&apos;&gt;&lt;b&gt;预测 {total} {currency}&lt;/b&gt;&lt;/span&gt; = 进行中商机加权金额 {weighted} + 时间段内赢单 {won}</translation>
    </message>
    <message>
        <source>Export table as CSV</source>
        <translation>将表格导出为 CSV</translation>
    </message>
    <message>
        <source>The report is not loaded yet.</source>
        <translation>报表尚未加载。</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>The table could not be written to {path}: {error}. Choose a folder you can write to.</source>
        <translation>无法将表格写入 {path}：{error}。请选择有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>Table saved to {path}</source>
        <translation>表格已保存到 {path}</translation>
    </message>
    <message>
        <source>Export chart as PNG</source>
        <translation>将图表导出为 PNG</translation>
    </message>
    <message>
        <source>This report has no chart: export its table as CSV instead.</source>
        <translation>此报表没有图表：请改为将其表格导出为 CSV。</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>The image could not be written to {path}: choose a folder you can write to.</source>
        <translation>无法将图片写入 {path}：请选择有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>Chart saved to {path}</source>
        <translation>图表已保存到 {path}</translation>
    </message>
    <message>
        <source>Save PDF summary</source>
        <translation>保存 PDF 摘要</translation>
    </message>
    <message>
        <source>The reports are not loaded yet.</source>
        <translation>报表尚未加载。</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Generated on {time}</source>
        <translation>生成于 {time}</translation>
    </message>
    <message>
        <source>The summary could not be written to {path}: choose a folder you can write to.</source>
        <translation>无法将摘要写入 {path}：请选择有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>Summary saved to {path}</source>
        <translation>摘要已保存到 {path}</translation>
    </message>
</context>
<context>
    <name>SeriesSwitcher</name>
    <message>
        <source>No series is installed in this store yet.</source>
        <translation>当前数据库尚未安装任何商机系列。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Phone numbers typed without + and a country code are read as numbers of this region.</source>
        <translation>未以 + 和国家代码开头的电话号码按此地区的号码解析。</translation>
    </message>
    <message>
        <source>Reports count calendar days in this time zone. It is shared by everyone who uses this store.</source>
        <translation>报表按此时区计算自然日。使用此数据存储的所有人共用这一设置。</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <source>Base units per unit</source>
        <translation>折合本位币</translation>
    </message>
    <message>
        <source>Exchange rates</source>
        <translation>汇率</translation>
    </message>
    <message>
        <source>One row per currency: its code and its value in base units.</source>
        <translation>每种货币一行：货币代码及其折合的本位币金额。</translation>
    </message>
    <message>
        <source>&amp;Add rate</source>
        <translation>添加汇率(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Remove rate</source>
        <translation>删除汇率(&amp;R)</translation>
    </message>
    <message>
        <source>Language and region</source>
        <translation>语言和地区</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Default &amp;phone region</source>
        <translation>默认电话地区(&amp;P)</translation>
    </message>
    <message>
        <source>Business &amp;time zone</source>
        <translation>业务时区(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Base currency of totals</source>
        <translation>合计使用的本位币(&amp;B)</translation>
    </message>
    <message>
        <source>E&amp;xchange rates to the base currency</source>
        <translation>兑本位币的汇率(&amp;X)</translation>
    </message>
    <message>
        <source>Sync server</source>
        <translation>同步服务器</translation>
    </message>
    <message>
        <source>Server &amp;URL</source>
        <translation>服务器地址(&amp;U)</translation>
    </message>
    <message>
        <source>User &amp;name</source>
        <translation>用户名(&amp;N)</translation>
    </message>
    <message>
        <source>crmdesk asks for the password when it connects and keeps it in the system keyring, never in these settings. Leave both fields empty to work without a server.</source>
        <translation>crmdesk 在连接时询问密码，并把密码保存在系统密钥环中，绝不保存在这些设置里。如果不使用服务器，请把两个字段都留空。</translation>
    </message>
    <message>
        <source>The currency {code} is listed twice: remove one of its rows.</source>
        <translation>货币 {code} 出现了两次：请删除其中一行。</translation>
    </message>
    <message>
        <source>{code} is the base currency, which needs no rate: remove its row.</source>
        <translation>{code} 是本位币，不需要汇率：请删除这一行。</translation>
    </message>
    <message>
        <source>Money</source>
        <translation>货币</translation>
    </message>
    <message>
        <source>Invalid exchange rate “{rate}” for {code}: write a positive number such as 7.1.</source>
        <translation>{code} 的汇率“{rate}”无效：请输入正数，例如 7.1。</translation>
    </message>
    <message>
        <source>The server URL is empty: write postgresql://HOST:PORT/DATABASE, or clear the user name to work without a server.</source>
        <translation>服务器地址为空：请填写 postgresql://主机:端口/数据库；如果不使用服务器，请清空用户名。</translation>
    </message>
    <message>
        <source>The user name for {url} is empty: enter the login the server administrator gave you.</source>
        <translation>{url} 的用户名为空：请输入服务器管理员给您的登录名。</translation>
    </message>
    <message>
        <source>Invalid sync server “{url}”: {reason}</source>
        <translation>同步服务器“{url}”无效：{reason}</translation>
    </message>
    <message>
        <source>The saved sync server settings could not be read ({error}). Enter the server again.</source>
        <translation>无法读取已保存的同步服务器设置（{error}）。请重新输入服务器。</translation>
    </message>
    <message>
        <source>The sync server settings were not saved: {error}. Check that the configuration folder can be written.</source>
        <translation>同步服务器设置未保存：{error}。请检查配置文件夹是否可写。</translation>
    </message>
    <message>
        <source>The settings were not saved: {error}</source>
        <translation>设置未保存：{error}</translation>
    </message>
</context>
<context>
    <name>StageHeader</name>
    <message>
        <source>1 deal</source>
        <translation>1 个商机</translation>
    </message>
    <message>
        <source>{count} deals</source>
        <translation>{count} 个商机</translation>
    </message>
    <message>
        <source>Weighted {amount}</source>
        <translation>加权 {amount}</translation>
    </message>
    <message>
        <source>Default win probability {percent}%.</source>
        <translation>默认赢率 {percent}%。</translation>
    </message>
    <message>
        <source>Totals cover the deals the filter shows ({count}); it hides {hidden}.</source>
        <translation>合计仅含筛选后显示的商机（{count} 个）；另有 {hidden} 个被隐藏。</translation>
    </message>
    <message>
        <source>Totals cover every deal of this stage ({count}).</source>
        <translation>合计包含此阶段的全部商机（{count} 个）。</translation>
    </message>
    <message>
        <source>Weighted: each deal&apos;s amount times its own win probability, in {currency}.</source>
        <translation>加权金额：每个商机的金额乘以其自身赢率，以 {currency} 计。</translation>
    </message>
    <message>
        <source>Stage {name}</source>
        <translation>阶段 {name}</translation>
    </message>
</context>
<context>
    <name>StageSection</name>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Win probability</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>Stage default</source>
        <translation>阶段默认赢率</translation>
    </message>
    <message>
        <source>Manual rate</source>
        <translation>手动赢率</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>当前使用</translation>
    </message>
    <message>
        <source>New manual rate</source>
        <translation>新的手动赢率</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Why the rate differs</source>
        <translation>为何与默认赢率不同</translation>
    </message>
    <message>
        <source>Set manual rate</source>
        <translation>设置手动赢率</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Drop the manual rate and use the stage default again</source>
        <translation>删除手动赢率，恢复使用阶段默认赢率</translation>
    </message>
    <message>
        <source>won</source>
        <translation>赢单</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>丢单</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>A won or lost deal has a fixed rate; reopen it to change it.</source>
        <translation>已赢单或丢单的商机赢率固定；如需修改请先重新打开。</translation>
    </message>
</context>
<context>
    <name>StateHeader</name>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n 个客户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open deal(s)</source>
        <translation>
            <numerusform>%n 个进行中的商机</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Totals cover the customers the filter shows; it hides %n.</source>
        <translation>
            <numerusform>合计只包含筛选后显示的客户；另有 %n 个被隐藏。</numerusform>
        </translation>
    </message>
    <message>
        <source>Totals cover every customer in this state.</source>
        <translation>合计包含此状态的全部客户。</translation>
    </message>
    <message>
        <source>State {name}</source>
        <translation>状态 {name}</translation>
    </message>
</context>
<context>
    <name>StateNoteDialog</name>
    <message>
        <source>Change customer state</source>
        <translation>更改客户状态</translation>
    </message>
    <message>
        <source>{customers} moves back from “{from_state}” to “{to_state}”. Say why: the note is kept in the state history.</source>
        <translation>{customers}将从“{from_state}”退回到“{to_state}”。请说明原因：备注会保存在状态历史中。</translation>
    </message>
    <message>
        <source>{customers} moves from “{from_state}” to “{to_state}”. Add a note for the state history if you like.</source>
        <translation>{customers}将从“{from_state}”移动到“{to_state}”。如有需要，可为状态历史添加备注。</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Why does the state change?</source>
        <translation>为什么更改状态？</translation>
    </message>
</context>
<context>
    <name>SyncIssuesPanel</name>
    <message>
        <source>{amount} ({minor} in minor units)</source>
        <translation>{amount}（最小货币单位 {minor}）</translation>
    </message>
    <message>
        <source>The sync issues could not be read: {error}</source>
        <translation>无法读取同步问题：{error}</translation>
    </message>
    <message>
        <source>The issue could not be resolved: {error}</source>
        <translation>未能处理此问题：{error}</translation>
    </message>
    <message>
        <source>{who} moved this deal to another stage on the server after your last sync. The deal stays in the server&apos;s stage, and nothing else of the same action (such as an outcome) was applied.</source>
        <translation>{who}在您上次同步后，在服务器上把此商机移到了另一个阶段。商机保留在服务器上的阶段，同一操作中的其他更改（例如成交结果）也都没有生效。</translation>
    </message>
    <message>
        <source>{who} changed “{field}” on the server after your last sync. The server&apos;s value stays, and yours was not applied.</source>
        <translation>{who}在您上次同步后，在服务器上修改了“{field}”。保留服务器的值，您的修改没有生效。</translation>
    </message>
    <message>
        <source>{who} also edited “{field}” on the server. Your edit was the later one, so your value was kept.</source>
        <translation>{who}也在服务器上修改了“{field}”。您的修改较晚，因此保留了您的值。</translation>
    </message>
    <message>
        <source>{who} also edited “{field}” on the server. Their edit was the later one, so their value was kept.</source>
        <translation>{who}也在服务器上修改了“{field}”。对方的修改较晚，因此保留了对方的值。</translation>
    </message>
    <message>
        <source>{who} also edited “{field}” on the server. The later of the two edits was kept.</source>
        <translation>{who}也在服务器上修改了“{field}”。保留了两次修改中较晚的一次。</translation>
    </message>
    <message>
        <source>{who} deleted this record on the server while you edited it, so your edit was not applied. Restore brings the record back with your edit.</source>
        <translation>{who}在您修改此记录期间，在服务器上删除了它，因此您的修改没有生效。选择“恢复”可以连同您的修改一起恢复该记录。</translation>
    </message>
    <message>
        <source>The server did not apply this change because the record is not on the server or you may not change it.</source>
        <translation>服务器没有应用此更改：该记录不在服务器上，或者您无权修改它。</translation>
    </message>
    <message>
        <source>This record is no longer yours because it was reassigned or moved to another team. Your unsent changes to it are kept here.</source>
        <translation>此记录已被重新分配或转到其他团队，不再属于您。您尚未发送的更改保留在这里。</translation>
    </message>
    <message>
        <source>Your record was saved, but the customer or deal it belongs to had been deleted on the server.</source>
        <translation>您的记录已保存，但它所属的客户或商机已在服务器上被删除。</translation>
    </message>
    <message>
        <source>This change was not applied because another change made in the same action was refused. That change has an issue of its own.</source>
        <translation>此更改没有生效，因为同一操作中的另一项更改被服务器拒绝。那项更改另有一条同步问题。</translation>
    </message>
    <message>
        <source>The server did not take this change as it was. The server&apos;s reason is under Details.</source>
        <translation>服务器没有按原样接受此更改。服务器给出的原因见“详细信息”。</translation>
    </message>
    <message>
        <source>The server rejected this change because another record already has the same value.</source>
        <translation>服务器拒绝了此更改，因为另一条记录已有相同的值。</translation>
    </message>
    <message>
        <source>The server rejected this change because it refers to a record that is not on the server.</source>
        <translation>服务器拒绝了此更改，因为它引用的记录不在服务器上。</translation>
    </message>
    <message>
        <source>The server rejected this change because a value breaks one of the server&apos;s rules.</source>
        <translation>服务器拒绝了此更改，因为某个值不符合服务器的规则。</translation>
    </message>
    <message>
        <source>The server rejected this change. The server&apos;s reason is under Details.</source>
        <translation>服务器拒绝了此更改。服务器给出的原因见“详细信息”。</translation>
    </message>
    <message>
        <source>Server message: {message}</source>
        <translation>服务器消息：{message}</translation>
    </message>
    <message>
        <source>PostgreSQL error code: {code}</source>
        <translation>PostgreSQL 错误代码：{code}</translation>
    </message>
    <message>
        <source>{name} ({login})</source>
        <translation>{name}（{login}）</translation>
    </message>
    <message>
        <source>Another user</source>
        <translation>其他用户</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>{field}: {value}</source>
        <translation>{field}：{value}</translation>
    </message>
    <message>
        <source>unknown stage ({id})</source>
        <translation>未知阶段（{id}）</translation>
    </message>
    <message>
        <source>unknown user ({id})</source>
        <translation>未知用户（{id}）</translation>
    </message>
    <message>
        <source>unknown customer ({id})</source>
        <translation>未知客户（{id}）</translation>
    </message>
    <message>
        <source>unknown reason ({id})</source>
        <translation>未知原因（{id}）</translation>
    </message>
    <message>
        <source>unknown product ({id})</source>
        <translation>未知产品（{id}）</translation>
    </message>
    <message>
        <source>unknown series ({id})</source>
        <translation>未知商机系列（{id}）</translation>
    </message>
    <message>
        <source>unknown team ({id})</source>
        <translation>未知团队（{id}）</translation>
    </message>
    <message>
        <source>unknown customer state ({id})</source>
        <translation>未知客户状态（{id}）</translation>
    </message>
    <message>
        <source>unknown checklist action ({id})</source>
        <translation>未知检查清单动作（{id}）</translation>
    </message>
    <message>
        <source>unknown deal ({id})</source>
        <translation>未知商机（{id}）</translation>
    </message>
    <message>
        <source>unknown playbook ({id})</source>
        <translation>未知销售手册（{id}）</translation>
    </message>
    <message>
        <source>unknown record ({id})</source>
        <translation>未知记录（{id}）</translation>
    </message>
    <message>
        <source>Deal</source>
        <translation>商机</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Checklist item</source>
        <translation>检查清单项</translation>
    </message>
    <message>
        <source>Stage history</source>
        <translation>阶段历史</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果记录</translation>
    </message>
    <message>
        <source>Probability revision</source>
        <translation>赢率调整</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Actual amount</source>
        <translation>实际金额</translation>
    </message>
    <message>
        <source>Actual close date</source>
        <translation>实际成交日期</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交日期</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>From stage</source>
        <translation>原阶段</translation>
    </message>
    <message>
        <source>To stage</source>
        <translation>新阶段</translation>
    </message>
    <message>
        <source>Win probability</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>赢率</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Parent customer</source>
        <translation>上级客户</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>商机系列</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Customer state</source>
        <translation>客户状态</translation>
    </message>
    <message>
        <source>Checklist action</source>
        <translation>检查清单动作</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Sector</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Country</source>
        <translation>国家/地区</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Deleted at</source>
        <translation>删除时间</translation>
    </message>
    <message>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>Also edited</source>
        <translation>双方都修改过</translation>
    </message>
    <message>
        <source>Deleted on the server</source>
        <translation>已在服务器上删除</translation>
    </message>
    <message>
        <source>Not permitted</source>
        <translation>无权限</translation>
    </message>
    <message>
        <source>No longer visible</source>
        <translation>已不可见</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <source>Rejected with its group</source>
        <translation>随同组更改被拒绝</translation>
    </message>
    <message>
        <source>Parent deleted</source>
        <translation>上级记录已删除</translation>
    </message>
    <message>
        <source>Sync issues</source>
        <translation>同步问题</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>表</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>No open sync issues.</source>
        <translation>没有待处理的同步问题。</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
    <message>
        <source>Show the server&apos;s own message</source>
        <translation>显示服务器的原始消息</translation>
    </message>
    <message>
        <source>&amp;Mine</source>
        <translation>我的值(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Theirs</source>
        <translation>服务器的值(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Base</source>
        <translation>原值(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Keep theirs</source>
        <translation>保留服务器的值(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Use mine</source>
        <translation>使用我的值(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Restore</source>
        <translation>恢复(&amp;R)</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Details from the server: {reason}</source>
        <translation>服务器给出的详情：{reason}</translation>
    </message>
    <message>
        <source>Connect…</source>
        <translation>连接…</translation>
    </message>
    <message>
        <source>Sync now and enter the sync server&apos;s password</source>
        <translation>立即同步并输入同步服务器的密码</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>Last sync: {time}</source>
        <translation>上次同步：{time}</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) not sent</source>
        <translation>
            <numerusform>%n 项更改未发送</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n sync issue(s)</source>
        <translation>
            <numerusform>%n 个同步问题</numerusform>
        </translation>
    </message>
    <message>
        <source>Open the sync issues panel</source>
        <translation>打开同步问题面板</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Offline: the sync server cannot be reached</source>
        <translation>离线：无法连接同步服务器</translation>
    </message>
    <message>
        <source>Offline: the sync server refused the login; check the user in Settings or ask an admin</source>
        <translation>离线：同步服务器拒绝了登录；请在设置中检查用户，或联系管理员</translation>
    </message>
    <message>
        <source>Sync stopped: this crmdesk is too old for the server; upgrade it (unsent changes are kept)</source>
        <translation>同步已停止：此 crmdesk 版本过旧，服务器不再接受；请升级（未发送的更改会保留）</translation>
    </message>
    <message>
        <source>Sync stopped: the server was restored; an admin must start a new server generation</source>
        <translation>同步已停止：服务器已从备份恢复；需由管理员开启新的服务器代次</translation>
    </message>
    <message>
        <source>Sync paused: a row from the server collides with an unsent change; sync again to send it first</source>
        <translation>同步已暂停：服务器上的一条记录与未发送的更改冲突；请再同步一次，先发送该更改</translation>
    </message>
    <message>
        <source>Sync stopped: the sync settings cannot be read</source>
        <translation>同步已停止：无法读取同步设置</translation>
    </message>
    <message>
        <source>Offline: the sync server reported an error</source>
        <translation>离线：同步服务器报告了错误</translation>
    </message>
    <message>
        <source>Sync needs the server password</source>
        <translation>同步需要服务器密码</translation>
    </message>
    <message>
        <source>Sync stopped: no password was given</source>
        <translation>同步已停止：未输入密码</translation>
    </message>
    <message>
        <source>Sync stopped: the server rejected the password</source>
        <translation>同步已停止：服务器拒绝了该密码</translation>
    </message>
    <message>
        <source>Sync server not configured</source>
        <translation>未设置同步服务器</translation>
    </message>
    <message>
        <source>Sync ready</source>
        <translation>同步就绪</translation>
    </message>
</context>
<context>
    <name>TimelineWidget</name>
    <message>
        <source>&amp;Log activity…</source>
        <translation>记录活动(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Plan activity…</source>
        <translation>计划活动(&amp;P)…</translation>
    </message>
    <message>
        <source>Record a call, visit or other activity</source>
        <translation>记录电话、拜访或其他活动</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>The timeline could not be loaded: {error}</source>
        <translation>无法加载时间线：{error}</translation>
    </message>
    <message>
        <source>Planned ({count})</source>
        <translation>计划中（{count}）</translation>
    </message>
    <message>
        <source>History ({count})</source>
        <translation>历史（{count}）</translation>
    </message>
    <message>
        <source>Nothing planned</source>
        <translation>暂无计划</translation>
    </message>
    <message>
        <source>Overdue: {when}</source>
        <translation>逾期：{when}</translation>
    </message>
    <message>
        <source>Double-click to mark it done</source>
        <translation>双击标记为已完成</translation>
    </message>
    <message>
        <source>Created in {stage}</source>
        <translation>创建于 {stage}</translation>
    </message>
    <message>
        <source>Moved from {source} to {target}</source>
        <translation>从 {source} 移到 {target}</translation>
    </message>
    <message>
        <source>Won</source>
        <translation>赢单</translation>
    </message>
    <message>
        <source>Lost</source>
        <translation>输单</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <source>Win probability cleared</source>
        <translation>已清除手动赢率</translation>
    </message>
    <message>
        <source>Win probability set to {percent}</source>
        <translation>赢率设为 {percent}</translation>
    </message>
    <message>
        <source>Customer state set to {state}</source>
        <translation>客户状态设为 {state}</translation>
    </message>
    <message>
        <source>Customer state {source} → {target}</source>
        <translation>客户状态 {source} → {target}</translation>
    </message>
    <message>
        <source>approved</source>
        <translation>已批准</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <source>reopened by an amount change</source>
        <translation>因金额变更重新打开</translation>
    </message>
    <message>
        <source>{approval}: {decision}</source>
        <translation>{approval}：{decision}</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <source>✓ {action}</source>
        <translation>✓ {action}</translation>
    </message>
    <message>
        <source>Mark done…</source>
        <translation>标记已完成…</translation>
    </message>
    <message>
        <source>Reschedule…</source>
        <translation>改期…</translation>
    </message>
    <message>
        <source>Cancel activity</source>
        <translation>取消活动</translation>
    </message>
    <message>
        <source>Delete activity</source>
        <translation>删除活动</translation>
    </message>
    <message>
        <source>Remove this activity? A checklist action it ticked is unticked while the deal is still in that stage.</source>
        <translation>删除此活动？如果商机仍处于该阶段，它勾选的检查项将被取消勾选。</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;New deal…</source>
        <translation>新建商机(&amp;N)…</translation>
    </message>
    <message>
        <source>New &amp;customer…</source>
        <translation>新建客户(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Export board as PNG…</source>
        <translation>将看板导出为 PNG(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Find deals</source>
        <translation>查找商机(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Move selected to</source>
        <translation>将所选移动到(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Reload board</source>
        <translation>重新加载看板(&amp;R)</translation>
    </message>
    <message>
        <source>Pipeline &amp;review</source>
        <translation>管道复盘(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Leads inbox</source>
        <translation>线索收件箱(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Customer board</source>
        <translation>客户看板(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Approvals inbox</source>
        <translation>审批收件箱(&amp;A)</translation>
    </message>
    <message>
        <source>Move selected cards…</source>
        <translation>移动所选卡片…</translation>
    </message>
    <message>
        <source>&amp;Log activity…</source>
        <translation>记录活动(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Plan activity…</source>
        <translation>计划活动(&amp;P)…</translation>
    </message>
    <message>
        <source>S&amp;ync now</source>
        <translation>立即同步(&amp;Y)</translation>
    </message>
    <message>
        <source>Sync &amp;issues</source>
        <translation>同步问题(&amp;I)</translation>
    </message>
    <message>
        <source>Open &amp;log folder</source>
        <translation>打开日志文件夹(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;About crmdesk</source>
        <translation>关于 crmdesk(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 Qt(&amp;Q)</translation>
    </message>
</context>
<context>
    <name>_Entry</name>
    <message>
        <source>Approve…</source>
        <translation>批准…</translation>
    </message>
    <message>
        <source>Reject…</source>
        <translation>驳回…</translation>
    </message>
    <message>
        <source>Ask again</source>
        <translation>重新申请</translation>
    </message>
    <message>
        <source>Change the deal as the lead asked first, then ask again.</source>
        <translation>请先按组长的意见修改商机，再重新申请。</translation>
    </message>
    <message>
        <source>Stage: {stage}</source>
        <translation>阶段：{stage}</translation>
    </message>
    <message>
        <source>Requested: {amount}</source>
        <translation>申请金额：{amount}</translation>
    </message>
    <message>
        <source>no amount</source>
        <translation>无金额</translation>
    </message>
    <message>
        <source>Approved: {amount}</source>
        <translation>批准金额：{amount}</translation>
    </message>
    <message>
        <source>Approver: {name}</source>
        <translation>审批人：{name}</translation>
    </message>
    <message>
        <source>none (the team has no lead)</source>
        <translation>无（团队没有组长）</translation>
    </message>
    <message>
        <source>The deal moves on only once this is approved.</source>
        <translation>批准后商机才能继续推进。</translation>
    </message>
    <message>
        <source>Asked {when} by {who}</source>
        <translation>{who} 于 {when} 提交</translation>
    </message>
</context>
<context>
    <name>open_folder</name>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>No file manager could open the folder {folder}. Open it yourself: the path was copied to the clipboard.</source>
        <translation>没有文件管理器能打开文件夹 {folder}。请手动打开：路径已复制到剪贴板。</translation>
    </message>
</context>
<context>
    <name>view</name>
    <message>
        <source>Deals in {stage}</source>
        <translation>“{stage}”阶段的商机</translation>
    </message>
</context>
</TS>
