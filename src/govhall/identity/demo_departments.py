"""The demo city's departments (modelled on 云浮市, GB/T 2260 445300).

Each row: code (short, used in case numbers), full name, short name, kind. USCCs are generated with
valid check characters by the demo seed; codes are stable so other demo data can refer to them.
"""

from __future__ import annotations

CITY_CODE = "445300"
CITY_NAME = "云浮市"
COUNTY_CODES = {
    "445302": "云城区",
    "445303": "云安区",
    "445321": "新兴县",
    "445322": "郁南县",
    "445381": "罗定市",
}

# (code, name, short name, kind)
CITY_DEPARTMENTS: list[tuple[str, str, str, str]] = [
    ("ZFB", "云浮市人民政府办公室", "市府办", "government"),
    ("ZWFW", "云浮市政务服务中心", "市政务服务中心", "service_centre"),
    ("ZSJ", "云浮市政务服务数据管理局", "市政数局", "government"),
    ("FGJ", "云浮市发展和改革局", "市发改局", "government"),
    ("JYJ", "云浮市教育局", "市教育局", "government"),
    ("KJJ", "云浮市科学技术局", "市科技局", "government"),
    ("GXJ", "云浮市工业和信息化局", "市工信局", "government"),
    ("GAJ", "云浮市公安局", "市公安局", "government"),
    ("MZJ", "云浮市民政局", "市民政局", "government"),
    ("SFJ", "云浮市司法局", "市司法局", "government"),
    ("CZJ", "云浮市财政局", "市财政局", "government"),
    ("RSJ", "云浮市人力资源和社会保障局", "市人社局", "government"),
    ("ZRZYJ", "云浮市自然资源局", "市自然资源局", "government"),
    ("STHJJ", "云浮市生态环境局", "市生态环境局", "government"),
    ("ZJJ", "云浮市住房和城乡建设局", "市住建局", "government"),
    ("JTJ", "云浮市交通运输局", "市交通运输局", "government"),
    ("SWJ", "云浮市水务局", "市水务局", "government"),
    ("NYJ", "云浮市农业农村局", "市农业农村局", "government"),
    ("SWUJ", "云浮市商务局", "市商务局", "government"),
    ("WGLTJ", "云浮市文化广电旅游体育局", "市文广旅体局", "government"),
    ("WJJ", "云浮市卫生健康局", "市卫健局", "government"),
    ("TYJRJ", "云浮市退役军人事务局", "市退役军人局", "government"),
    ("YJJ", "云浮市应急管理局", "市应急管理局", "government"),
    ("SJJ", "云浮市审计局", "市审计局", "government"),
    ("SCJGJ", "云浮市市场监督管理局", "市市场监管局", "government"),
    ("TJJ", "云浮市统计局", "市统计局", "government"),
    ("YBJ", "云浮市医疗保障局", "市医保局", "government"),
    ("LYJ", "云浮市林业局", "市林业局", "government"),
    ("CGJ", "云浮市城市管理和综合执法局", "市城管执法局", "government"),
    ("XFJ", "云浮市信访局", "市信访局", "government"),
    ("RFB", "云浮市人民防空办公室", "市人防办", "government"),
    ("MZZJ", "云浮市民族宗教事务局", "市民宗局", "government"),
    ("JRJ", "云浮市金融工作局", "市金融局", "government"),
    ("SWUJU", "国家税务总局云浮市税务局", "市税务局", "government"),
    ("GJJ", "云浮市住房公积金管理中心", "市公积金中心", "institution"),
    ("QXJ", "云浮市气象局", "市气象局", "government"),
    ("XFJY", "云浮市消防救援支队", "市消防救援支队", "government"),
    ("GGZY", "云浮市公共资源交易中心", "市公共资源交易中心", "institution"),
    ("DAG", "云浮市档案馆", "市档案馆", "institution"),
    ("CLH", "云浮市残疾人联合会", "市残联", "institution"),
    ("YCJ", "云浮市烟草专卖局", "市烟草专卖局", "government"),
]

# Each county-level division gets its own service centre and the departments most items go to.
COUNTY_DEPARTMENT_TEMPLATES: list[tuple[str, str, str, str]] = [
    ("ZWFW", "{county}政务服务中心", "{county}政务服务中心", "service_centre"),
    ("SCJGJ", "{county}市场监督管理局", "{county}市场监管局", "government"),
    ("MZJ", "{county}民政局", "{county}民政局", "government"),
    ("RSJ", "{county}人力资源和社会保障局", "{county}人社局", "government"),
    ("ZJJ", "{county}住房和城乡建设局", "{county}住建局", "government"),
]
