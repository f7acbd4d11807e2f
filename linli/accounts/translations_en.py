"""English for the messages added by the security work (issue 10, issue 11 §3/§7); see
linli/locale/en_translations.py."""

TRANSLATIONS = {
    "Open311 密钥": "Open311 key",
    "有效期至": "Valid until",
    "只有可以代为登记诉求的工作人员可以申请 Open311 密钥": "Only staff who may take in cases can get an Open311 key",
    "页面已过期，请刷新后重试": "This page has expired; reload it and try again",
    "您在%(minutes)s分钟内已提交%(count)s件诉求，请稍后再提交；紧急情况请直接拨打社区电话":
        "You have submitted %(count)s requests in %(minutes)s minutes; please submit more later. "
        "In an emergency, call the community directly",
    "不能包含换行或控制字符": "Must not contain line breaks or control characters",
    "文件内容过大，请分成几个文件导入": "The file's contents are too large; split it into several files",
    "表格列数过多：最多%(n)d列，请删除多余的列后再导入":
        "Too many columns: at most %(n)d; delete the extra columns and import again",
    "该户已有户主（%(name)s），每户只能有一名户主；如需更换，请在同一文件中把原户主的“与户主关系”改为其他关系":
        "This household already has a head (%(name)s); a household has one head. To change it, give the present "
        "head another relation to the head in the same file",
    "该身份证号不能导入到所选地点，请联系上级核实":
        "This ID number cannot be imported into the chosen place; ask your supervisor to check it",
    "该身份证号不能登记在此，请联系上级核实": "This ID number cannot be registered here; ask your supervisor to check it",
    "服务器暂时出了问题，已记录下来。请稍后再试。": "Something went wrong on the server; it has been logged. Please try again later.",
}
