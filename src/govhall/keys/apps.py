from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "govhall.keys"
    label = "keys"
    verbose_name = "部门签名密钥 Department signing keys"
