"""Create the person and enterprise themes (values frozen here; see catalog.themes)."""

from django.db import migrations

THEMES = [
    ('person', 'P01', '婚育收养', 'Marriage, birth and adoption'),
    ('person', 'P02', '教育培训', 'Education and training'),
    ('person', 'P03', '求职执业', 'Jobs and professions'),
    ('person', 'P04', '纳税缴费', 'Taxes and fees'),
    ('person', 'P05', '就医保健', 'Health care'),
    ('person', 'P06', '社会保险', 'Social insurance'),
    ('person', 'P07', '福利救助', 'Welfare and assistance'),
    ('person', 'P08', '房屋租售', 'Housing'),
    ('person', 'P09', '交通旅游', 'Transport and travel'),
    ('person', 'P10', '证件办理', 'Certificates and documents'),
    ('person', 'P11', '场馆设施', 'Public venues'),
    ('person', 'P12', '公共安全', 'Public safety'),
    ('person', 'P13', '司法公证', 'Justice and notarisation'),
    ('person', 'P14', '环境气象', 'Environment and weather'),
    ('person', 'P15', '三农服务', 'Farming and rural life'),
    ('person', 'P16', '户籍办理', 'Household registration'),
    ('legal', 'L01', '设立变更', 'Starting and changing a business'),
    ('legal', 'L02', '准营准办', 'Operating permits'),
    ('legal', 'L03', '投资立项', 'Investment projects'),
    ('legal', 'L04', '工程建设', 'Construction'),
    ('legal', 'L05', '纳税缴费', 'Taxes and fees'),
    ('legal', 'L06', '社保公积金', 'Social insurance and housing fund'),
    ('legal', 'L07', '年报年检', 'Annual reports and inspections'),
    ('legal', 'L08', '注销退出', 'Closing a business'),
    ('legal', 'L09', '资质认证', 'Qualifications and certification'),
    ('legal', 'L10', '知识产权', 'Intellectual property'),
    ('legal', 'L11', '进出口', 'Import and export'),
    ('legal', 'L12', '交通物流', 'Transport and logistics'),
    ('legal', 'L13', '环境保护', 'Environmental protection'),
    ('legal', 'L14', '安全生产', 'Work safety'),
    ('legal', 'L15', '医疗卫生', 'Medicine and health'),
    ('legal', 'L16', '农林牧渔', 'Agriculture, forestry and fisheries'),
    ('legal', 'L17', '文化旅游', 'Culture and tourism'),
    ('legal', 'L18', '金融服务', 'Financial services'),
    ('legal', 'L19', '招标采购', 'Tendering and procurement'),
]


def create_themes(apps, schema_editor):
    Theme = apps.get_model("catalog", "Theme")
    for order, (audience, code, name, name_en) in enumerate(THEMES, start=1):
        Theme.objects.update_or_create(
            code=code, defaults={"audience": audience, "name": name, "name_en": name_en, "order": order}
        )


def remove_themes(apps, schema_editor):
    apps.get_model("catalog", "Theme").objects.filter(code__in=[row[1] for row in THEMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create_themes, remove_themes)]
