from django.db import migrations

# The default taxonomy: the problems of the seeds and GB/T 30428's event classes.
# (code, name, name_en, parent, accept_hours, finish_days, default_level, keywords)
CATEGORIES = [
    ("env_sanitation", "环境卫生", "Sanitation", None, 24, 3, "grid", "卫生 脏乱 蚊蝇 臭 污水 杂物 环境 清扫"),
    ("garbage", "垃圾清运", "Rubbish collection", None, 12, 2, "grid", "垃圾 清运 垃圾房 垃圾桶 垃圾站 堆放垃圾"),
    ("parking", "车辆乱停乱放", "Parking", None, 24, 3, "grid", "乱停 停车 占道 车辆 摩托车 停车位 堵车 挡路"),
    ("ebike_charging", "电动车充电", "E-bike charging", None, 12, 3, "grid", "充电 电动车 电瓶车 拉线 飞线 充电桩"),
    ("illegal_building", "私搭乱建", "Illegal structures", None, 24, 15, "community", "私搭 乱建 违章 违建 柴房 柴棚 占用公共"),
    ("facilities", "设施损坏", "Damaged facilities", None, 24, 7, "community", "损坏 坏了 破损 维修"),
    ("manhole", "井盖", "Manhole cover", "facilities", 2, 3, "community", "井盖 窨井 下水道口"),
    ("streetlight", "路灯", "Street light", "facilities", 24, 5, "community", "路灯 不亮 灯坏"),
    ("road", "道路", "Road surface", "facilities", 24, 15, "community", "道路 路面 坑洼 积水 破路 塌陷"),
    ("stairwell", "楼道", "Stairwell", "facilities", 24, 5, "building", "楼道 扶手 楼梯 声控灯 单元门 堆放"),
    ("property", "物业服务", "Property management", None, 24, 7, "grid", "物业 保安 门卫 物业费 电梯"),
    ("utilities", "供暖供水", "Heating and water", None, 12, 5, "community", "暖气 供暖 停水 水管 管道 漏水 水压 热力"),
    ("neighbour_dispute", "邻里纠纷", "Neighbour dispute", None, 24, 10, "building", "纠纷 矛盾 吵架 邻居 邻里"),
    ("noise", "噪音", "Noise", None, 24, 3, "building", "噪音 扰民 广场舞 装修 吵闹"),
    ("livestock", "养殖污染", "Livestock pollution", None, 24, 15, "street", "养猪 养殖 猪场 粪便 畜禽 鸡舍"),
    ("public_security", "治安", "Public security", None, 2, 3, "community", "偷 盗窃 治安 打架 可疑 诈骗"),
    ("fire_safety", "消防安全", "Fire safety", None, 2, 3, "grid", "消防 通道 灭火器 火灾 隐患 煤气 燃气"),
    ("hardship", "困难帮扶", "Hardship support", None, 24, 7, "grid", "困难 救助 低保 独居 帮扶 看病 体检 行动不便"),
    ("policy", "政策咨询", "Policy enquiry", None, 24, 5, "community", "政策 咨询 证明 社保 医保 户口 补贴"),
    ("suggestion", "意见建议", "Suggestion", None, 48, 15, "community", "建议 意见 希望 能不能"),
    ("other", "其他", "Other", None, 24, 7, "grid", ""),
]


def load(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    made = {}
    for i, (code, name, name_en, parent, accept, finish, level, keywords) in enumerate(CATEGORIES):
        made[code] = Category.objects.create(code=code, name=name, name_en=name_en, parent=made.get(parent),
                                             accept_hours=accept, finish_days=finish, default_level=level,
                                             keywords=keywords, sort=i)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
