"""The themes people browse the catalogue by (主题分类).

Person themes are Zhejiang's fifteen plus 户籍办理; enterprise themes follow the life of a business.
Codes are stable (used in URLs and the API); data migration 0002 creates these rows.
"""

from __future__ import annotations

# (code, name, English name)
PERSON_THEMES: list[tuple[str, str, str]] = [
    ("P01", "婚育收养", "Marriage, birth and adoption"),
    ("P02", "教育培训", "Education and training"),
    ("P03", "求职执业", "Jobs and professions"),
    ("P04", "纳税缴费", "Taxes and fees"),
    ("P05", "就医保健", "Health care"),
    ("P06", "社会保险", "Social insurance"),
    ("P07", "福利救助", "Welfare and assistance"),
    ("P08", "房屋租售", "Housing"),
    ("P09", "交通旅游", "Transport and travel"),
    ("P10", "证件办理", "Certificates and documents"),
    ("P11", "场馆设施", "Public venues"),
    ("P12", "公共安全", "Public safety"),
    ("P13", "司法公证", "Justice and notarisation"),
    ("P14", "环境气象", "Environment and weather"),
    ("P15", "三农服务", "Farming and rural life"),
    ("P16", "户籍办理", "Household registration"),
]

LEGAL_THEMES: list[tuple[str, str, str]] = [
    ("L01", "设立变更", "Starting and changing a business"),
    ("L02", "准营准办", "Operating permits"),
    ("L03", "投资立项", "Investment projects"),
    ("L04", "工程建设", "Construction"),
    ("L05", "纳税缴费", "Taxes and fees"),
    ("L06", "社保公积金", "Social insurance and housing fund"),
    ("L07", "年报年检", "Annual reports and inspections"),
    ("L08", "注销退出", "Closing a business"),
    ("L09", "资质认证", "Qualifications and certification"),
    ("L10", "知识产权", "Intellectual property"),
    ("L11", "进出口", "Import and export"),
    ("L12", "交通物流", "Transport and logistics"),
    ("L13", "环境保护", "Environmental protection"),
    ("L14", "安全生产", "Work safety"),
    ("L15", "医疗卫生", "Medicine and health"),
    ("L16", "农林牧渔", "Agriculture, forestry and fisheries"),
    ("L17", "文化旅游", "Culture and tourism"),
    ("L18", "金融服务", "Financial services"),
    ("L19", "招标采购", "Tendering and procurement"),
]
