"""English for the catalogue entries added since the first English pass (reviewable in one
place). Run after `make messages` (makemessages) and before scripts/compile_messages.py:

    .venv/bin/python linli/locale/en_translations.py

Apps add theirs in `linli/<app>/translations_en.py` (see `app_translations`).
Every msgid found in TRANSLATIONS gets that English (and loses a fuzzy flag); entries still
empty or fuzzy afterwards are listed, and python-format placeholders are checked on all
entries. A tuple is (singular, plural) for entries with msgid_plural.

Terms (as in the rest of django.po): 诉求 request (staff texts: case), 反映人 reporter,
附议/我也遇到了 "me too", 受理 accept, 办结 close/finish, 上报 escalate, 转办 refer,
协办 co-handling, 督办 yellow/red card supervision, 网格 grid, 网格员 grid worker,
楼栋长 building head, 小区 compound, 楼栋 building, 单元 entrance, 房屋/户 dwelling,
住户 household, 关爱标签/人员类别 care tags, 办理指标 figures, 热点 hot spots.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "django.po"

TRANSLATIONS: dict[str | tuple[str, str], str | tuple[str, str]] = {
    # ------------------------------------------------------------ corrections to the first pass
    # the case page's heading as well as CaseEvent's verbose_name; "Timeline entry" read oddly
    "办理记录": "Timeline",
    # ------------------------------------------------------------ accounts admin
    "用户名": "Username",
    "留空时自动生成": "Generated automatically if left empty",
    "用于短信登录；只保存密文，页面只显示掩码。": "Used for SMS log-in; stored encrypted, pages show only a mask.",
    "工作人员用密码登录；留空则只能短信登录": "Staff log in with a password; leave empty for SMS log-in only",
    "按用户名、姓名搜索，或输入完整手机号精确查找":
        "Search by username or name, or enter a full mobile number for an exact match",
    "管辖地点数": "Places in jurisdiction",
    "吊销所选令牌": "Revoke the selected tokens",
    "已吊销 %(count)d 个令牌": "Tokens revoked: %(count)d",
    # ------------------------------------------------------------ core / places admin
    "邻里 管理后台": "linli administration",
    "邻里管理后台": "linli administration",
    "系统管理": "Site administration",
    "只保存密文，页面只显示掩码；修改时留空表示不变。":
        "Stored encrypted, pages show only a mask; when editing, leave empty to keep it unchanged.",
    "不能把地点移为顶级地点": "A place cannot be moved to the top level",
    "人数": "People",
    "新身份证号": "New ID number",
    "新手机号": "New mobile number",
    "留空时按身份证号确定": "Taken from the ID number if left empty",
    "按姓名搜索，或输入完整的身份证号、手机号精确查找":
        "Search by name, or enter a full ID number or mobile number for an exact match",
    # ------------------------------------------------------------ cases admin
    "图片": "Image",
    # ------------------------------------------------------------ cases: forms
    "请填写此项": "Please fill in this field",
    "内容不能超过%(limit_value)d个字": "The text may be at most %(limit_value)d characters",
    "问题描述": "Description of the problem",
    "例如：3栋2单元楼道堆满杂物，扶手也坏了":
        "e.g. The stairwell of building 3, entrance 2 is full of junk and the handrail is broken",
    "请从列表中选择地点": "Please choose a place from the list",
    "照片（可选，最多6张）": "Photos (optional, up to 6)",
    "公开（其他居民可以看到并附议）": "Public (other residents can see it and say \"me too\")",
    "—— 按定位位置 ——": "— At the marked location —",
    "按系统建议": "As the system suggests",
    "请选择地点": "Please choose a place",
    "发现的问题": "Problem found",
    "例如：5栋门口井盖松动": "e.g. Loose manhole cover at the door of building 5",
    "来源": "Source",
    "请选择来源": "Please choose a source",
    "照片（可选）": "Photos (optional)",
    "请选择": "Please choose",
    "受理说明（可选）": "Acceptance note (optional)",
    "联系情况（可选，仅内部可见）": "Contact notes (optional, staff only)",
    "需要反映人补充什么": "What should the reporter add?",
    "例如：请告知具体楼层和门牌号": "e.g. Please tell us the floor and door number",
    "补充说明": "Additional information",
    "说明（可选）": "Note (optional)",
    "上报原因": "Reason for escalating",
    "例如：涉及公共维修资金，需社区协调": "e.g. Involves the shared maintenance fund; the community needs to coordinate",
    "转办原因": "Reason for referring",
    "协办部门（可多选）": "Co-handling departments (one or more)",
    "协办要求（可选）": "Instruction (optional)",
    "期限（天，可选）": "Deadline (days, optional)",
    "内部备注（仅工作人员可见）": "Internal note (staff only)",
    "答复内容（反映人可见）": "Answer (the reporter sees it)",
    "例如：已联系物业清理楼道杂物并更换扶手":
        "e.g. The property company has cleared the stairwell and replaced the handrail",
    "办理结果照片（可选）": "Photos of the outcome (optional)",
    "结果说明（“非本级职责”“无法解决”时必填）": "Outcome note (required for \"Not ours\" and \"Cannot be solved\")",
    "解决了": "Yes, solved",
    "没有解决": "No, not solved",
    "问题解决了吗？": "Was the problem solved?",
    "请选择是否解决": "Please say whether it was solved",
    "评价（可选）": "Comment (optional)",
    "合并到（目标诉求编号）": "Merge into (number of the target request)",
    "请填写目标诉求编号": "Please enter the number of the target request",
    "不限时间": "Any time",
    "近7天": "Last 7 days",
    "近30天": "Last 30 days",
    "近90天": "Last 90 days",
    "近一年": "Last 12 months",
    "全部状态": "All statuses",
    "地点（含下级）": "Place (and everything under it)",
    "只看超期": "Overdue only",
    "只看督办（黄牌、红牌）": "Supervised only (yellow and red cards)",
    "全部类别": "All categories",
    "全部地点": "All places",
    # ------------------------------------------------------------ cases: services, sweeps
    "请同时提供经度和纬度": "Please give both latitude and longitude",
    "此诉求已被他人处理（当前在%(level)s），请刷新后再试":
        "Someone else has already acted on this request (now at level: %(level)s); please reload and try again",
    "要求不能超过500个字": "The instruction may be at most 500 characters",
    "办理记录不存在": "Timeline entry not found",
    "超过受理时限未受理，自动上报": "Not accepted in time; escalated automatically",
    "超过受理时限，已是最高办理层级，红牌督办":
        "Not accepted in time and already at the top level: red card supervision",
    "超过办结时限，红牌督办": "Past the time to finish: red card supervision",
    "临近办结时限，黄牌督办": "Close to the time to finish: yellow card supervision",
    "红牌督办：诉求已超期，请尽快办理": "Red card: a request is overdue; please handle it as soon as possible",
    "黄牌督办：诉求临近办结时限": "Yellow card: a request is close to its time to finish",
    "您反映的问题解决了吗？": "Was the problem you reported solved?",
    # ------------------------------------------------------------ cases: templates
    "已超期": "Overdue",
    "即将到期": "Due soon",
    "系统建议类别：": "Suggested category: ",
    "（可在下方“类别”中更改）": "(you can change it under \"Category\" below)",
    "附近已有类似问题": "Similar problems nearby",
    "如果是同一个问题，点“我也遇到了”即可，不必重复提交。":
        "If it is the same problem, just tap \"Me too\"; there is no need to report it again.",
    "约%(m)s米": "about %(m)s m",
    "这是您提交的诉求": "This is your own request",
    "您已附议": "You said \"me too\"",
    "我也遇到了": "Me too",
    "已附议，办理进展会通知您": "You said \"me too\"; we will keep you posted",
    "查看": "View",
    "分页": "Pages",
    "上一页": "Previous",
    "第 %(n)s / %(total)s 页": "Page %(n)s of %(total)s",
    "下一页": "Next",
    "黄牌": "Yellow card",
    "红牌": "Red card",
    "诉求 %(n)s": "Request %(n)s",
    "黄牌督办": "Yellow card supervision",
    "红牌督办": "Red card supervision",
    "问题照片": "Photo of the problem",
    "办理": "Handling",
    "反映人": "Reporter",
    "%(n)s 人也遇到": ("%(n)s person said \"me too\"", "%(n)s people said \"me too\""),
    "已合并到": "Merged into",
    "我要": "What you can do",
    "您已附议此诉求，办理进展会通知您。": "You said \"me too\" to this request; we will keep you posted.",
    "办理结果照片": "Photo of the outcome",
    "返回列表": "Back to the list",
    "%(name)s 办理指标": "Figures for %(name)s",
    "选择“自定义”时填写起止日期（含当天）。": "For \"Custom\", enter the first and last day (both included).",
    "%(first)s 至 %(last)s，按原始记录统计": "%(first)s to %(last)s, counted from the original records",
    "查看热点地图": "View the hot-spot map",
    "下级对比": "Sub-places compared",
    "%(name)s（本级）": "%(name)s (this level)",
    "每格上方是件数，下方是比率；点地点名称查看其下级。":
        "Each cell shows the count above and the rate below; tap a place name to see its sub-places.",
    "没有下级地点。": "No sub-places.",
    "%(name)s 诉求热点": "Hot spots in %(name)s",
    "统计单元": "Group by",
    "%(first)s 至 %(last)s，共 %(n)s 件": "%(first)s to %(last)s, %(n)s in total",
    "办理指标": "Figures",
    "热点地图": "Hot-spot map",
    "件": "requests",
    "合计": "Total",
    "无": "None",
    "诉求件数": "Requests",
    "这些地点还没有登记边界，地图无法显示；请看表格。":
        "These places have no boundaries yet, so the map cannot be drawn; see the table.",
    "地图数据加载失败，请看表格。": "The map data could not be loaded; see the table.",
    "地图需要启用 JavaScript；表格列出全部数字。": "The map needs JavaScript; the table lists all the figures.",
    "各小区诉求件数": "Requests by compound",
    "各网格诉求件数": "Requests by grid",
    "其他类别": "Other categories",
    "这一时段没有诉求。": "No requests in this period.",
    "诉求列表": "Request list",
    "筛选": "Filter",
    "已筛选": "Filtered",
    "清除": "Clear",
    "共 %(n)s 件": ("%(n)s request", "%(n)s requests"),
    "超过 %(n)s 件，请用上面的条件缩小范围": "More than %(n)s requests: narrow them with the filters above",
    "没有符合条件的诉求。": "No requests match.",
    "我的诉求": "My requests",
    "反映问题": "Report a problem",
    "您还没有反映过问题。": "You have not reported any problems yet.",
    "巡查登记": "Log a patrol finding",
    "登记": "Log it",
    "我的待办": "My to-do list",
    "待办": "To do",
    "没有待办的诉求。": "No requests waiting for you.",
    "只显示期限最近的 %(n)s 件。": "Only the %(n)s with the nearest deadlines are shown.",
    "说清楚在哪里、是什么问题，可以拍照。提交后会分派给负责的楼栋长、网格员或社区，办理进展会通知您。":
        "Say where it is and what the problem is; you can add photos. It goes to the building head, "
        "grid worker or community in charge, and we will keep you posted.",
    "您的账号还没有关联住址，请在下方填写位置。": "Your account has no address yet; please give the location below.",
    "在其他位置？标注位置（可选）": "Somewhere else? Mark the spot (optional)",
    "问题不在上面的地点时，把地点选为“按定位位置”，再点“使用我的位置”或填写经纬度。":
        "If the problem is not at one of the places above, set the place to \"At the marked location\", "
        "then tap \"Use my location\" or enter the coordinates.",
    "使用我的位置": "Use my location",
    # ------------------------------------------------------------ cases: views
    "此表单已提交过，请刷新页面后重新填写": "This form was already sent; please reload the page and fill it in again",
    "已提交，我们会尽快办理。": "Submitted; we will handle it as soon as we can.",
    "已附议，办理进展会通知您。": "You said \"me too\"; we will keep you posted.",
    "未找到该编号的诉求": "No request with this number",
    "已受理": "Accepted",
    "答复反映人": "Answer the reporter",
    "提交答复": "Send the answer",
    "已答复": "Answered",
    "核查结案": "Verify and close",
    "确认办结": "Close the request",
    "评价办理结果": "Rate the outcome",
    "提交评价": "Send the rating",
    "感谢您的评价": "Thank you for your rating",
    "补充信息": "Add information",
    "提交补充": "Send the information",
    "已补充": "Information added",
    "记录已联系反映人": "Record contact with the reporter",
    "已联系": "Mark as contacted",
    "已记录联系": "Contact recorded",
    "要求补充信息": "Ask for more information",
    "发送": "Send",
    "已请反映人补充": "The reporter has been asked for more information",
    "更正类别": "Correct the category",
    "保存类别": "Save the category",
    "类别已保存": "Category saved",
    "上报上一级": "Escalate to the next level",
    "已上报上一级": "Escalated to the next level",
    "转交职能部门": "Refer to a department",
    "转办": "Refer",
    "已转交职能部门": "Referred to a department",
    "发起多部门协办": "Ask departments to co-handle",
    "已发起协办": "Co-handling opened",
    "完成协办任务": "Finish a co-handling task",
    "提交办理情况": "Send the handling report",
    "协办任务已完成": "Co-handling task done",
    "内部备注": "Internal note",
    "添加备注": "Add the note",
    "已添加备注": "Note added",
    "合并到另一诉求": "Merge into another request",
    "至%(level)s": "→ %(level)s",
    "未解决": "Not solved",
    "系统": "System",
    "我": "Me",
    "此页面仅供工作人员使用": "This page is for staff only",
    "只有网格员、楼栋长等工作人员可以登记巡查发现的问题":
        "Only staff such as grid workers and building heads can log problems found on patrol",
    "已登记，可继续登记下一条。": "Logged; you can log the next one.",
    # ------------------------------------------------------------ cases: figures and hot spots
    "本月": "This month",
    "上月": "Last month",
    "本季度": "This quarter",
    "本年": "This year",
    "自定义": "Custom",
    "按网格": "By grid",
    "按小区": "By compound",
    "地点编号无效": "Invalid place id",
    "统计时段": "Period",
    "请选择统计时段": "Please choose a period",
    "开始日期": "Start date",
    "日期格式应为 2026-11-01": "Enter the date as 2026-11-01",
    "结束日期": "End date",
    "请填写开始日期": "Please enter the start date",
    "请填写结束日期": "Please enter the end date",
    "结束日期不能早于开始日期": "The end date cannot be before the start date",
    "统计时段不能超过10年": "The period may be at most 10 years",
    "请选择按网格或按小区": "Please choose by grid or by compound",
    "只有负责诉求督办的工作人员可以查看办理指标和热点":
        "Only staff who supervise requests can see figures and hot spots",
    "收到诉求": "Received",
    "按时受理": "Accepted on time",
    "按时受理率": "On-time acceptance rate",
    "按期办结": "Closed on time",
    "按期办结率（到期 %(n)s 件）": "On-time closing rate (%(n)s due)",
    "满意率（已评价 %(n)s 件）": "Satisfaction rate (%(n)s rated)",
    "重办率": "Reopening rate",
    "重复诉求": "Duplicates",
    "重复率": "Duplicate rate",
    # ------------------------------------------------------------ places: import page and file
    "您没有导入人口数据的权限": "You are not allowed to import population data",
    "请选择导入到哪个地点": "Please choose where to import to",
    "请选择要导入的文件（.xlsx 或 .csv）": "Please choose a file to import (.xlsx or .csv)",
    "文件是空的": "The file is empty",
    "文件不能超过30MB，请分成几个文件导入": "The file may be at most 30 MB; please split it into several files",
    "人口导入模板": "Population import template",
    "必填，不超过50个字": "Required, at most 50 characters",
    "男或女；填了身份证号时可不填，填了须与身份证号一致":
        "male or female; may be left empty when the ID number is given, and must match it",
    "18位居民身份证号（校验位须正确），用于再次导入时识别同一个人":
        "18-character resident ID number (with a correct check digit); recognises the same person "
        "on a later import",
    "可不填；格式 1980-05-17，填了须与身份证号一致": "Optional; format 1980-05-17; must match the ID number",
    "小区或院落名称；导入到网格、社区等小区以上地点时必填，没有的会新建":
        "Name of the compound or courtyard; required when importing into a grid, community or another "
        "place above compounds; created if missing",
    "可不填（平房、院落）；没有的会新建": "Optional (bungalows, courtyards); created if missing",
    "可不填；填了单元须同时填楼栋": "Optional; an entrance (unit) needs a building",
    "必填，房号或门牌号；没有的房屋会新建": "Required: room or door number; missing dwellings are created",
    "房屋建筑面积，平方米，可不填": "Floor area of the dwelling in square metres; optional",
    "自有、租住或其他；同一房屋须一致": "owned, rented or other; the same for the whole dwelling",
    "户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳、女婿、租户或其他；每户一名户主":
        "head, spouse, child, parent, grandchild, grandparent, sibling, child_in_law, tenant or other "
        "(the Chinese names work too); one head per household",
    "是或否，不填为是": "yes or no; empty means yes",
    "关爱标签名称，如 独居老人、低保、党员；多个用顿号或逗号分隔；留空则清除":
        "Care tags, e.g. elderly_alone, low_income, party_member (Chinese or English names work too); "
        "separate several with commas; empty clears them",
    "不支持旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入":
        "Old Excel files (.xls) are not supported; save the file as .xlsx in Excel or WPS and import it again",
    "只支持 .xlsx 或 .csv 文件": "Only .xlsx and .csv files are accepted",
    "无法读取该 Excel 文件，请确认它是 .xlsx 格式且未损坏":
        "This Excel file cannot be read; please make sure it is an undamaged .xlsx file",
    "文件中没有工作表": "The file has no worksheet",
    "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV":
        "The file's encoding is not recognised; please save the CSV as UTF-8 or GBK",
    "无法读取该 CSV 文件，请确认它是文本格式": "This CSV file cannot be read; please make sure it is a text file",
    "无法读取该 CSV 文件：%(err)s": "This CSV file cannot be read: %(err)s",
    "找不到表头：表格第一行应为列名，如 姓名、身份证号、房号":
        "No header row: the first row must hold the column names, e.g. 姓名, 身份证号, 房号 "
        "(or name, id_number, room)",
    "列“%(col)s”重复出现": "The column \"%(col)s\" appears more than once",
    "缺少必填列：%(cols)s": "Required columns missing: %(cols)s",
    "一次最多导入%(n)d行，请分成几个文件": "At most %(n)d rows can be imported at once; please split the file",
    "文件中没有数据行": "The file has no data rows",
    "未填身份证号时须填写性别": "The gender is required when there is no ID number",
    "出生日期格式应为 1980-05-17": "The date of birth must look like 1980-05-17",
    "出生日期不合理": "The date of birth is not plausible",
    "请填写房号": "Please enter the room number",
    "填写了单元时须同时填写楼栋": "An entrance (unit) needs a building",
    "小区与所选小区“%(name)s”不一致": "The compound does not match the chosen compound \"%(name)s\"",
    "导入到小区以上的地点时须填写小区": "The compound is required when importing into a place above compounds",
    "居住性质应为“自有”“租住”或“其他”": "The tenure must be owned, rented or other (自有, 租住, 其他)",
    "与户主关系“%(value)s”无法识别，应为户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳、女婿、租户或其他":
        "Unknown relation to the head \"%(value)s\"; use head, spouse, child, parent, grandchild, "
        "grandparent, sibling, child_in_law, tenant or other",
    "是否在此居住应填“是”或“否”": "\"Lives here\" must be yes or no (是 or 否)",
    "未知的人员类别：%(names)s": "Unknown care tags: %(names)s",
    "所选地点下有多个名为“%(name)s”的小区，请改为导入到其中一个小区":
        "Several compounds under the chosen place are named \"%(name)s\"; please import into one of them instead",
    "“%(name)s”已是“%(kind)s”，不能再作为“%(want)s”":
        "\"%(name)s\" is already a \"%(kind)s\" and cannot also be a \"%(want)s\"",
    "身份证号与第%(row)d行重复": "Same ID number as row %(row)d",
    "同一房屋中已有同名且未填身份证号的人员（第%(row)d行），请填写身份证号以区分":
        "The dwelling already has a person of this name without an ID number (row %(row)d); "
        "add ID numbers to tell them apart",
    "同一房屋只能有一名户主（第%(row)d行已是户主）":
        "A dwelling can have only one household head (row %(row)d is already the head)",
    "同一房屋的面积与第%(row)d行不一致": "The floor area differs from row %(row)d for the same dwelling",
    "同一房屋的居住性质与第%(row)d行不一致": "The tenure differs from row %(row)d for the same dwelling",
    "该身份证号已登记在所选地点以外的居民名下，不能通过导入迁入":
        "This ID number belongs to a resident registered outside the chosen place; an import cannot move them here",
    "该房屋已登记多名叫“%(name)s”的居民，请填写身份证号以区分":
        "Several residents named \"%(name)s\" are registered at this dwelling; add the ID number to tell them apart",
    "与第%(row)d行是同一位已登记的居民": "The same registered resident as row %(row)d",
    "所选地点不存在": "The chosen place does not exist",
    "地点层级缺失：需要小区、楼栋、单元、户":
        "Place levels missing: compound, building, entrance and dwelling are needed",
    "只能导入到小区或其上级地点（如网格、社区）":
        "You can only import into a compound or a place above it (such as a grid or community)",
    "导入时数据被他人同时修改，请重新导入": "Someone else changed the data during the import; please import again",
    "人口信息": "Population",
    "填写说明": "How to fill in",
    "列名": "Column",
    "英文列名": "English column name",
    # import_people command
    "地点 %(id)s 不存在": "Place %(id)s does not exist",
    "请用 --under 指定地点（编号或名称路径）": "Please give the place with --under (an id or a path of names)",
    "找不到地点“%(path)s”": "Place \"%(path)s\" not found",
    "“%(path)s”对应多个地点，请写出更上一级的名称或使用编号：%(ids)s":
        "\"%(path)s\" matches several places; add the name of a higher level or use an id: %(ids)s",
    "无法打开文件：%(err)s": "Cannot open the file: %(err)s",
    "第%(row)d行%(column)s %(message)s": "Row %(row)d%(column)s: %(message)s",
    "文件有 %(n)d 处错误，未导入任何数据（共 %(rows)d 行）":
        "Errors in the file: %(n)d; nothing was imported (%(rows)d rows)",
    "试导入（未写入）": "Dry run (nothing written)",
    "导入完成": "Import done",
    "%(head)s：%(place)s，共 %(rows)d 行；新增居民 %(cr)d，更新居民 %(ur)d，未变居民 %(nr)d；新建地点 %(cp)d，"
    "新建住户 %(ch)d，更新房屋 %(up)d，更新住户 %(uh)d":
        "%(head)s: %(place)s, %(rows)d rows; residents: %(cr)d new, %(ur)d updated, %(nr)d unchanged; "
        "new places: %(cp)d, new households: %(ch)d, dwellings updated: %(up)d, households updated: %(uh)d",
    # import page
    "上传社区现有的人口信息表（.xlsx 或 .csv，第一行为中文列名）。系统先检查整个文件，有任何错误都不会导入；"
    "同一文件再次导入不会重复登记，修改后的文件会更新原有记录。":
        "Upload the population sheet your community already keeps (.xlsx or .csv, column names in the first "
        "row). The whole file is checked first and nothing is imported if there is any error; importing the "
        "same file again registers no one twice, and an edited file updates the existing records.",
    "下载导入模板": "Download the template",
    "检查通过，尚未写入": "Check passed; nothing written yet",
    "导入成功": "Imported",
    "共 %(n)s 行": "Rows: %(n)s",
    "新增居民": "New residents",
    "更新居民": "Updated residents",
    "未变居民": "Unchanged residents",
    "新建地点": "New places",
    "新建住户": "New households",
    "更新房屋面积": "Floor areas updated",
    "更新住户": "Updated households",
    "这是试导入，没有写入任何数据。取消勾选“只检查，不导入”后再次上传即可正式导入。":
        "This was a dry run; nothing was written. Untick \"Check only, do not import\" and upload again to import.",
    "文件有错误，未导入任何数据": "The file has errors; nothing was imported",
    "共 %(total)s 行，其中 %(rows)s 行有问题，共 %(n)s 处错误。请修改后重新上传。":
        "Rows: %(total)s; rows with problems: %(rows)s; errors: %(n)s. Please correct them and upload again.",
    "行号": "Row",
    "列": "Column",
    "第%(n)s行": "Row %(n)s",
    "另有 %(n)s 处错误未显示，请先修改以上错误。": "%(n)s more errors are not shown; please correct the ones above first.",
    "导入到": "Import into",
    "请选择网格、社区或小区": "Choose a grid, community or compound",
    "导入到网格、社区时须填写“小区”列；导入到小区时“小区”列可不填。缺少的小区、楼栋、单元和房屋会自动新建。":
        "When importing into a grid or community, the compound column is required; when importing into "
        "a compound it may be left empty. Missing compounds, buildings, entrances and dwellings are created "
        "automatically.",
    "人口信息表（.xlsx 或 .csv）": "Population sheet (.xlsx or .csv)",
    "只检查，不导入": "Check only, do not import",
    "上传并导入": "Upload and import",
    "各列填写说明": "How to fill in each column",
    # ------------------------------------------------------------ triage
    "分类建议": "Category suggestions",
    "版本": "Version",
    "训练时间": "Trained at",
    "训练诉求数": "Requests trained on",
    "留出测试数": "Held-out test requests",
    "类别代码": "Category codes",
    "留出准确率": "Held-out accuracy",
    "留出前三准确率": "Held-out top-3 accuracy",
    "关键词准确率（同一留出集）": "Keyword accuracy (same held-out set)",
    "分类模型": "Classification model",
    "只有系统管理员可以训练分类模型": "Only administrators can train the classification model",
    "已办理的诉求不足 %(n)d 件（或少于两个类别），暂不能训练分类模型":
        "Fewer than %(n)d handled requests (or fewer than two categories); the classification model "
        "cannot be trained yet",
    "分类模型正在由另一个任务训练，请稍后再试": "Another job is training the classification model; please try again later",
    "指标": "Figures",
    "登记诉求": "Record a request",
    "巡查、入户走访中发现的问题，或通过电话、来访、会议、12345热线收到的诉求。":
        "Problems found on a patrol or a home visit, or requests received by phone, in person, at a meeting "
        "or from the 12345 hotline.",
    "反映人（电话、来访、热线时填写）": "Who reported it (for phone, walk-in and hotline requests)",
    "反映人姓名（可选）": "Reporter's name (optional)",
    "反映人电话（可选，用于回访）": "Reporter's mobile (optional, for the follow-up call)",
    "热点": "Hot spots",
    # the report page's point picker (cases/report.html, js/report_map.js)
    "标注位置的地图": "Map for marking the spot",
    "点地图标注位置，可拖动标记调整；位置须在网格范围内。":
        "Tap the map to mark the spot and drag the marker to adjust it; the spot must be inside a grid.",
    "清除位置": "Clear the spot",
    # ------------------------------------------------------------ with a context (msgctxt, msgid)
    # Proposed to the lead: the same Chinese word is an event in the timeline ("Accepted") and a
    # button or menu item ("Accept"), so these need pgettext; ready for when they exist.
    ("action", "受理"): "Accept",
    ("button", "上报"): "Escalate",
    ("button", "发起协办"): "Open co-handling",
    ("button", "合并"): "Merge",
    ("button", "提交"): "Submit",
    ("nav", "诉求"): "Requests",
}

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")
TAG = re.compile(r"</?\w+[^>]*>")


def _shape(text: str) -> tuple[list[str], list[str]]:
    return sorted(PLACEHOLDER.findall(text)), sorted(TAG.findall(text))


def app_translations() -> dict:
    """Each app keeps the English of its own new messages in `linli/<app>/translations_en.py`
    (a `TRANSLATIONS` dict of the same shape), so apps built side by side never edit one
    shared table."""
    import importlib.util

    found = {}
    for path in sorted(PO.parents[3].glob("*/translations_en.py")):
        spec = importlib.util.spec_from_file_location(f"_en_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.update(module.TRANSLATIONS)
    return found


def main() -> int:
    TRANSLATIONS.update(app_translations())
    po = polib.pofile(str(PO), wrapwidth=79)
    po.metadata["Language"] = "en"
    applied = 0
    for entry in po:
        key = (entry.msgctxt, entry.msgid) if entry.msgctxt else entry.msgid
        if entry.obsolete or key not in TRANSLATIONS:
            continue
        english = TRANSLATIONS[key]
        if entry.msgid_plural:
            one, many = english if isinstance(english, tuple) else (english, english)
            new = {0: one, 1: many}
            changed = entry.msgstr_plural != new
            entry.msgstr_plural = new
        else:
            assert isinstance(english, str), entry.msgid
            changed = entry.msgstr != english
            entry.msgstr = english
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            changed = True
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        applied += changed
    po.save()
    if shutil.which("msgcat"):  # gettext's own line wrapping, so makemessages leaves the file alone
        subprocess.run(["msgcat", "--output-file", str(PO), str(PO)], check=True)

    status = 0
    for entry in po:
        if entry.obsolete:
            continue
        if not entry.translated() or "fuzzy" in entry.flags:
            print("untranslated:", entry.msgid.replace("\n", "\\n"))
            status = 1
            continue
        if "python-format" in entry.flags or "python-brace-format" in entry.flags or TAG.search(entry.msgid):
            for msgstr in (entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]):
                if _shape(msgstr) != _shape(entry.msgid):
                    print("placeholders or tags differ:", entry.msgid, "→", msgstr)
                    status = 1
    print(f"{applied} entries set; {len(TRANSLATIONS)} in the table", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
